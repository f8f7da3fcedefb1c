/**
 * What the vector store holds, and what an assistant would retrieve: GET /vector/stats and
 * POST /vector/search on a server with the embedded store, after a complete run on the sample.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, waitForTask, type TestServer } from '../support/api-server.js';
import { expectError, expectInvalid, expectSuccess } from '../support/envelope-assertions.js';
import { BASE } from '../support/run-helpers.js';

const VECTOR = '/api/v0/data_pipeline/vector';
const SAMPLE_KEY = 'sample:/trailhead_outfitters';

describe('the training data in the store', () => {
  let server: TestServer;
  let taskId: string;

  beforeAll(async () => {
    server = await startTestServer({ store: 'embedded' });
    taskId = (await server.call('POST', BASE, { task_name: 'training data', db_connection: 'sample', enable_sql_validation: false })).body.data
      .task_id as string;
    expectSuccess(await server.call('POST', `${BASE}/${taskId}/table-list`, { tables: ['orders', 'customers', 'stores'] }));
    expect((await server.call('POST', `${BASE}/${taskId}/execute`, {})).status).toBe(202);
    expect((await waitForTask(server, taskId, 120_000)).data.status).toBe('completed');
  });
  afterAll(async () => server?.close());

  it('counts rows per collection with its embedder, and per database, kind and task', async () => {
    const stats = expectSuccess(await server.call('GET', `${VECTOR}/stats`));
    const database = stats.databases.find((d: { db_key: string }) => d.db_key === SAMPLE_KEY);
    expect(database).toMatchObject({ source_db: { host: 'sample', port: null, database: 'trailhead_outfitters' } });
    expect(database.by_kind.ddl).toBeGreaterThanOrEqual(3);
    expect(database.by_kind.sql).toBeGreaterThan(0);
    expect(database.rows).toBe(Object.values(database.by_kind as Record<string, number>).reduce((a, b) => a + b, 0));
    expect(database.tasks).toEqual({ [taskId]: database.rows });
    expect(stats.total_rows).toBe(database.rows);
    expect(stats.collections.find((c: { name: string }) => c.name === 'sql')).toMatchObject({ embedder: { provider: 'builtin', dimension: 64 } });
  });

  it('finds the nearest rows for a question, nearest first, with their provenance', async () => {
    const found = expectSuccess(await server.call('POST', `${VECTOR}/search`, { question: 'How many orders are there?', k: 3, kind: 'sql' }));
    expect(found.results).toHaveLength(3);
    const similarities = found.results.map((r: { similarity: number }) => r.similarity);
    expect([...similarities].sort((a, b) => b - a)).toEqual(similarities);
    for (const hit of found.results) {
      expect(hit).toMatchObject({
        kind: 'sql',
        question: expect.any(String),
        sql: expect.any(String),
        provenance: { db_key: SAMPLE_KEY, task_ids: [taskId], kind: 'sql' },
      });
      expect(hit.similarity).toBeGreaterThan(-1.0001);
      expect(hit.similarity).toBeLessThan(1.0001);
    }
    const ddl = expectSuccess(await server.call('POST', `${VECTOR}/search`, { question: 'orders table columns', kind: 'ddl', k: 1 }));
    expect(ddl.results[0].document).toMatch(/create table/i);
    expectInvalid(
      await server.call('POST', `${VECTOR}/search`, { question: 'orders', db: 'other:5432/none' }),
      'body.db',
      /no rows of database "other:5432\/none"/,
    );
    expect(expectSuccess(await server.call('POST', `${VECTOR}/search`, { question: 'orders', db: SAMPLE_KEY })).results.length).toBeGreaterThan(0);
    // A question with no words has nothing to rank by: named, never a 500.
    for (const question of ['   ', '???', '!', '\t']) {
      expectInvalid(await server.call('POST', `${VECTOR}/search`, { question }), 'body.question', /nothing to search for/);
    }
    expectInvalid(await server.call('POST', `${VECTOR}/search`, { question: '' }), 'body.question', /must NOT have fewer than 1 characters/);
    expectInvalid(await server.call('POST', `${VECTOR}/search`, { question: 'x', kind: 'tables' }), 'body.kind', /must be one of ddl, documentation, sql/);
  });

  it('refuses to search vectors another embedder made (409 naming both)', async () => {
    const db = server.server.ctx.services.storeDb;
    await db.query(
      `UPDATE langchain_pg_collection SET cmetadata = '{"embedder":{"provider":"openai","model":"text-embedding-3-small","dimension":64}}'::json WHERE name = 'sql'`,
    );
    try {
      const refused = await server.call('POST', `${VECTOR}/search`, { question: 'How many orders are there?', kind: 'sql' });
      expectError(refused, 409, 'EMBEDDER_MISMATCH');
      expect(refused.body.message).toMatch(/openai text-embedding-3-small \(64\).*builtin builtin-hashing-v2 \(64\)/);
    } finally {
      await db.query(
        `UPDATE langchain_pg_collection SET cmetadata = '{"embedder":{"provider":"builtin","model":"builtin-hashing-v2","dimension":64}}'::json WHERE name = 'sql'`,
      );
    }
  });
});

describe('the training data of a store without pgvector', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => server?.close());

  it('answers 503 saying the store has no pgvector', async () => {
    const reply = await server.call('GET', `${VECTOR}/stats`);
    expectError(reply, 503, 'VECTOR_STORE_UNAVAILABLE');
    expect(reply.body.message).toMatch(/pgvector/);
  });
});
