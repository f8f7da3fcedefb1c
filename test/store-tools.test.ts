/**
 * The training data where its consumers read it: `data-pipeline store serve` answers a PostgreSQL
 * client (pg, as Vanna's PG_VectorStore would connect) with the collections and a vector query;
 * `store push` makes a pgvector server hold exactly the store's rows of its databases (a second
 * PGlite with pgvector, served over the wire) and a re-push after a change removes what went;
 * `store export` writes chat examples whose SQL runs on the source database.
 */
import { spawn } from 'node:child_process';
import net from 'node:net';
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Settings } from '../src/config/settings.js';
import { openEmbeddedStore } from '../src/db/embedded-store.js';
import { exportTrainingPairs, pushEmbeddedStore, type ChatExample } from '../src/services/store-tools.js';
import { TaskDirectory } from '../src/task-directory/task-dir.js';
import { COLLECTION_TABLE, EMBEDDING_TABLE } from '../src/vector/vector-store.js';
import { runWorkflow } from '../src/workflow/orchestrator.js';
import { workflowOptions } from '../src/workflow/run-options.js';
import { createSampleDatabaseOnServer, makeTempDir, PROJECT_ROOT, TEST_CACHE_DIR, TEST_SERVER_URL, testSettings, type ScratchDatabase } from './support/env.js';

const BIN = path.join(PROJECT_ROOT, 'bin', 'data-pipeline.js');
const TABLES = ['public.customers', 'public.orders', 'public.order_items', 'public.products'];

interface StoreRow {
  id: string;
  collection: string;
  embedding: string;
  document: string;
  db_key: string;
}

const ROWS_SQL = `SELECT e.id, c.name AS collection, e.embedding::text AS embedding, e.document, e.cmetadata ->> 'db_key' AS db_key
  FROM ${EMBEDDING_TABLE} e JOIN ${COLLECTION_TABLE} c ON c.uuid = e.collection_id ORDER BY e.id`;

async function storeRows(settings: Settings): Promise<StoreRow[]> {
  const db = await openEmbeddedStore(settings.embeddedStoreDir);
  try {
    return await db.query<StoreRow & Record<string, unknown>>(ROWS_SQL);
  } finally {
    await db.close();
  }
}

/** A pgvector "server": a PGlite database with the vector extension on the PostgreSQL wire. */
async function startPgvectorServer(): Promise<{ url: string; query<T>(sql: string, params?: unknown[]): Promise<T[]>; stop(): Promise<void> }> {
  const db = await PGlite.create({ extensions: { vector } });
  await db.exec('CREATE EXTENSION IF NOT EXISTS vector');
  const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0 });
  await server.start();
  const port = Number(server.getServerConn().split(':').pop());
  return {
    url: `postgresql://postgres@127.0.0.1:${port}/postgres`,
    // Queries of the test go straight to PGlite: the wire is left to the code under test.
    async query<T>(sql: string, params: unknown[] = []) {
      return (await db.query<T>(sql, params)).rows;
    },
    async stop() {
      await server.stop();
      await db.close();
    },
  };
}

describe('data-pipeline store', () => {
  let sample: ScratchDatabase;
  let root: string;
  let settings: Settings;
  let env: Record<string, string>;

  beforeAll(async () => {
    sample = await createSampleDatabaseOnServer();
    root = await makeTempDir('dp-store-tools-');
    env = { DP_TRAINING_DATA_DIR: path.join(root, 'training_data'), DP_STORE_DIR: path.join(root, 'store'), DP_CACHE_DIR: TEST_CACHE_DIR, EMBEDDING_DIM: '64' };
    settings = testSettings(root);
    const dir = await TaskDirectory.open(path.join(settings.trainingDataDir, 'task_store'), { create: true });
    await dir.writeFile('table_list.txt', `${TABLES.join('\n')}\n`);
    const options = workflowOptions({ task_id: 'task_store', db_connection: sample.url, business_context: 'Outdoor gear retailer', execute_check: true });
    const result = await runWorkflow({ dir, settings, options, mode: 'complete' });
    expect(result.status, result.error_message ?? '').toBe('completed');
  }, 180_000);
  afterAll(async () => sample?.drop());

  /** Starts `store serve` as a user would and waits for the URL it prints. */
  function serve(extraEnv: Record<string, string> = {}, args: string[] = []) {
    const child = spawn(process.execPath, [BIN, 'store', 'serve', '--port', '0', '--json', ...args], {
      cwd: PROJECT_ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env, ...extraEnv },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const url = new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        const line = out.split('\n').find((l) => l.startsWith('{'));
        if (line) resolve((JSON.parse(line) as { url: string }).url);
      });
      child.stderr.on('data', (d: Buffer) => (err += d.toString()));
      void exited.then((code) => reject(new Error(`store serve exited ${code}: ${err}`)));
    });
    return { child, url, exited, stderr: () => err };
  }

  it('serve: a PostgreSQL client reads the collections and runs a similarity query; Ctrl-C releases the store', async () => {
    const expected = await storeRows(settings);
    expect(new Set(expected.map((r) => r.collection))).toEqual(new Set(['ddl', 'documentation', 'sql']));
    const served = serve();
    const url = await served.url;
    expect(url).toMatch(/^postgresql:\/\/postgres@127\.0\.0\.1:\d+\/postgres$/);
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const counts = await client.query<{ name: string; n: number }>(
        `SELECT c.name, count(*)::int AS n FROM ${EMBEDDING_TABLE} e JOIN ${COLLECTION_TABLE} c ON c.uuid = e.collection_id GROUP BY c.name ORDER BY c.name`,
      );
      const byCollection = (name: string) => expected.filter((r) => r.collection === name).length;
      expect(counts.rows).toEqual(['ddl', 'documentation', 'sql'].map((name) => ({ name, n: byCollection(name) })));
      // Retrieval as Vanna does it: the nearest rows of a collection to a vector.
      const probe = expected.find((r) => r.collection === 'sql') as StoreRow;
      const nearest = await client.query<{ id: string; distance: number }>(
        `SELECT e.id, e.embedding <=> $1::vector AS distance FROM ${EMBEDDING_TABLE} e JOIN ${COLLECTION_TABLE} c ON c.uuid = e.collection_id
         WHERE c.name = 'sql' ORDER BY distance LIMIT 3`,
        [probe.embedding],
      );
      expect(nearest.rows).toHaveLength(3);
      expect(nearest.rows[0]).toEqual({ id: probe.id, distance: expect.closeTo(0, 6) });
      // Only the training data is served: the store's task records (which hold source connections) are not there.
      expect((await client.query<{ t: string | null }>(`SELECT to_regclass('dp_tasks')::text AS t`)).rows).toEqual([{ t: null }]);
      // The store is not held while serving: it opens meanwhile.
      expect(await storeRows(settings)).toEqual(expected);
      // What a client writes goes to the copy only.
      await client.query(`DELETE FROM ${EMBEDDING_TABLE}`);
    } finally {
      await client.end();
    }
    served.child.kill('SIGINT');
    expect(await served.exited).toBe(0);
    // The store itself is as it was.
    expect(await storeRows(settings)).toEqual(expected);
  }, 60_000);

  it('serve --max-connections: one client per collection, as Vanna opens them; a transaction is not seen half-done by the others', async () => {
    const expected = await storeRows(settings);
    const served = serve({}, ['--max-connections', '3']);
    const url = await served.url;
    const clients = ['ddl', 'documentation', 'sql'].map(() => new pg.Client({ connectionString: url }));
    await Promise.all(clients.map((c) => c.connect()));
    const [writer, reader, third] = clients as [pg.Client, pg.Client, pg.Client];
    const countRows = async (c: pg.Client) => (await c.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${EMBEDDING_TABLE}`)).rows[0]?.n;
    try {
      expect(await Promise.all(clients.map(countRows))).toEqual([expected.length, expected.length, expected.length]);
      await writer.query('BEGIN');
      await writer.query(`DELETE FROM ${EMBEDDING_TABLE}`);
      // The reader waits for the writer's transaction instead of seeing it half-done.
      const seen = countRows(reader);
      await writer.query('ROLLBACK');
      expect(await seen).toBe(expected.length);
      expect(await countRows(third)).toBe(expected.length);
    } finally {
      await Promise.all(clients.map((c) => c.end()));
    }
    served.child.kill('SIGINT');
    expect(await served.exited).toBe(0);
    expect(await storeRows(settings)).toEqual(expected);
  }, 60_000);

  it('serve: refused, naming the holder, while another process holds the store; refused for a PostgreSQL store', async () => {
    const held = await openEmbeddedStore(settings.embeddedStoreDir);
    try {
      const served = serve();
      await expect(served.url).rejects.toThrow(/exited 2: .*is in use by another data-pipeline process \(process \d+/s);
    } finally {
      await held.close();
    }
    const other = serve({ DP_STORE_URL: 'postgresql://reader:S3cret-Pw@127.0.0.1:5999/store' });
    const failure = await other.url.catch((error: Error) => error.message);
    expect(failure).toMatch(/the store is a PostgreSQL server already .*connect to it directly/);
    expect(failure).not.toContain('S3cret-Pw');
    const badPort = serve({}, ['--port', '70000']);
    await expect(badPort.url).rejects.toThrow(/--port 70000: expected a port number/);
    // A port another program has: said so, as JSON with --json.
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    try {
      const taken = serve({}, ['--port', String((blocker.address() as net.AddressInfo).port)]);
      const message = await taken.url.catch((error: Error) => error.message);
      const reported = JSON.parse(message.slice(message.indexOf('{'))) as { error: string };
      expect(reported.error).toMatch(/^127\.0\.0\.1:\d+ is in use by another program: choose another --port/);
    } finally {
      blocker.close();
    }
  }, 60_000);

  it('push: the target holds exactly the store’s rows of its databases, other databases’ rows stay, a re-push removes what went', async () => {
    const target = await startPgvectorServer();
    try {
      const source = await storeRows(settings);
      const dbKey = source[0]?.db_key as string;
      // A row of another database, already in the target: not the push's business.
      await pushEmbeddedStore(settings, target.url); // creates the tables
      const [collection] = await target.query<{ uuid: string }>(`SELECT uuid::text AS uuid FROM ${COLLECTION_TABLE} WHERE name = 'sql'`);
      await target.query(
        `INSERT INTO ${EMBEDDING_TABLE} (id, collection_id, embedding, document, cmetadata) VALUES ('other-sql', $1, $2::vector, 'other', '{"db_key":"elsewhere:5432/other"}')`,
        [collection?.uuid, source[0]?.embedding],
      );

      const first = await pushEmbeddedStore(settings, target.url);
      expect(first).toEqual({ databases: [dbKey], rows: source.length, inserted_or_updated: source.length, deleted: 0 });
      const pushed = await target.query<StoreRow>(ROWS_SQL);
      expect(pushed.filter((r) => r.id !== 'other-sql')).toEqual(source);
      expect(pushed.some((r) => r.id === 'other-sql')).toBe(true);

      // A pair leaves the store (as a reload after an edit would do): the re-push removes it there.
      const gone = source.find((r) => r.collection === 'sql') as StoreRow;
      const db = await openEmbeddedStore(settings.embeddedStoreDir);
      try {
        await db.query(`DELETE FROM ${EMBEDDING_TABLE} WHERE id = $1`, [gone.id]);
      } finally {
        await db.close();
      }
      const second = await pushEmbeddedStore(settings, target.url);
      expect(second.deleted).toBe(1);
      const after = await target.query<StoreRow>(ROWS_SQL);
      expect(after.filter((r) => r.id !== 'other-sql')).toEqual(source.filter((r) => r.id !== gone.id));
      expect(after.some((r) => r.id === 'other-sql')).toBe(true);

      // Vectors of another embedder there: refused, nothing changed.
      await target.query(
        `UPDATE ${COLLECTION_TABLE} SET cmetadata = '{"embedder":{"provider":"openai","model":"text-embedding-3-small","dimension":64}}' WHERE name = 'sql'`,
      );
      await expect(pushEmbeddedStore(settings, target.url)).rejects.toMatchObject({ code: 'EMBEDDER_MISMATCH' });
      expect(await target.query<StoreRow>(ROWS_SQL)).toEqual(after);
    } finally {
      await target.stop();
    }
  }, 120_000);

  it('push: a server without pgvector is named as such; the CLI asks for a postgresql:// target', async () => {
    await expect(pushEmbeddedStore(settings, TEST_SERVER_URL)).rejects.toThrow(
      /the pgvector extension is not available on that server: install pgvector there .*nothing was pushed$/,
    );
    // A target whose vectors have another dimension: named, and no advice that cannot work.
    const narrow = await startPgvectorServer();
    try {
      await narrow.query(`CREATE TABLE ${COLLECTION_TABLE} (uuid uuid PRIMARY KEY, name varchar NOT NULL UNIQUE, cmetadata json)`);
      await narrow.query(
        `CREATE TABLE ${EMBEDDING_TABLE} (id varchar PRIMARY KEY, collection_id uuid REFERENCES ${COLLECTION_TABLE} (uuid) ON DELETE CASCADE, embedding vector(8), document varchar, cmetadata jsonb)`,
      );
      await expect(pushEmbeddedStore(settings, narrow.url)).rejects.toThrow(
        /its vectors are 8-dimensional, the store's 64-dimensional; push copies vectors and cannot convert them: nothing was pushed/,
      );
      expect(await narrow.query(`SELECT * FROM ${EMBEDDING_TABLE}`)).toEqual([]);
    } finally {
      await narrow.stop();
    }
    const result = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, [BIN, 'store', 'push', '--to', 'mysql://root@127.0.0.1/x'], {
        cwd: PROJECT_ROOT,
        env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env },
      });
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('close', (code) => resolve({ code, stderr }));
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--to mysql:\/\/.*expected a postgresql:\/\/ URL/);
  }, 60_000);

  it('export: one chat example per pair, with the DDL of its tables, whose SQL runs on the source database', async () => {
    const rows = await storeRows(settings);
    const file = path.join(root, 'export', 'pairs.jsonl');
    const written = await exportTrainingPairs(settings, {}, file);
    expect(written).toBe(rows.filter((r) => r.collection === 'sql').length);
    const examples = (await fs.readFile(file, 'utf8'))
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as ChatExample);
    expect(examples).toHaveLength(written);
    const client = new pg.Client({ connectionString: sample.url });
    await client.connect();
    try {
      for (const { messages } of examples) {
        expect(messages.map((m) => m.role)).toEqual(['system', 'user', 'assistant']);
        expect(messages[0].content).toMatch(/CREATE TABLE/i);
        expect(messages[1].content.length).toBeGreaterThan(5);
        await client.query(`EXPLAIN ${messages[2].content}`);
      }
    } finally {
      await client.end();
    }
    // Scoped: the task's pairs are all of them; an unknown task or database has none.
    const dbKey = rows[0]?.db_key as string;
    expect(await exportTrainingPairs(settings, { task: 'task_store', db: dbKey }, path.join(root, 'export', 'task.jsonl'))).toBe(written);
    // A scope the store knows nothing of is named, with what it does hold; no file is written.
    await expect(exportTrainingPairs(settings, { task: 'no_such_task' }, path.join(root, 'export', 'none.jsonl'))).rejects.toThrow(
      /--task no_such_task: the store has no rows of that task; tasks loaded: task_store/,
    );
    await expect(exportTrainingPairs(settings, { db: 'elsewhere:5432/other' }, path.join(root, 'export', 'none2.jsonl'))).rejects.toThrow(
      `--db elsewhere:5432/other: the store has no rows of that database; it has: ${dbKey}`,
    );
    expect(existsSync(path.join(root, 'export', 'none.jsonl'))).toBe(false);

    // --out through a link writes its target and keeps the link; a directory is refused; a pipe is written as it is.
    const target = path.join(root, 'export', 'target.jsonl');
    await fs.writeFile(target, 'old\n');
    const link = path.join(root, 'export', 'link.jsonl');
    await fs.symlink(target, link);
    expect(await exportTrainingPairs(settings, {}, link)).toBe(written);
    expect((await fs.lstat(link)).isSymbolicLink()).toBe(true);
    expect((await fs.readFile(target, 'utf8')).trim().split('\n')).toHaveLength(written);
    await expect(exportTrainingPairs(settings, {}, path.join(root, 'export'))).rejects.toThrow(/is a directory/);
    const fifo = path.join(root, 'export', 'fifo');
    await new Promise<void>((resolve, reject) => spawn('mkfifo', [fifo]).on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`mkfifo ${code}`)))));
    const reader = new Promise<string>((resolve) => {
      const cat = spawn('cat', [fifo]);
      let out = '';
      cat.stdout.on('data', (d: Buffer) => (out += d.toString()));
      cat.on('exit', () => resolve(out));
    });
    expect(await exportTrainingPairs(settings, {}, fifo)).toBe(written);
    expect((await reader).trim().split('\n')).toHaveLength(written);
    expect((await fs.lstat(fifo)).isFIFO()).toBe(true);
  }, 60_000);
});
