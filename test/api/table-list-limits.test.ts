/**
 * One limit on the length of a table list (DP_MAX_TABLES), named in the error, on every path that
 * takes one: JSON names, an upload, a file upload of table_list.txt, a file named at task
 * creation, the CLI's --table-list and the step itself (a list written by hand); and system
 * catalogs refused as entries everywhere, never documented.
 */
import { spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, waitForTask, type TestServer } from '../support/api-server.js';
import { expectError, expectInvalid, expectSuccess, uploadFile } from '../support/envelope-assertions.js';
import { PROJECT_ROOT, TEST_CACHE_DIR } from '../support/env.js';
import { BASE } from '../support/run-helpers.js';

const LIMIT = 5;
const names = (n: number) => Array.from({ length: n }, (_, i) => `t${i}`);
const LIMIT_PROBLEM = /^names 6 tables; at most 5 are accepted \(DP_MAX_TABLES\)$/;
const SYSTEM = ['pg_catalog.pg_authid', 'information_schema.tables', 'pg_toast.pg_toast_1255', 'PG_CATALOG.pg_class', '"pg_catalog".pg_class'];

describe('table list limits and system catalogs', () => {
  let server: TestServer;
  let taskId: string;
  let taskDir: string;

  beforeAll(async () => {
    server = await startTestServer({ env: { DP_MAX_TABLES: String(LIMIT) } });
    const created = await server.call('POST', BASE, { task_name: 'limits', db_connection: 'sample', enable_training_data_load: false });
    taskId = created.body.data.task_id as string;
    taskDir = path.join(server.settings.trainingDataDir, taskId);
    expectSuccess(await server.call('POST', `${BASE}/${taskId}/table-list`, { tables: ['orders'] }));
  });
  afterAll(async () => server?.close());

  const listed = () => fs.readFile(path.join(taskDir, 'table_list.txt'), 'utf8');

  it('accepts exactly the limit and refuses one more on the JSON route, naming the limit and its setting', async () => {
    expectSuccess(await server.call('POST', `${BASE}/${taskId}/table-list`, { tables: names(LIMIT) }));
    expectInvalid(await server.call('POST', `${BASE}/${taskId}/table-list`, { tables: names(LIMIT + 1) }), 'body.tables', LIMIT_PROBLEM, /at most 5 names/);
    expectInvalid(await server.call('POST', `${BASE}/${taskId}/table-list`, { tables: names(LIMIT + 1).join(',') }), 'body.tables', LIMIT_PROBLEM);
    expect(await listed()).toBe(
      `${names(LIMIT)
        .map((n) => `public.${n}`)
        .join('\n')}\n`,
    );
  });

  it('applies the same limit to an uploaded table list and to table_list.txt uploaded as a file', async () => {
    const before = await listed();
    const six = `# six names\n${names(3).join(', ')}\n${names(6).slice(3).join('\n')}\n`;
    expectInvalid(await uploadFile(server, `${BASE}/${taskId}/upload-table-list`, { name: 'tables.txt', content: six }), 'body.file', LIMIT_PROBLEM);
    expectInvalid(
      await uploadFile(server, `${BASE}/${taskId}/files`, { name: 'table_list.txt', content: six }, { overwrite_mode: 'replace' }),
      'body.file',
      LIMIT_PROBLEM,
    );
    // 200,000 names (1.5 MB) are refused as quickly as six, before anything is stored.
    const huge = `${names(200_000).join('\n')}\n`;
    expect(Buffer.byteLength(huge)).toBeGreaterThan(1_000_000);
    expectInvalid(
      await uploadFile(server, `${BASE}/${taskId}/upload-table-list`, { name: 'tables.txt', content: huge }),
      'body.file',
      /^names 200000 tables; at most 5/,
    );
    expect(await listed()).toBe(before);
    expect((await fs.readdir(taskDir)).sort()).toEqual(['table_list.txt']);
    expectSuccess(await uploadFile(server, `${BASE}/${taskId}/upload-table-list`, { name: 'tables.txt', content: `${names(5).join('\n')}\n` }));
  });

  it('applies it to a table_list_file named at task creation, creating no task', async () => {
    const file = path.join(server.settings.trainingDataDir, 'six_tables.txt');
    await fs.writeFile(file, names(6).join('\n'));
    const total = (await server.call('GET', BASE)).body.data.total as number;
    expectInvalid(await server.call('POST', BASE, { task_name: 'from file', table_list_file: 'six_tables.txt' }), 'body.table_list_file', LIMIT_PROBLEM);
    expect((await server.call('GET', BASE)).body.data.total).toBe(total);
  });

  it('refuses system catalogs as entries of every kind of table list', async () => {
    const before = await listed();
    for (const entry of SYSTEM) {
      const json = await server.call('POST', `${BASE}/${taskId}/table-list`, { tables: ['orders', entry] });
      expectError(json, 400, 'INVALID_PARAMS');
      expect(JSON.stringify(json.body.data.invalid_params)).toMatch(/system schema/);
      const upload = await uploadFile(server, `${BASE}/${taskId}/upload-table-list`, { name: 'tables.txt', content: `orders\n${entry}\n` });
      expectInvalid(upload, 'body.file', /^line 2: .* is in the system schema/, /tables of your own schemas/);
    }
    const file = path.join(server.settings.trainingDataDir, 'system.txt');
    await fs.writeFile(file, 'orders\npg_catalog.pg_authid\n');
    expectInvalid(await server.call('POST', BASE, { table_list_file: 'system.txt' }), 'body.table_list_file', /pg_catalog/);
    expect(await listed()).toBe(before);
  });

  it('a list written by hand: the step refuses one over the limit, and never documents a system catalog', async () => {
    await fs.writeFile(path.join(taskDir, 'table_list.txt'), `${names(6).join('\n')}\n`);
    expect((await server.call('POST', `${BASE}/${taskId}/execute`, { execution_mode: 'step', step_name: 'ddl_generation' })).status).toBe(202);
    let final = await waitForTask(server, taskId);
    expect(final.data.status).toBe('failed');
    expect(final.data.error_message).toMatch(/table_list\.txt names 6 tables; at most 5 are accepted \(DP_MAX_TABLES\)/);

    await fs.writeFile(path.join(taskDir, 'table_list.txt'), 'regions\npg_catalog.pg_authid\ninformation_schema.tables\n');
    expect((await server.call('POST', `${BASE}/${taskId}/execute`, { execution_mode: 'step', step_name: 'ddl_generation' })).status).toBe(202);
    final = await waitForTask(server, taskId);
    expect(final.data.status, JSON.stringify(final.data.error_message)).toBe('partial_completed');
    const files = await fs.readdir(taskDir);
    expect(files).toContain('regions.ddl');
    expect(files.filter((f) => /authid|information_schema|tables\./.test(f))).toEqual([]);
    const log = await fs.readFile(path.join(taskDir, 'data_pipeline.log'), 'utf8');
    expect(log).toMatch(/skipping invalid table name pg_catalog\.pg_authid: line 2: is in the system schema pg_catalog/);
  });

  it('the CLI refuses a --table-list over the limit with exit 1, naming the limit', async () => {
    const list = path.join(server.root, 'cli-six.txt');
    await fs.writeFile(list, names(6).join('\n'));
    const out = path.join(server.root, 'cli-out');
    const result = spawnSync(
      process.execPath,
      [path.join(PROJECT_ROOT, 'bin', 'data-pipeline.js'), 'run', '--db', 'sample', '--table-list', list, '--business-context', 'x', '--output-dir', out],
      {
        env: {
          PATH: process.env.PATH ?? '',
          HOME: process.env.HOME ?? '/tmp',
          DP_CACHE_DIR: TEST_CACHE_DIR,
          DP_MAX_TABLES: String(LIMIT),
          DP_STORE_DIR: path.join(server.root, 'cli-store'),
        },
        encoding: 'utf8',
      },
    );
    expect(result.status, result.stderr).toBe(1);
    expect(result.stderr).toMatch(/cli-six\.txt names 6 tables; at most 5 are accepted \(DP_MAX_TABLES\)/);
    await expect(fs.access(out)).rejects.toThrow(/ENOENT/);
  });
});
