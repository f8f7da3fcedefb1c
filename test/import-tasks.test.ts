/**
 * `data-pipeline import --from <url>` (issue 15, item 1): the existing service's tasks and steps,
 * in tables created with its DDL on the real PostgreSQL, recorded in our store through the built
 * CLI, checked through the API: statuses, the latest execution of each step, naive times read in
 * the importing process's zone, `by_user` as `created_by`; a second import changes nothing and says
 * so; the password of `parameters.db_connection` is in no output, file or response; a database
 * without those tables, a bad URL and an unreachable server give clear errors.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './support/api-server.js';
import { expectSuccess } from './support/envelope-assertions.js';
import { createScratchDatabase, makeTempDir, type ScratchDatabase } from './support/env.js';
import { runCli, type CliResult } from './support/run-helpers.js';

const PASSWORD = 'Legacy-Secret-PW-77';
const SOURCE_DB = `postgresql://app:${PASSWORD}@10.0.0.5:5432/highway_db`;
/** The importing process's zone: naive times are read in it (08:00 east of UTC, no daylight saving). */
const ZONE = 'Asia/Shanghai';

const DONE = 'task_20250627_143052';
const BROKEN = 'task_20250628_090000';
const STUCK = 'task_20250629_100000';
const WAITING = 'task_20250630_110000';
const TASKS = [DONE, BROKEN, STUCK, WAITING];

/** The existing service's DDL (its data_pipeline/sql/init_tables.sql, with task_name as task-tables.md lists it). */
const LEGACY_DDL = `
CREATE TABLE data_pipeline_tasks (
  task_id VARCHAR(32) PRIMARY KEY,
  task_name VARCHAR(255),
  task_type VARCHAR(50) NOT NULL DEFAULT 'data_workflow',
  status VARCHAR(20) NOT NULL DEFAULT 'pending',
  parameters JSONB NOT NULL,
  result JSONB,
  error_message TEXT,
  created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
  started_at TIMESTAMP,
  completed_at TIMESTAMP,
  created_type VARCHAR(50) DEFAULT 'api',
  by_user VARCHAR(50),
  output_directory TEXT,
  db_name VARCHAR(100)
);
ALTER TABLE data_pipeline_tasks ADD CONSTRAINT chk_task_status CHECK (status IN ('pending', 'in_progress', 'partial_completed', 'completed', 'failed'));
CREATE TABLE data_pipeline_task_steps (
  id SERIAL PRIMARY KEY,
  task_id VARCHAR(32) REFERENCES data_pipeline_tasks(task_id) ON DELETE CASCADE,
  execution_id VARCHAR(100),
  step_name VARCHAR(50) NOT NULL,
  step_status VARCHAR(50) NOT NULL DEFAULT 'pending',
  started_at TIMESTAMP,
  completed_at TIMESTAMP,
  error_message TEXT
);
CREATE INDEX idx_steps_task_step ON data_pipeline_task_steps(task_id, step_name);
`;

let legacy: ScratchDatabase;
let empty: ScratchDatabase;
let store: ScratchDatabase;
let root: string;
let env: Record<string, string>;
let server: TestServer | undefined;
const outputs: CliResult[] = [];

async function sql(url: string, text: string, params: unknown[] = []): Promise<pg.QueryResult> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await client.query(text, params);
  } finally {
    await client.end();
  }
}

async function importCli(args: string[]): Promise<CliResult> {
  const result = await runCli(['import', ...args], env);
  outputs.push(result);
  return result;
}

const parameters = (extra: Record<string, unknown> = {}) =>
  JSON.stringify({ db_connection: SOURCE_DB, business_context: '高速公路服务区', enable_sql_validation: true, enable_training_data_load: false, ...extra });

/** A naive local time of the importing process's zone, as an instant. */
const inZone = (local: string) => Date.parse(`${local}+08:00`);

beforeAll(async () => {
  legacy = await createScratchDatabase('dp_legacy');
  empty = await createScratchDatabase('dp_nolegacy');
  store = await createScratchDatabase('dp_store');
  root = await makeTempDir('dp-import-');
  env = { DP_STORE_URL: store.url, DP_TRAINING_DATA_DIR: path.join(root, 'training_data'), DP_STORE_DIR: path.join(root, 'store'), TZ: ZONE };
  await sql(legacy.url, LEGACY_DDL);
  const insertTask = `INSERT INTO data_pipeline_tasks (task_id, task_name, task_type, status, parameters, result, error_message, created_at, started_at,
      completed_at, created_type, by_user, output_directory, db_name) VALUES ($1, $2, 'data_workflow', $3, $4::jsonb, $5::jsonb, $6, $7, $8, $9, 'api', $10, $11, $12)`;
  await sql(legacy.url, insertTask, [
    DONE,
    'Highway areas',
    'completed',
    parameters({ table_list_file: './data_pipeline/tables.txt' }),
    JSON.stringify({ success: true, note: `ran on ${SOURCE_DB}` }),
    null,
    '2025-06-27 14:30:52.123456',
    '2025-06-27 14:31:00',
    '2025-06-27 14:45:10',
    'guest',
    `/opt/legacy/data_pipeline/training_data/${DONE}`,
    'highway_db',
  ]);
  await sql(legacy.url, insertTask, [
    BROKEN,
    null,
    'failed',
    parameters(),
    null,
    `qa_generation failed: could not connect to ${SOURCE_DB}`,
    '2025-06-28 09:00:00',
    '2025-06-28 09:00:05',
    '2025-06-28 09:03:00',
    'alice',
    null,
    null,
  ]);
  await sql(legacy.url, insertTask, [
    STUCK,
    null,
    'in_progress',
    parameters(),
    null,
    null,
    '2025-06-29 10:00:00',
    '2025-06-29 10:00:01',
    null,
    'guest',
    null,
    null,
  ]);
  await sql(legacy.url, insertTask, [WAITING, null, 'pending', parameters(), null, null, '2025-06-30 11:00:00', null, null, null, null, null]);
  // Ids that cannot name a task folder here: skipped, saying why.
  for (const id of ['vector_bak', 'task 2025/07'])
    await sql(legacy.url, insertTask, [id, null, 'pending', parameters(), null, null, '2025-07-01 09:00:00', null, null, null, null, null]);
  const insertStep = `INSERT INTO data_pipeline_task_steps (task_id, execution_id, step_name, step_status, started_at, completed_at, error_message)
      VALUES ($1, $2, $3, $4, $5, $6, $7)`;
  // ddl_generation ran twice: failed first, then completed; the latest counts.
  await sql(legacy.url, insertStep, [DONE, 'exec_a', 'ddl_generation', 'failed', '2025-06-27 14:31:00', '2025-06-27 14:31:30', 'timeout']);
  await sql(legacy.url, insertStep, [DONE, 'exec_b', 'ddl_generation', 'completed', '2025-06-27 14:35:00', '2025-06-27 14:36:00', null]);
  for (const step of ['qa_generation', 'sql_validation', 'training_load']) {
    await sql(legacy.url, insertStep, [DONE, 'exec_b', step, 'completed', '2025-06-27 14:36:00', '2025-06-27 14:45:00', null]);
  }
  await sql(legacy.url, insertStep, [BROKEN, 'exec_c', 'ddl_generation', 'completed', '2025-06-28 09:00:05', '2025-06-28 09:01:00', null]);
  await sql(legacy.url, insertStep, [
    BROKEN,
    'exec_c',
    'qa_generation',
    'failed',
    '2025-06-28 09:01:00',
    '2025-06-28 09:03:00',
    `could not connect to ${SOURCE_DB}`,
  ]);
  await sql(legacy.url, insertStep, [STUCK, 'exec_d', 'ddl_generation', 'running', '2025-06-29 10:00:01', null, null]);

  // The folder of one task was copied here with its config, password included.
  const folder = path.join(env.DP_TRAINING_DATA_DIR as string, DONE);
  await fs.mkdir(folder, { recursive: true });
  await fs.writeFile(path.join(folder, 'task_config.json'), JSON.stringify({ task_id: DONE, parameters: { db_connection: SOURCE_DB } }, null, 2));
  await fs.writeFile(path.join(folder, 'table_list.txt'), 'bss_service_area\n');
}, 120_000);

afterAll(async () => {
  await server?.close();
  await Promise.all([legacy?.drop(), empty?.drop()]);
  await store?.drop();
});

describe('data-pipeline import', () => {
  it('with --dry-run says what it would import and writes nothing', async () => {
    const result = await importCli(['--from', legacy.url, '--dry-run', '--json']);
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout) as { dry_run: boolean; imported: string[]; already_present: string[] };
    expect(report).toMatchObject({ dry_run: true, already_present: [] });
    expect([...report.imported].sort()).toEqual([...TASKS].sort());
    const { rows } = await sql(store.url, 'SELECT count(*)::int AS n FROM dp_tasks');
    expect(rows[0].n).toBe(0);
    expect(await fs.readFile(path.join(env.DP_TRAINING_DATA_DIR as string, DONE, 'task_config.json'), 'utf8')).toContain(PASSWORD);
  });

  it('imports every task with its latest steps, then says a second run imports nothing', async () => {
    const first = await importCli(['--from', legacy.url]);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/^imported 4, already present 0 \(from 127\.0\.0\.1:\d+\/dp_legacy_\w+\)/);
    expect(first.stdout).toContain('  skipped "vector_bak": is reserved: the data root keeps its vector table backups there; use another id');
    expect(first.stdout).toContain('  skipped "task 2025/07": is invalid: use 1-64 letters, digits, "_" or "-"');

    const second = await importCli(['--from', legacy.url]);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).toMatch(/^imported 0, already present 4/);
    const { rows } = await sql(store.url, 'SELECT (SELECT count(*)::int FROM dp_tasks) AS tasks, (SELECT count(*)::int FROM dp_task_steps) AS steps');
    expect(rows[0]).toEqual({ tasks: 4, steps: 16 });
  });

  it('records statuses, steps, times in the importing zone, created_by and the connection where the store keeps it', async () => {
    server = await startTestServer({ root, env: { DP_STORE_URL: store.url } });
    const done = expectSuccess(await server.call('GET', `/api/v0/data_pipeline/tasks/${DONE}`));
    expect(done).toMatchObject({
      origin: 'import',
      status: 'completed',
      task_name: 'Highway areas',
      created_by: 'guest',
      db_name: 'highway_db',
      business_context: '高速公路服务区',
      step_status: { ddl_generation: 'completed', qa_generation: 'completed', sql_validation: 'completed', training_load: 'completed' },
    });
    expect(Date.parse(done.created_at)).toBe(inZone('2025-06-27T14:30:52'));
    expect(Date.parse(done.completed_at)).toBe(inZone('2025-06-27T14:45:10'));
    const ddl = (done.steps as Record<string, any>[]).find((s) => s.step_name === 'ddl_generation');
    expect(ddl).toMatchObject({ step_status: 'completed', error_message: null, execution_id: 'exec_b' });
    expect(Date.parse(ddl?.started_at)).toBe(inZone('2025-06-27T14:35:00'));
    expect(done.parameters).toMatchObject({ enable_training_data_load: false, table_list_file: './data_pipeline/tables.txt' });
    // What the existing record held beyond our fields is served, its password masked.
    expect(done.origin_info).toMatchObject({
      task_type: expect.any(String),
      created_type: 'api',
      output_directory: `/opt/legacy/data_pipeline/training_data/${DONE}`,
      result: { success: true, note: `ran on ${SOURCE_DB.replace(PASSWORD, '***')}` },
    });

    const broken = expectSuccess(await server.call('GET', `/api/v0/data_pipeline/tasks/${BROKEN}`));
    expect(broken).toMatchObject({ status: 'failed', created_by: 'alice', step_status: { ddl_generation: 'completed', qa_generation: 'failed' } });
    expect(broken.error_message).toMatch(/qa_generation failed: could not connect to postgresql:\/\/app:\*\*\*@10\.0\.0\.5:5432\/highway_db/);

    const stuck = expectSuccess(await server.call('GET', `/api/v0/data_pipeline/tasks/${STUCK}`));
    expect(stuck).toMatchObject({ status: 'failed', step_status: { ddl_generation: 'failed' } });
    expect(stuck.error_message).toMatch(/in progress in the existing service/);

    const waiting = expectSuccess(await server.call('GET', `/api/v0/data_pipeline/tasks/${WAITING}`));
    expect(waiting).toMatchObject({ status: 'pending', created_by: null });

    const list = expectSuccess(await server.call('GET', '/api/v0/data_pipeline/tasks?limit=100'));
    expect(list.total).toBe(4);

    // The store keeps the full connection (to run the task) and the latest execution of each step.
    const { rows } = await sql(
      store.url,
      `SELECT t.origin, t.db_connection, t.parameters::text AS parameters, t.origin_info::text AS origin_info, s.execution_id
       FROM dp_tasks t JOIN dp_task_steps s USING (task_id) WHERE t.task_id = $1 AND s.step_name = 'ddl_generation'`,
      [DONE],
    );
    expect(rows[0]).toMatchObject({ origin: 'import', db_connection: SOURCE_DB, execution_id: 'exec_b' });
    expect(rows[0].parameters).not.toContain(PASSWORD);
    expect(rows[0].origin_info).not.toContain(PASSWORD);
    expect(JSON.parse(rows[0].origin_info)).toMatchObject({ created_type: 'api', output_directory: `/opt/legacy/data_pipeline/training_data/${DONE}` });

    for (const id of TASKS) {
      const response = await server.call('GET', `/api/v0/data_pipeline/tasks/${id}`);
      expect(JSON.stringify(response.body)).not.toContain(PASSWORD);
    }
    expect(JSON.stringify(list)).not.toContain(PASSWORD);
    const config = await server.call('GET', `/api/v0/data_pipeline/tasks/${DONE}/files/task_config.json`);
    expect(config.status).toBe(200);
    expect(String(typeof config.body === 'string' ? config.body : JSON.stringify(config.body))).toContain('app:***@10.0.0.5');
  });

  it('names the missing tables and what it expects for a database without them', async () => {
    const result = await importCli(['--from', empty.url]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/no table data_pipeline_tasks and no table data_pipeline_task_steps/);
    expect(result.stderr).toMatch(/init_tables\.sql/);
  });

  it('refuses a bad URL and reports an unreachable server, without the password', async () => {
    const bad = await importCli(['--from', `mysql://app:${PASSWORD}@host/db`]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--from must be a postgresql:\/\/ URL/);
    // An sslmode the driver would read as "require" is named, not reported as the server's refusal of SSL.
    const ssl = await importCli(['--from', `postgresql://app:${PASSWORD}@127.0.0.1:5432/highway_db?sslmode=bogus`]);
    expect(ssl.code).toBe(2);
    expect(ssl.stderr).toMatch(/--from has sslmode=bogus; accepted: disable, allow, prefer, require, verify-ca, verify-full, no-verify/);
    const unreachable = await importCli(['--from', `postgresql://app:${PASSWORD}@127.0.0.1:1/highway_db`]);
    expect(unreachable.code).toBe(2);
    expect(unreachable.stderr).toMatch(/cannot connect to 127\.0\.0\.1:1\/highway_db/);
  });

  it('leaves the password in no output and no file', async () => {
    expect(outputs.length).toBeGreaterThanOrEqual(5);
    for (const output of outputs) expect(`${output.stdout}\n${output.stderr}`).not.toContain(PASSWORD);
    const config = await fs.readFile(path.join(env.DP_TRAINING_DATA_DIR as string, DONE, 'task_config.json'), 'utf8');
    expect(config).not.toContain(PASSWORD);
    expect(JSON.parse(config).parameters.db_connection).toBe('postgresql://app:***@10.0.0.5:5432/highway_db');
  });
});
