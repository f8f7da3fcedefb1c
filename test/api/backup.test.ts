/**
 * The user's specification, through the HTTP API: the seven test scenarios, then what the issue
 * adds (statistics in the response, no backup in step mode, links, the record's fields, 409 with
 * nothing moved, the switch, retention, list/show/diff/restore/delete).
 */
import { promises as fs, lstatSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultFileOps, type FileOps } from '../../src/backup/file-ops.js';
import { compactTimestamp } from '../../src/util/time.js';
import { startTestServer, taskPath, waitForTask, type TestServer } from '../support/api-server.js';
import { startScriptedOpenAI, type ScriptedOpenAIServer } from '../support/scripted-openai-server.js';
import { PLAIN_RUN_OPTIONS } from '../support/task-fixtures.js';

const BASE = '/api/v0/data_pipeline/tasks';

/** A file operation that refuses names containing "unmovable": neither moved nor copied. */
const refusingOps: FileOps = {
  rename: (from, to) => {
    if (from.includes('unmovable')) throw Object.assign(new Error('operation not permitted'), { code: 'EPERM' });
    return defaultFileOps.rename(from, to);
  },
  copyFile: (from, to) => {
    if (from.includes('unmovable')) throw Object.assign(new Error('permission denied'), { code: 'EACCES' });
    return defaultFileOps.copyFile(from, to);
  },
  copyLink: defaultFileOps.copyLink,
};

const backups = (dir: string) =>
  readdirSync(dir)
    .filter((n) => n.startsWith('file_bak_'))
    .sort();

describe('complete-mode backup of earlier task files (the specification)', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({ backupOps: refusingOps });
  });
  afterAll(async () => server?.close());

  /** A task on the sample database with one small table and no vector loading (quick runs). */
  async function createTask(tableList: string | null = 'regions'): Promise<{ id: string; dir: string }> {
    const { body } = await server.call('POST', BASE, { db_connection: 'sample', enable_training_data_load: false, business_context: 'backup tests' });
    const id = body.data.task_id as string;
    if (tableList !== null) await server.call('POST', `${BASE}/${id}/table-list`, { tables: tableList });
    return { id, dir: taskPath(server, id) };
  }

  async function execute(id: string, body: Record<string, unknown> = { execution_mode: 'complete' }) {
    const response = await server.call('POST', `${BASE}/${id}/execute`, body);
    expect(response.status, JSON.stringify(response.body)).toBe(202);
    return response.body.data;
  }

  it('scenario 1 — empty directory: no backup is created', async () => {
    const { id, dir } = await createTask(null);
    const data = await execute(id);
    expect(data.backup).toMatchObject({ performed: false, backup_directory: null, moved_count: 0 });
    await waitForTask(server, id);
    expect(backups(dir)).toEqual([]);
  });

  it('scenario 2 — only table_list.txt: no backup is created', async () => {
    const { id, dir } = await createTask();
    expect(readdirSync(dir)).toEqual(['table_list.txt']);
    const data = await execute(id);
    expect(data.backup).toMatchObject({ performed: false, status: 'nothing_to_back_up' });
    const final = await waitForTask(server, id);
    expect(final.data.status).toBe('completed');
    expect(backups(dir)).toEqual([]);
  });

  it('scenario 3 — other files present: a backup is created and the files moved', async () => {
    const { id, dir } = await createTask();
    await fs.writeFile(path.join(dir, 'old_file.ddl'), 'old ddl');
    await fs.writeFile(path.join(dir, 'old_data.json'), '{"old":true}');
    const data = await execute(id);
    expect(data.backup).toMatchObject({ performed: true, moved_count: 2, copied_count: 0, failed_count: 0, failed_files: [], total_bytes: 7 + 12 });
    expect(data.backup.backup_directory).toMatch(/^file_bak_\d{8}_\d{6}$/);
    await waitForTask(server, id);
    const backupDir = path.join(dir, data.backup.backup_directory);
    expect(readdirSync(backupDir).sort()).toEqual(['backup_info.json', 'old_data.json', 'old_file.ddl']);
    expect(readFileSync(path.join(backupDir, 'old_file.ddl'), 'utf8')).toBe('old ddl');
    expect(readdirSync(dir)).not.toContain('old_file.ddl');
  });

  it('scenario 4 — mixed content: only the files move; subdirectories and table_list.txt stay', async () => {
    const { id, dir } = await createTask();
    await fs.writeFile(path.join(dir, 'old_file.ddl'), 'x');
    await fs.writeFile(path.join(dir, 'some_log.log'), 'y');
    await fs.mkdir(path.join(dir, 'some_subdir'));
    await fs.writeFile(path.join(dir, 'some_subdir', 'file.txt'), 'stays');
    await fs.mkdir(path.join(dir, 'vector_bak'));
    await fs.writeFile(path.join(dir, 'vector_bak', 'x.csv'), 'stays');
    const data = await execute(id);
    await waitForTask(server, id);
    const record = JSON.parse(readFileSync(path.join(dir, data.backup.backup_directory, 'backup_info.json'), 'utf8')) as { moved_files: string[] };
    expect(record.moved_files).toEqual(['old_file.ddl', 'some_log.log']);
    expect(readFileSync(path.join(dir, 'some_subdir', 'file.txt'), 'utf8')).toBe('stays');
    expect(readFileSync(path.join(dir, 'vector_bak', 'x.csv'), 'utf8')).toBe('stays');
    expect(readFileSync(path.join(dir, 'table_list.txt'), 'utf8')).toBe('public.regions\n');
  });

  it('scenario 5 — the backup directory name exists: a suffixed directory is created', async () => {
    const { id, dir } = await createTask();
    await fs.writeFile(path.join(dir, 'old_file.ddl'), 'x');
    // The server's clock decides the name: take every name of the next seconds.
    const now = Date.now();
    const taken: string[] = [];
    for (let s = -1; s < 20; s += 1) {
      const name = `file_bak_${compactTimestamp(new Date(now + s * 1000))}`;
      await fs.mkdir(path.join(dir, name));
      taken.push(name);
    }
    const data = await execute(id);
    await waitForTask(server, id);
    expect(data.backup.backup_directory).toMatch(/^file_bak_\d{8}_\d{6}_1$/);
    expect(taken).toContain(data.backup.backup_directory.replace(/_1$/, ''));
    expect(readdirSync(path.join(dir, data.backup.backup_directory)).sort()).toEqual(['backup_info.json', 'old_file.ddl']);
  });

  it('scenario 6 — a file that can be neither moved nor copied: the error is recorded and the run continues', async () => {
    const { id, dir } = await createTask();
    await fs.writeFile(path.join(dir, 'unmovable.ddl'), 'stuck');
    await fs.writeFile(path.join(dir, 'movable.md'), 'ok');
    const data = await execute(id);
    expect(data.backup).toMatchObject({ performed: true, moved_count: 1, failed_count: 1, status: 'partial' });
    expect(data.backup.failed_files).toEqual([
      { file: 'unmovable.ddl', error: 'move failed (EPERM: operation not permitted); copy failed (EACCES: permission denied)' },
    ]);
    const final = await waitForTask(server, id);
    expect(final.data.status).toBe('completed');
    expect(final.data.last_backup).toMatchObject({ failed_count: 1 });
    const record = JSON.parse(readFileSync(path.join(dir, data.backup.backup_directory, 'backup_info.json'), 'utf8')) as Record<string, unknown>;
    expect(record.failed_files).toEqual(data.backup.failed_files);
    const log = readFileSync(path.join(dir, 'data_pipeline.log'), 'utf8');
    expect(log).toMatch(/\[WARNING\] data_pipeline\.backup: \[backup\] backup: unmovable\.ddl could not be backed up: move failed/);
  });

  it('scenario 7 — repeated executions: one backup directory per execution', async () => {
    const { id, dir } = await createTask();
    const names: (string | null)[] = [];
    for (let i = 0; i < 3; i += 1) {
      const data = await execute(id);
      names.push(data.backup.backup_directory);
      await waitForTask(server, id);
    }
    // The first run found only table_list.txt; each later one backed up the run before it.
    expect(names[0]).toBeNull();
    expect(backups(dir)).toEqual([names[1], names[2]].sort());
    for (const name of [names[1], names[2]]) {
      const held = readdirSync(path.join(dir, name as string));
      expect(held).toEqual(
        expect.arrayContaining(['regions.ddl', 'regions_detail.md', 'task_config.json', 'task_result.json', 'data_pipeline.log', 'backup_info.json']),
      );
      expect(held).not.toContain('table_list.txt');
    }
  });
});

describe('backup: what the issue adds', () => {
  let server: TestServer;
  let llm: ScriptedOpenAIServer;

  beforeAll(async () => {
    llm = await startScriptedOpenAI();
    server = await startTestServer({ env: { DP_BACKUP_KEEP_LAST: '2' } });
  });
  afterAll(async () => {
    await server?.close();
    await llm?.close();
  });

  async function completedTask(): Promise<{ id: string; dir: string }> {
    const { body } = await server.call('POST', BASE, { db_connection: 'sample', enable_training_data_load: false });
    const id = body.data.task_id as string;
    await server.call('POST', `${BASE}/${id}/table-list`, { tables: ['regions', 'stores'] });
    await server.call('POST', `${BASE}/${id}/execute`, {});
    await waitForTask(server, id);
    return { id, dir: taskPath(server, id) };
  }

  it('writes backup_info.json with the specified fields and types, and the statistics in GET task and task_result.json', async () => {
    const { id, dir } = await completedTask();
    const { body } = await server.call('POST', `${BASE}/${id}/execute`, { execution_mode: 'complete' });
    const stats = body.data.backup;
    expect(Object.keys(stats)).toEqual(
      expect.arrayContaining(['performed', 'backup_directory', 'moved_count', 'copied_count', 'failed_count', 'failed_files', 'total_bytes', 'duration_ms']),
    );
    const final = await waitForTask(server, id);
    const record = JSON.parse(readFileSync(path.join(dir, stats.backup_directory, 'backup_info.json'), 'utf8')) as Record<string, unknown>;
    // The specification's example: {backup_time, backup_directory, moved_files, failed_files, task_id}.
    expect(record.backup_time).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}$/);
    expect(record.backup_directory).toBe(stats.backup_directory);
    expect(Array.isArray(record.moved_files) && (record.moved_files as unknown[]).every((f) => typeof f === 'string')).toBe(true);
    expect(record.failed_files).toEqual([]);
    expect(record.task_id).toBe(id);
    expect(record).toMatchObject({
      copied_files: [],
      trigger: 'execute',
      status: 'completed',
      total_bytes: stats.total_bytes,
      duration_ms: expect.any(Number),
    });
    expect((record.moved_files as string[]).length).toBe(stats.moved_count);
    expect(final.data.last_backup).toMatchObject({ backup_directory: stats.backup_directory, moved_count: stats.moved_count });
    const result = JSON.parse(readFileSync(path.join(dir, 'task_result.json'), 'utf8')) as { backup: Record<string, unknown> };
    expect(result.backup).toMatchObject({ backup_directory: stats.backup_directory, moved_count: stats.moved_count });
    // Backed up before the new run wrote anything: the new log starts with the backup.
    const log = readFileSync(path.join(dir, 'data_pipeline.log'), 'utf8').split('\n');
    expect(log[0]).toMatch(/\[INFO\] data_pipeline\.backup: \[backup\] backup started at /);
    expect(log.some((l) => new RegExp(`backup finished at .*/${stats.backup_directory} — `).test(l))).toBe(true);
    const old = readFileSync(path.join(dir, stats.backup_directory, 'data_pipeline.log'), 'utf8');
    expect(old).not.toMatch(/backup started/);
  });

  it('never backs up in step mode', async () => {
    const { id, dir } = await completedTask();
    const before = readdirSync(dir).sort();
    const { status, body } = await server.call('POST', `${BASE}/${id}/execute`, { execution_mode: 'step', step_name: 'sql_validation' });
    expect(status).toBe(202);
    expect(body.data.backup).toBeUndefined();
    await waitForTask(server, id);
    expect(backups(dir)).toEqual([]);
    expect(readdirSync(dir)).toEqual(expect.arrayContaining(before));
  });

  it('moves a symlink as a link, never following it', async () => {
    const { id, dir } = await completedTask();
    const outside = path.join(server.root, 'outside.txt');
    await fs.writeFile(outside, 'outside');
    await fs.symlink(outside, path.join(dir, 'link.md'));
    const { body } = await server.call('POST', `${BASE}/${id}/execute`, {});
    await waitForTask(server, id);
    const moved = path.join(dir, body.data.backup.backup_directory, 'link.md');
    expect(lstatSync(moved).isSymbolicLink()).toBe(true);
    expect(readlinkSync(moved)).toBe(outside);
    expect(readFileSync(outside, 'utf8')).toBe('outside');
  });

  it('can be switched off per request', async () => {
    const { id, dir } = await completedTask();
    const { body } = await server.call('POST', `${BASE}/${id}/execute`, { backup_existing_files: false });
    expect(body.data.backup).toMatchObject({ performed: false, status: 'disabled', reason: expect.stringMatching(/backup_existing_files/) });
    await waitForTask(server, id);
    expect(backups(dir)).toEqual([]);
  });

  it('answers 409 and moves nothing while a run is active; restore and delete too', async () => {
    llm.reset();
    // A slow LLM keeps the run active for a while.
    llm.setDefaultChat(() => ({ kind: 'delay', ms: 60_000, then: { kind: 'json', body: {} } }));
    const slow = await startTestServer({ env: { LLM_PROVIDER: 'openai', LLM_BASE_URL: llm.baseURL, LLM_MODEL: 'scripted-model', LLM_MAX_RETRIES: '0' } });
    try {
      const { body } = await slow.call('POST', BASE, { db_connection: 'sample', enable_training_data_load: false });
      const id = body.data.task_id as string;
      const dir = taskPath(slow, id);
      await slow.call('POST', `${BASE}/${id}/table-list`, { tables: ['regions'] });
      await fs.writeFile(path.join(dir, 'earlier.ddl'), 'earlier');
      const first = await slow.call('POST', `${BASE}/${id}/execute`, {});
      expect(first.status).toBe(202);
      const backupName = first.body.data.backup.backup_directory as string;
      const deadline = Date.now() + 30_000;
      while (llm.chatRequests.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      const listing = readdirSync(dir).sort();
      const second = await slow.call('POST', `${BASE}/${id}/execute`, {});
      expect(second.status).toBe(409);
      expect(second.body.data.error_code).toBe('TASK_RUNNING');
      const restore = await slow.call('POST', `${BASE}/${id}/backups/${backupName}/restore`);
      expect(restore.status).toBe(409);
      const del = await slow.call('DELETE', `${BASE}/${id}/backups/${backupName}`);
      expect(del.status).toBe(409);
      expect(readdirSync(dir).sort()).toEqual(listing);
      expect(backups(dir)).toEqual([backupName]);
      await slow.call('POST', `${BASE}/${id}/cancel`);
      await waitForTask(slow, id);
    } finally {
      await slow.close();
    }
  });

  it('deleting a task takes its claim: refused while a restore holds it, recorded when done', async () => {
    const { id, dir } = await completedTask();
    const store = server.server.ctx.services.store;
    const restoreClaim = await store.claimRun({ taskId: id, mode: 'restore', step: null, options: PLAIN_RUN_OPTIONS, owner: 'another-process' });
    if (!('run' in restoreClaim)) throw new Error('no claim');
    const refused = await server.call('DELETE', BASE, { task_ids: [id], confirm: true });
    expect(refused.body.data.failed_tasks).toMatchObject([{ task_id: id, error_code: 'TASK_RUNNING' }]);
    expect(readdirSync(dir).length).toBeGreaterThan(0);
    await store.releaseRun(restoreClaim.run, { status: 'completed', error: null });
    const deleted = await server.call('DELETE', BASE, { task_ids: [id], confirm: true });
    expect(deleted.body.data.deleted_tasks).toMatchObject([{ task_id: id, directory_deleted: true, database_records_deleted: false }]);
    const runs = await store.db.query<{ execution_mode: string; status: string }>(
      'SELECT execution_mode, status FROM dp_task_runs WHERE task_id = $1 ORDER BY created_at',
      [id],
    );
    expect(runs.map((r) => `${r.execution_mode}:${r.status}`)).toEqual(['complete:completed', 'restore:completed', 'delete:completed']);
  });

  it('keeps the last N backups (backup.keep_last), never the newest, never directories without a record', async () => {
    const { id, dir } = await completedTask();
    await fs.mkdir(path.join(dir, 'file_bak_20000101_000000'));
    const made: string[] = [];
    for (let i = 0; i < 3; i += 1) {
      const { body } = await server.call('POST', `${BASE}/${id}/execute`, {});
      made.push(body.data.backup.backup_directory);
      await waitForTask(server, id);
    }
    // keep_last = 2: the third backup removed the first.
    expect(backups(dir)).toEqual(['file_bak_20000101_000000', made[1], made[2]].sort());
    const list = (await server.call('GET', `${BASE}/${id}/backups`)).body.data;
    expect(list.backups.map((b: { name: string }) => b.name)).toEqual([made[2], made[1], 'file_bak_20000101_000000']);
    expect(list.backups[0]).toMatchObject({
      trigger: 'execute',
      status: 'completed',
      valid: true,
      file_count: expect.any(Number),
      bytes: expect.any(Number),
      time: expect.any(String),
    });
    expect(list.backups[2]).toMatchObject({ valid: false, status: 'invalid' });
  });

  it('lists, shows, diffs, restores (backing up the current files first) and deletes a backup', async () => {
    const { id, dir } = await completedTask();
    const { body } = await server.call('POST', `${BASE}/${id}/execute`, {});
    const name = body.data.backup.backup_directory as string;
    await waitForTask(server, id);

    const shown = (await server.call('GET', `${BASE}/${id}/backups/${name}`)).body.data;
    expect(shown.record).toMatchObject({ backup_directory: name, task_id: id });
    expect(shown.files.map((f: { name: string }) => f.name).sort()).toEqual([...shown.record.moved_files].sort());

    // The second run rewrote the same files with new timestamps, contents and a new pair file.
    const diff = (await server.call('GET', `${BASE}/${id}/backups/${name}/diff`)).body.data;
    expect(diff.changed).toContain('data_pipeline.log');
    // Pair files are named by the second they were written: two runs within one second share a name.
    type PairFile = { file: string; backup_pairs: number | null; current_pairs: number | null };
    const pairFiles = diff.pair_files as PairFile[];
    expect(pairFiles.length).toBeGreaterThanOrEqual(1);
    for (const p of pairFiles) expect(p.file).toMatch(/^qs_.*_pair\.json$/);
    expect(pairFiles.some((p) => typeof p.backup_pairs === 'number' && p.backup_pairs > 0)).toBe(true);
    expect(pairFiles.some((p) => typeof p.current_pairs === 'number' && p.current_pairs > 0)).toBe(true);

    const restored = await server.call('POST', `${BASE}/${id}/backups/${name}/restore`);
    expect(restored.status).toBe(200);
    expect(restored.body.data.restored_files.sort()).toEqual([...shown.record.moved_files].sort());
    expect(restored.body.data.pre_restore_backup).toMatchObject({ performed: true, trigger: 'restore' });
    const after = (await server.call('GET', `${BASE}/${id}/backups/${name}/diff`)).body.data;
    expect(after).toMatchObject({ added: [], removed: [], changed: [] });
    expect(restored.body.data.pre_restore_backup.backup_directory).not.toBe(name);
    expect(readdirSync(path.join(dir, name)).sort()).toEqual(['backup_info.json', ...shown.files.map((f: { name: string }) => f.name)].sort());
    const list = (await server.call('GET', `${BASE}/${id}/backups`)).body.data.backups;
    expect(list[0]).toMatchObject({ trigger: 'restore' });

    expect((await server.call('DELETE', `${BASE}/${id}/backups/${name}`)).status).toBe(200);
    expect(backups(dir)).not.toContain(name);
    expect((await server.call('GET', `${BASE}/${id}/backups/${name}`)).status).toBe(404);
    expect((await server.call('GET', `${BASE}/${id}/backups/not_a_backup`)).status).toBe(400);
    expect((await server.call('DELETE', `${BASE}/${id}/backups/file_bak_20000101_000000`)).status).toBe(404);
  });
});
