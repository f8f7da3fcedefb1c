/**
 * Vector table backup and restore through the HTTP API (api.md's three endpoints): a task's and the
 * global vector_bak/, the list of backups, a restore that brings back exactly the rows backed up,
 * confinement of backup_path to the data root, and a clear answer from a server without pgvector.
 */
import { promises as fs, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createScratchDatabase, makeTempDir, type ScratchDatabase } from '../support/env.js';
import { startTestServer, taskPath, waitForTask, type TestServer } from '../support/api-server.js';

const VECTOR = '/api/v0/data_pipeline/vector';
const TASKS = '/api/v0/data_pipeline/tasks';

describe('vector table backup and restore (embedded store)', () => {
  let server: TestServer;
  let taskId: string;
  let outside: string;
  let noVector: ScratchDatabase;

  async function storeRows(): Promise<{ id: string; document: string; embedding: string; collection: string }[]> {
    return server.server.ctx.services.storeDb.query(
      `SELECT e.id, e.document, e.embedding::text AS embedding, c.name AS collection
       FROM langchain_pg_embedding e JOIN langchain_pg_collection c ON c.uuid = e.collection_id ORDER BY e.id`,
    );
  }

  beforeAll(async () => {
    server = await startTestServer({ store: 'embedded' });
    outside = await makeTempDir('dp-outside-');
    noVector = await createScratchDatabase('dp_novector');
    const created = await server.call('POST', TASKS, { db_connection: 'sample', business_context: 'vector backup tests' });
    taskId = created.body.data.task_id;
    await server.call('POST', `${TASKS}/${taskId}/table-list`, { tables: ['regions', 'stores'] });
    const executed = await server.call('POST', `${TASKS}/${taskId}/execute`, {});
    expect(executed.status).toBe(202);
    const final = await waitForTask(server, taskId, 120_000);
    expect(final.data.status).toBe('completed');
  }, 180_000);

  afterAll(async () => {
    await server?.close();
    await noVector?.drop();
  });

  it("backs both tables up into the task's vector_bak/ in one snapshot, with real durations", async () => {
    const rows = await storeRows();
    expect(rows.length).toBeGreaterThan(0);
    const reply = await server.call('POST', `${VECTOR}/backup`, { task_id: taskId });
    expect(reply.status, JSON.stringify(reply.body)).toBe(200);
    const data = reply.body.data;
    expect(data).toMatchObject({ backup_performed: true, errors: [], backup_directory: `${taskId}/vector_bak` });
    expect(data.backup_timestamp).toMatch(/^\d{8}_\d{6}$/);
    const ts = data.backup_timestamp as string;
    expect(data.tables_backed_up.langchain_pg_embedding).toMatchObject({
      success: true,
      row_count: rows.length,
      backup_file: `langchain_pg_embedding_${ts}.csv`,
    });
    expect(data.tables_backed_up.langchain_pg_collection).toMatchObject({ success: true, row_count: 4 });
    const dir = path.join(taskPath(server, taskId), 'vector_bak');
    const csv = readFileSync(path.join(dir, `langchain_pg_embedding_${ts}.csv`), 'utf8');
    expect(csv.split('\n')[0]).toBe('id,collection_id,embedding,document,cmetadata');
    expect(data.tables_backed_up.langchain_pg_embedding.file_size).toBe(Buffer.byteLength(csv));
    expect(readFileSync(path.join(dir, 'vector_backup_log.txt'), 'utf8')).toMatch(/status: success/);

    // A second backup at once gets the next second, never the first one's file names.
    const again = await server.call('POST', `${VECTOR}/backup`, { task_id: taskId });
    expect(again.status).toBe(200);
    expect(again.body.data.backup_timestamp > ts).toBe(true);
    expect(readFileSync(path.join(dir, `langchain_pg_embedding_${ts}.csv`), 'utf8')).toBe(csv);
  });

  it('backs up into the global vector_bak/ without a task_id, and lists both locations', async () => {
    const reply = await server.call('POST', `${VECTOR}/backup`, {});
    expect(reply.status, JSON.stringify(reply.body)).toBe(200);
    expect(reply.body.data.backup_directory).toBe('vector_bak');
    const ts = reply.body.data.backup_timestamp as string;

    const list = await server.call('GET', `${VECTOR}/restore/list`);
    expect(list.status).toBe(200);
    const locations = list.body.data.backup_locations as { type: string; relative_path: string; task_id?: string; backups: Record<string, unknown>[] }[];
    expect(locations.map((l) => [l.type, l.relative_path])).toEqual([
      ['global', 'vector_bak'],
      ['task', `${taskId}/vector_bak`],
    ]);
    expect(locations[0]?.backups[0]).toMatchObject({
      timestamp: ts,
      collection_file: `langchain_pg_collection_${ts}.csv`,
      embedding_file: `langchain_pg_embedding_${ts}.csv`,
      collection_size: expect.any(Number),
      embedding_size: expect.any(Number),
      has_log: true,
      log_file: 'vector_backup_log.txt',
    });
    expect(list.body.data.summary).toMatchObject({ total_locations: 2, total_backups: 3, global_backups: 1, task_backups: 2 });

    const globalOnly = await server.call('GET', `${VECTOR}/restore/list?global_only=true`);
    expect(globalOnly.body.data.backup_locations.map((l: { type: string }) => l.type)).toEqual(['global']);
    const oneTask = await server.call('GET', `${VECTOR}/restore/list?task_id=${taskId}`);
    expect(oneTask.body.data.backup_locations.map((l: { type: string }) => l.type)).toEqual(['task']);
  });

  it('restores exactly the rows backed up (truncate first), in one transaction', async () => {
    const before = await storeRows();
    const list = await server.call('GET', `${VECTOR}/restore/list?task_id=${taskId}`);
    const ts = list.body.data.backup_locations[0].backups[0].timestamp as string;
    // Change the store: one row gone, one foreign row added.
    await server.server.ctx.services.storeDb.query(`DELETE FROM langchain_pg_embedding WHERE id = $1`, [before[0]?.id]);
    const [sqlCollection] = await server.server.ctx.services.storeDb.query<{ uuid: string }>(
      `SELECT uuid::text AS uuid FROM langchain_pg_collection WHERE name = 'sql'`,
    );
    await server.server.ctx.services.storeDb.query(
      `INSERT INTO langchain_pg_embedding (id, collection_id, embedding, document, cmetadata) SELECT 'stray-sql', $1::uuid, embedding, 'stray', '{}'::jsonb FROM langchain_pg_embedding LIMIT 1`,
      [sqlCollection?.uuid],
    );
    const reply = await server.call('POST', `${VECTOR}/restore`, { backup_path: `${taskId}/vector_bak`, timestamp: ts, truncate_before_restore: true });
    expect(reply.status, JSON.stringify(reply.body)).toBe(200);
    expect(reply.body.data).toMatchObject({
      restore_performed: true,
      truncate_performed: true,
      errors: [],
      restore_results: {
        langchain_pg_collection: { success: true, rows_restored: 4 },
        langchain_pg_embedding: { success: true, rows_restored: before.length, source_file: `langchain_pg_embedding_${ts}.csv` },
      },
      truncate_results: { langchain_pg_embedding: { success: true, rows_before: before.length, rows_after: 0 } },
    });
    expect(await storeRows()).toEqual(before);
  });

  it('restores only the tables asked for, and leaves the rest as it is (no truncate)', async () => {
    const before = await storeRows();
    const list = await server.call('GET', `${VECTOR}/restore/list?global_only=true`);
    const ts = list.body.data.backup_locations[0].backups[0].timestamp as string;
    const reply = await server.call('POST', `${VECTOR}/restore`, { backup_path: 'vector_bak', timestamp: ts, tables: ['langchain_pg_collection'] });
    expect(reply.status, JSON.stringify(reply.body)).toBe(200);
    expect(Object.keys(reply.body.data.restore_results)).toEqual(['langchain_pg_collection']);
    expect(reply.body.data.truncate_performed).toBe(false);
    expect(await storeRows()).toEqual(before);
  });

  it('confines backup_path to the data root: traversal, absolute paths and links are 400, missing ones 404', async () => {
    await fs.mkdir(path.join(outside, 'vector_bak'), { recursive: true });
    await fs.writeFile(path.join(outside, 'vector_bak', 'langchain_pg_collection_20250101_000000.csv'), 'uuid,name,cmetadata\n');
    await fs.writeFile(path.join(outside, 'vector_bak', 'langchain_pg_embedding_20250101_000000.csv'), 'id,collection_id,embedding,document,cmetadata\n');
    await fs.symlink(path.join(outside, 'vector_bak'), path.join(server.server.ctx.services.dataRoot.path, 'linked_bak'));
    const rowsBefore = await storeRows();
    for (const backupPath of ['../../', path.join(outside, 'vector_bak'), `../${path.basename(outside)}/vector_bak`, 'linked_bak']) {
      const reply = await server.call('POST', `${VECTOR}/restore`, { backup_path: backupPath, timestamp: '20250101_000000', truncate_before_restore: true });
      expect(reply.status, `${backupPath}: ${JSON.stringify(reply.body)}`).toBe(400);
      expect(reply.body).toMatchObject({ success: false, data: { error_code: 'INVALID_PATH', invalid_params: [{ field: 'body.backup_path' }] } });
    }
    expect(await storeRows()).toEqual(rowsBefore);

    const missingDir = await server.call('POST', `${VECTOR}/restore`, { backup_path: 'no_such_dir', timestamp: '20250101_000000' });
    expect(missingDir.status).toBe(404);
    const missingTs = await server.call('POST', `${VECTOR}/restore`, { backup_path: 'vector_bak', timestamp: '19990101_000000' });
    expect(missingTs.status).toBe(404);
    expect(missingTs.body.message).toContain('langchain_pg_collection_19990101_000000.csv');
  });

  it('names the field and what is accepted for bad input', async () => {
    const cases: [string, string, unknown, number, RegExp][] = [
      ['POST', `${VECTOR}/restore`, { backup_path: 'vector_bak', timestamp: '2025-01-01' }, 400, /timestamp/],
      ['POST', `${VECTOR}/restore`, { timestamp: '20250101_000000' }, 400, /backup_path/],
      ['POST', `${VECTOR}/restore`, { backup_path: 'vector_bak', timestamp: '20250101_000000', tables: ['pg_authid'] }, 400, /tables/],
      ['POST', `${VECTOR}/backup`, { task_id: '../etc' }, 400, /task_id/],
      ['POST', `${VECTOR}/backup`, { task_id: 'task_missing' }, 404, /task_missing/],
      ['POST', `${VECTOR}/backup`, { db_connection: 'sample' }, 400, /db_connection/],
      ['GET', `${VECTOR}/restore/list?global_only=maybe`, undefined, 400, /global_only/],
    ];
    for (const [method, route, body, status, pattern] of cases) {
      const reply = await server.call(method, route, body);
      expect(reply.status, `${route} ${JSON.stringify(body)}: ${JSON.stringify(reply.body)}`).toBe(status);
      expect(reply.body.success).toBe(false);
      expect(reply.body.message).toMatch(pattern);
    }
  });

  it('refuses a backup the database cannot take (400, nothing changed) and a link in place of vector_bak (409)', async () => {
    const before = await storeRows();
    const dir = path.join(server.server.ctx.services.dataRoot.path, 'bad_bak');
    await fs.mkdir(dir);
    await fs.writeFile(path.join(dir, 'langchain_pg_collection_20250101_000000.csv'), 'uuid,name,cmetadata\n');
    // A vector of the wrong dimension, and a row of garbage after it.
    await fs.writeFile(
      path.join(dir, 'langchain_pg_embedding_20250101_000000.csv'),
      `id,collection_id,embedding,document,cmetadata\nnew-row,,"[1,2,3]",doc,{}\n`,
    );
    const reply = await server.call('POST', `${VECTOR}/restore`, { backup_path: 'bad_bak', timestamp: '20250101_000000', truncate_before_restore: true });
    expect(reply.status, JSON.stringify(reply.body)).toBe(400);
    expect(reply.body.message).toMatch(/refuses .*rolled back, nothing changed/);
    expect(await storeRows()).toEqual(before);

    const other = await server.call('POST', TASKS, { db_connection: 'sample' });
    const otherId = other.body.data.task_id as string;
    await fs.mkdir(path.join(server.server.ctx.services.dataRoot.path, otherId), { recursive: true });
    await fs.symlink(outside, path.join(server.server.ctx.services.dataRoot.path, otherId, 'vector_bak'));
    const linked = await server.call('POST', `${VECTOR}/backup`, { task_id: otherId });
    expect(linked.status, JSON.stringify(linked.body)).toBe(409);
    expect(linked.body.data.error_code).toBe('INVALID_BACKUP_DIRECTORY');
    expect((await fs.readdir(outside)).filter((f) => f.endsWith('.csv'))).toEqual([]);
  });

  it('says clearly that a PostgreSQL database without pgvector cannot hold or give vector tables', async () => {
    const withPassword = noVector.url.replace('postgresql://postgres@', 'postgresql://postgres:s3cret-pw@');
    const backup = await server.call('POST', `${VECTOR}/backup`, { db_connection: withPassword });
    expect(backup.status, JSON.stringify(backup.body)).toBe(400);
    expect(backup.body.message).toMatch(/no langchain_pg_collection and langchain_pg_embedding table/);
    const list = await server.call('GET', `${VECTOR}/restore/list?task_id=${taskId}`);
    const ts = list.body.data.backup_locations[0].backups[0].timestamp as string;
    const restore = await server.call('POST', `${VECTOR}/restore`, { backup_path: `${taskId}/vector_bak`, timestamp: ts, db_connection: withPassword });
    expect(restore.status, JSON.stringify(restore.body)).toBe(400);
    expect(restore.body.message).toMatch(/pgvector extension is not available/);
    expect(JSON.stringify([backup.body, restore.body])).not.toContain('s3cret-pw');
  });
});

describe('vector table backup on a server whose store is PostgreSQL without pgvector', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ store: 'postgres' });
  });
  afterAll(async () => server?.close());

  it('answers 503 naming the missing extension and how to fix it', async () => {
    const reply = await server.call('POST', `${VECTOR}/backup`, {});
    expect(reply.status).toBe(503);
    expect(reply.body.data.error_code).toBe('VECTOR_STORE_UNAVAILABLE');
    expect(reply.body.message).toMatch(/pgvector extension is not available.*embedded store/);
  });
});
