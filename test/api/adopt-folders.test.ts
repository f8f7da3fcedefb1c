/**
 * Task folders without a record (issue 15, item 1): folders made by hand in the existing service's
 * layout, and one made by our own `data-pipeline run`, are listed with the status their files tell
 * (and the right total across pages), served (files, logs, table list, vector backups) and run,
 * their record created at first use; the password of the existing service's `task_config.json`
 * appears in no response and no file; junk (a plain folder, a link, a file backup) is no task.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, waitForTask, type TestServer } from '../support/api-server.js';
import { expectSuccess } from '../support/envelope-assertions.js';
import { createSampleDatabaseOnServer, createScratchDatabase, type ScratchDatabase } from '../support/env.js';
import { killChildServers, removeTempDirs, runCli, spawnServer, tempDir, waitUntil } from '../support/run-helpers.js';

const BASE = '/api/v0/data_pipeline/tasks';
const PASSWORD = 'Adopt-Secret-PW-42';

/** Folders in the existing service's layout. */
const PARTIAL = 'task_20250627_143052'; // ddl_generation and qa_generation results: partial_completed
const FAILED = 'task_20250628_090000'; // qa_generation failed
const PENDING = 'task_20250629_100000'; // only a table list
const UNSEEN = 'task_20250630_110000'; // run before anything lists the folders
const EDITED = 'task_20250701_120000'; // only a log; its table list is set before anything lists the folders
const OURS = 'manual_20250101_000000'; // made by `data-pipeline run`
const WHOLE = 'task_20250703_130000'; // the existing orchestrator's task_result.json, its own step names
const WORDY = 'task_20250704_140000'; // its password is a word ("postgres"): masked where it is a password only
const LEGACY_TASKS = [PARTIAL, FAILED, PENDING, UNSEEN, EDITED, WHOLE, WORDY];
const ALL_TASKS = [...LEGACY_TASKS, OURS];

let server: TestServer;
let sample: ScratchDatabase;
let dataRoot: string;
let sourceUrl: string;
/** Every response body read in this file, to check that none carries the password. */
const seen: string[] = [];

async function call(method: string, route: string, body?: unknown) {
  const response = await server.call(method, route, body);
  seen.push(typeof response.body === 'string' ? response.body : JSON.stringify(response.body));
  return response;
}

const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;

/** A folder as the existing service leaves it: its config holds the connection with the password. */
async function legacyFolder(taskId: string, files: Record<string, string>): Promise<void> {
  const dir = path.join(dataRoot, taskId);
  await fs.mkdir(dir, { recursive: true });
  const config = {
    task_id: taskId,
    created_at: '2025-06-27T14:30:52.123456',
    parameters: {
      db_connection: sourceUrl,
      table_list_file: './data_pipeline/tables.txt',
      business_context: 'Outdoor gear retail',
      enable_sql_validation: true,
      enable_llm_repair: true,
      modify_original_file: true,
      enable_training_data_load: false,
    },
    output_directory: `/opt/legacy/data_pipeline/training_data/${taskId}`,
  };
  await fs.writeFile(path.join(dir, 'task_config.json'), json(config));
  for (const [name, content] of Object.entries(files)) {
    await fs.mkdir(path.dirname(path.join(dir, name)), { recursive: true });
    await fs.writeFile(path.join(dir, name), content);
  }
}

/** The existing service's log lines: no `[step]` after the logger (its readers mapped the logger to a step). */
const legacyLog = (taskId: string) =>
  [
    `2025-06-27 14:30:53 [INFO] data_pipeline.api: task ${taskId} started with db_connection=${sourceUrl}`,
    '2025-06-27 14:30:54 [INFO] DDLGenerator: documenting 2 tables',
    '2025-06-27 14:31:10 [INFO] QAGenerator: 10 pairs written',
    '2025-06-27 14:31:11 [WARNING] SQLValidator: [3/10] a statement timed out',
    '2025-06-27 14:31:12 [INFO] QSGenerator: [theme] sales by region',
    '',
  ].join('\n');

async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await fs.readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await filesUnder(full)));
    else if (entry.isFile()) out.push(full);
  }
  return out;
}

beforeAll(async () => {
  sample = await createSampleDatabaseOnServer();
  const url = new URL(sample.url);
  url.username = url.username || 'postgres';
  // The test server trusts loopback connections: the password is carried, not checked.
  url.password = PASSWORD;
  sourceUrl = url.toString();
  server = await startTestServer();
  dataRoot = server.settings.trainingDataDir;
  await fs.mkdir(dataRoot, { recursive: true });

  const tableList = 'regions, stores\n';
  await legacyFolder(PARTIAL, {
    'table_list.txt': tableList,
    'data_pipeline.log': legacyLog(PARTIAL),
    'regions.ddl': 'create table public.regions (\n  region_id integer not null\n);\n',
    'ddl_generation_result.json': json({ success: true, execution_id: 'exec_1', started_at: '2025-06-27T14:30:54', completed_at: '2025-06-27T14:31:00' }),
    'qa_generation_result.json': json({ success: true, execution_id: 'exec_2', started_at: '2025-06-27T14:31:01', completed_at: '2025-06-27T14:31:10' }),
    'vector_bak/langchain_pg_collection_20250627_150000.csv': 'uuid,name,cmetadata\n',
    'vector_bak/langchain_pg_embedding_20250627_150000.csv': 'id,collection_id,embedding,document,cmetadata\n',
    // A file backup the existing service made holds a copy of the config, password included.
    'file_bak_20250627_150500/task_config.json': json({ task_id: PARTIAL, parameters: { db_connection: sourceUrl } }),
    'file_bak_20250604_1/task_config.json': json({ task_id: PARTIAL, parameters: { db_connection: sourceUrl } }),
    // Its validator's report names the connection; people keep notes beside the files.
    'sql_validation_20250627_170000_report.json': json({ metadata: { database_connection: sourceUrl }, summary: { total_questions: 10 } }),
    'notes.txt': `ran against ${sourceUrl}\n`,
    'sub/dir/deep.json': json({ connection: sourceUrl }),
  });
  {
    const dir = path.join(dataRoot, WORDY);
    await fs.mkdir(dir, { recursive: true });
    const wordy = new URL(sourceUrl);
    wordy.password = 'postgres';
    await fs.writeFile(path.join(dir, 'task_config.json'), json({ task_id: WORDY, parameters: { db_connection: wordy.toString() } }));
    await fs.writeFile(path.join(dir, 'roles.ddl'), "create table public.roles (\n  name text -- e.g. 'postgres'\n);\n");
    await fs.writeFile(
      path.join(dir, 'qs_x_20250704_140000_pair.json'),
      json([{ question: 'Which roles are postgres roles?', sql: "SELECT name FROM roles WHERE name = 'postgres'" }]),
    );
  }
  await legacyFolder(WHOLE, {
    'table_list.txt': tableList,
    'task_result.json': json({
      success: true,
      workflow_state: { completed_steps: ['ddl_md_generation', 'question_sql_generation', 'sql_validation', 'training_data_load'], failed_steps: [] },
    }),
  });
  await legacyFolder(FAILED, {
    'table_list.txt': tableList,
    'ddl_generation_result.json': json({ success: true }),
    // Its error names the connection, password included.
    'qa_generation_result.json': json({ success: false, error: `LLM request timed out (source ${sourceUrl})` }),
  });
  await legacyFolder(PENDING, { 'table_list.txt': tableList });
  await legacyFolder(UNSEEN, { 'table_list.txt': tableList, 'data_pipeline.log': legacyLog(UNSEEN) });
  await legacyFolder(EDITED, { 'data_pipeline.log': legacyLog(EDITED) });

  // A task folder of our own script mode (no store involved).
  const listFile = path.join(server.root, 'tables.txt');
  await fs.writeFile(listFile, tableList);
  const run = await runCli(
    ['run', '--db', 'sample', '--table-list', listFile, '--business-context', 'x', '--output-dir', dataRoot, '--task-id', OURS, '--no-training'],
    { DP_TRAINING_DATA_DIR: dataRoot, DP_STORE_DIR: path.join(server.root, 'cli-store'), DP_CACHE_DIR: server.settings.cacheDir, EMBEDDING_DIM: '64' },
  );
  expect(run.code, run.stderr).toBe(0);

  // Junk: a folder holding no task file, a link to a task folder, a file backup at the top.
  await fs.mkdir(path.join(dataRoot, 'notes'));
  await fs.writeFile(path.join(dataRoot, 'notes', 'README.md'), 'not a task\n');
  await fs.symlink(path.join(dataRoot, PARTIAL), path.join(dataRoot, 'task_link'));
  await fs.mkdir(path.join(dataRoot, 'file_bak_20250101_000000'));
  await fs.writeFile(path.join(dataRoot, 'file_bak_20250101_000000', 'task_config.json'), json({ task_id: 'file_bak_20250101_000000' }));
}, 180_000);

afterAll(async () => {
  await server?.close();
  await sample?.drop();
});

describe('task folders without a record', () => {
  it('runs a folder nobody listed yet, creating its record at first use, with the connection of its config', async () => {
    const accepted = await call('POST', `${BASE}/${UNSEEN}/execute`, { execution_mode: 'complete' });
    expect(accepted.status, JSON.stringify(accepted.body)).toBe(202);
    const done = await waitForTask(server, UNSEEN, 120_000);
    seen.push(JSON.stringify(done));
    expect(done.data.status).toBe('completed');
    expect(done.data.step_status).toMatchObject({ ddl_generation: 'completed', qa_generation: 'completed', sql_validation: 'completed' });
    // The run documented the tables of the folder's list, read from the database its config names.
    const files = expectSuccess(await call('GET', `${BASE}/${UNSEEN}/files`)).files as { file_name: string }[];
    expect(files.map((f) => f.file_name)).toEqual(expect.arrayContaining(['regions.ddl', 'stores.ddl']));
    expect(done.data.db_name).toBe(sample.name);
    // The run's task_config.json keeps when the task was created and where its table list came from.
    const config = JSON.parse(await fs.readFile(path.join(dataRoot, UNSEEN, 'task_config.json'), 'utf8'));
    expect(Date.parse(config.created_at)).toBe(new Date(2025, 5, 27, 14, 30, 52).getTime());
    expect(Date.parse(config.created_at)).toBe(Date.parse(done.data.created_at));
    expect(config.parameters.table_list_file).toBe('./data_pipeline/tables.txt');
    // The record is there, and says where it came from.
    const client = new pg.Client({ connectionString: server.settings.storeUrl });
    await client.connect();
    try {
      const { rows } = await client.query<{ origin: string; db_connection: string; parameters: Record<string, unknown> }>(
        'SELECT origin, db_connection, parameters FROM dp_tasks WHERE task_id = $1',
        [UNSEEN],
      );
      expect(rows).toEqual([expect.objectContaining({ origin: 'folder', db_connection: sourceUrl })]);
      expect(JSON.stringify(rows[0]?.parameters)).not.toContain(PASSWORD);
      expect(rows[0]?.parameters).toMatchObject({ enable_training_data_load: false, table_list_file: './data_pipeline/tables.txt' });
    } finally {
      await client.end();
    }
  });

  it('takes a table list for a folder nobody listed yet (its record made then)', async () => {
    const data = expectSuccess(await call('POST', `${BASE}/${EDITED}/table-list`, { tables: ['regions', 'hr.employees'] }));
    expect(data).toMatchObject({ task_id: EDITED, table_count: 2 });
    expect(await fs.readFile(path.join(dataRoot, EDITED, 'table_list.txt'), 'utf8')).toContain('hr.employees');
    const task = expectSuccess(await call('GET', `${BASE}/${EDITED}`));
    expect(task).toMatchObject({ status: 'pending', business_context: 'Outdoor gear retail', db_name: sample.name });
  });

  it('lists the task folders with the status their files tell, the right total, and pages through them', async () => {
    const first = expectSuccess(await call('GET', `${BASE}?limit=2&offset=0`));
    expect(first.total).toBe(ALL_TASKS.length);
    const ids = new Set<string>();
    const byId = new Map<string, Record<string, any>>();
    for (let offset = 0; offset < ALL_TASKS.length; offset += 2) {
      const page = expectSuccess(await call('GET', `${BASE}?limit=2&offset=${offset}`));
      expect(page.total).toBe(ALL_TASKS.length);
      for (const task of page.tasks as Record<string, any>[]) {
        ids.add(task.task_id);
        byId.set(task.task_id, task);
      }
    }
    expect([...ids].sort()).toEqual([...ALL_TASKS].sort());
    expect(byId.get(PARTIAL)).toMatchObject({ origin: 'folder', status: 'partial_completed', step_status: 'partial_completed', directory_exists: true });
    expect(byId.get(PARTIAL)?.step_statuses).toMatchObject({ ddl_generation: 'completed', qa_generation: 'completed', sql_validation: 'pending' });
    expect(byId.get(FAILED)).toMatchObject({ status: 'failed', step_status: 'failed' });
    expect(byId.get(PENDING)).toMatchObject({ status: 'pending', step_status: 'pending' });
    expect(byId.get(OURS)).toMatchObject({ status: 'completed' });
    expect(byId.get(WHOLE)).toMatchObject({ status: 'completed', step_status: 'all_completed' });
    expect(byId.get(OURS)?.step_statuses).toMatchObject({ ddl_generation: 'completed', sql_validation: 'completed', training_load: 'pending' });
    // The existing service wrote local time without a zone: read in the server's zone.
    expect(Date.parse(byId.get(PARTIAL)?.created_at)).toBe(new Date(2025, 5, 27, 14, 30, 52).getTime());
    // The same through the search, with a filter.
    const query = expectSuccess(await call('POST', `${BASE}/query`, { status: 'partial_completed', page: 1, page_size: 10 }));
    expect((query.tasks as { task_id: string }[]).map((t) => t.task_id)).toEqual([PARTIAL]);
    expect(query.pagination.total).toBe(1);
  });

  it('shows a failed folder task with its failed step and error', async () => {
    const data = expectSuccess(await call('GET', `${BASE}/${FAILED}`));
    expect(data.status).toBe('failed');
    const qa = (data.steps as Record<string, any>[]).find((s) => s.step_name === 'qa_generation');
    // The record's errors are masked like the files.
    const masked = `LLM request timed out (source ${sourceUrl.replace(PASSWORD, '***')})`;
    expect(qa).toMatchObject({ step_status: 'failed', error_message: masked });
    expect(data.error_message).toBe(masked);
  });

  it('serves its files, log, table list and vector backups, without the password', async () => {
    const files = expectSuccess(await call('GET', `${BASE}/${PARTIAL}/files`)).files as { file_name: string }[];
    expect(files.map((f) => f.file_name)).toEqual(expect.arrayContaining(['task_config.json', 'table_list.txt', 'data_pipeline.log', 'regions.ddl']));

    const config = await call('GET', `${BASE}/${PARTIAL}/files/task_config.json`);
    expect(config.status).toBe(200);
    const text = typeof config.body === 'string' ? config.body : JSON.stringify(config.body);
    expect(text).not.toContain(PASSWORD);
    const parsed = JSON.parse(text) as { task_id: string; parameters: { db_connection: string; business_context: string } };
    expect(parsed.task_id).toBe(PARTIAL);
    expect(parsed.parameters.db_connection).toBe(sourceUrl.replace(PASSWORD, '***'));
    expect(parsed.parameters.business_context).toBe('Outdoor gear retail');

    const logs = expectSuccess(await call('GET', `${BASE}/${PARTIAL}/logs?limit=10`));
    const messages = (logs.logs as { message: string }[]).map((l) => l.message);
    expect(messages).toEqual(expect.arrayContaining(['documenting 2 tables', '[3/10] a statement timed out']));
    expect(messages.join('\n')).toContain('db_connection=');
    // Its lines have no step tag: the step comes from the logger, as its readers took it.
    const validation = expectSuccess(await call('POST', `${BASE}/${PARTIAL}/logs/query`, { step_name: 'sql_validation' }));
    expect(validation.logs).toEqual([expect.objectContaining({ logger: 'SQLValidator', step: 'sql_validation', level: 'WARNING' })]);
    expect(validation.log_file_info.total_lines).toBe(5);
    // A message starting with a bracketed word is no step tag: the logger tells the step.
    const theme = expectSuccess(await call('POST', `${BASE}/${PARTIAL}/logs/query`, { step_name: 'qa_generation' }));
    expect(theme.logs.map((l: { logger: string; message: string }) => `${l.logger}: ${l.message}`)).toEqual(
      expect.arrayContaining(['QAGenerator: 10 pairs written', 'QSGenerator: [theme] sales by region']),
    );
    expect(theme.logs).toHaveLength(2);
    const report = await call('GET', `${BASE}/${PARTIAL}/files/sql_validation_20250627_170000_report.json`);
    expect(report.status).toBe(200);
    expect(JSON.stringify(report.body)).toContain('***@');
    const download = await call('GET', `${BASE}/${PARTIAL}/files/data_pipeline.log`);
    expect(download.status).toBe(200);
    expect(String(download.body)).toContain('10 pairs written');

    const info = expectSuccess(await call('GET', `${BASE}/${PARTIAL}/table-list-info`));
    expect(info).toMatchObject({ exists: true, table_count: 2 });
    expect(info.table_names).toEqual(['public.regions', 'public.stores']);

    const restore = expectSuccess(await call('GET', `/api/v0/data_pipeline/vector/restore/list?task_id=${PARTIAL}`));
    const timestamps = (restore.backup_locations as { backups: { timestamp: string }[] }[]).flatMap((l) => l.backups.map((b) => b.timestamp));
    expect(timestamps).toContain('20250627_150000');
  });

  it('is not fooled by junk: a plain folder, a link, a file backup are no tasks', async () => {
    for (const name of ['notes', 'task_link', 'file_bak_20250101_000000']) {
      const response = await call('GET', `${BASE}/${name}`);
      expect(response.status, name).toBe(404);
      const files = await call('GET', `${BASE}/${name}/files`);
      expect(files.status, name).toBe(404);
    }
    const list = expectSuccess(await call('GET', `${BASE}?limit=100`));
    expect((list.tasks as { task_id: string }[]).map((t) => t.task_id).sort()).toEqual([...ALL_TASKS].sort());
    // The link still points where it did: nothing followed it.
    expect((await fs.lstat(path.join(dataRoot, 'task_link'))).isSymbolicLink()).toBe(true);
  });

  it('is adopted once when two servers sharing the store see the folder at the same time', async () => {
    const RACED = 'task_20250702_130000';
    await legacyFolder(RACED, { 'table_list.txt': 'regions\n', 'ddl_generation_result.json': json({ success: true }) });
    const other = await startTestServer({ root: server.root, env: { DP_STORE_URL: server.settings.storeUrl as string } });
    try {
      const responses = await Promise.all(Array.from({ length: 6 }, (_, i) => (i % 2 === 0 ? server : other).call('GET', `${BASE}/${RACED}`)));
      for (const response of responses) {
        seen.push(JSON.stringify(response.body));
        expect(response.status, JSON.stringify(response.body)).toBe(200);
        expect(response.body.data.status).toBe('partial_completed');
      }
    } finally {
      await other.close();
    }
    const client = new pg.Client({ connectionString: server.settings.storeUrl });
    await client.connect();
    try {
      const { rows } = await client.query('SELECT count(*)::int AS n FROM dp_tasks WHERE task_id = $1', [RACED]);
      expect(rows[0].n).toBe(1);
    } finally {
      await client.end();
    }
  });

  it('masks a password that is a word only where it stands as a password: training files keep the word', async () => {
    expectSuccess(await call('GET', `${BASE}/${WORDY}`));
    const config = JSON.parse(await fs.readFile(path.join(dataRoot, WORDY, 'task_config.json'), 'utf8'));
    expect(config.parameters.db_connection).toMatch(/^postgresql:\/\/postgres:\*\*\*@127\.0\.0\.1:\d+\//);
    expect(await fs.readFile(path.join(dataRoot, WORDY, 'roles.ddl'), 'utf8')).toContain("e.g. 'postgres'");
    expect(await fs.readFile(path.join(dataRoot, WORDY, 'qs_x_20250704_140000_pair.json'), 'utf8')).toContain('Which roles are postgres roles?');
  });

  it('leaves the password in no response and no file under the data root', async () => {
    expect(seen.length).toBeGreaterThan(10);
    for (const body of seen) expect(body).not.toContain(PASSWORD);
    const files = await filesUnder(dataRoot);
    expect(files.some((f) => f.endsWith(path.join('file_bak_20250627_150500', 'task_config.json')))).toBe(true);
    for (const file of files) expect(await fs.readFile(file, 'utf8'), file).not.toContain(PASSWORD);
  });
});

describe('data-pipeline serve adopts the folders at start', () => {
  let store: ScratchDatabase;

  afterAll(async () => {
    await killChildServers();
    await store?.drop();
    await removeTempDirs();
  });

  it('records a folder the existing service left before anything lists it, its password masked', async () => {
    store = await createScratchDatabase('dp_adopt_start');
    const root = path.join(await tempDir('dp-adopt-start-'), 'training_data');
    const id = 'task_20250627_143052';
    await fs.mkdir(path.join(root, id), { recursive: true });
    const secretUrl = 'postgresql://app:Start-Secret-PW-9@127.0.0.1:5432/shop';
    await fs.writeFile(path.join(root, id, 'task_config.json'), json({ task_id: id, parameters: { db_connection: secretUrl } }));
    await fs.writeFile(path.join(root, id, 'ddl_generation_result.json'), json({ success: true }));

    const child = await spawnServer({ DP_STORE_URL: store.url, DP_TRAINING_DATA_DIR: root });
    await waitUntil('the adoption at start', async () => /adopted 1 task folder/.test(child.output()));
    const client = new pg.Client({ connectionString: store.url });
    await client.connect();
    try {
      const { rows } = await client.query('SELECT origin, status FROM dp_tasks WHERE task_id = $1', [id]);
      expect(rows).toEqual([{ origin: 'folder', status: 'partial_completed' }]);
    } finally {
      await client.end();
    }
    expect(await fs.readFile(path.join(root, id, 'task_config.json'), 'utf8')).not.toContain('Start-Secret-PW-9');
    expect(child.output()).not.toContain('Start-Secret-PW-9');
  });
});
