/**
 * Contract of the task-management endpoints (api.md "Task management", plus our cancel): success
 * shapes in the envelope with body code = HTTP status, documented defaults, every validation error
 * naming its field, problem and accepted values, and the 404s. One server (PostgreSQL store).
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_BUSINESS_CONTEXT } from '../../src/workflow/run-options.js';
import { startTestServer, taskPath, waitForTask, type TestServer } from '../support/api-server.js';
import { expectError, expectInvalid, expectMissing, expectSuccess, rawPath, rawRequest } from '../support/envelope-assertions.js';
import { STEP_NAMES } from '../../src/workflow/steps/catalog.js';

const BASE = '/api/v0/data_pipeline/tasks';
const TASK_ID = /^task_\d{8}_\d{6}(_\d+)?$/;
const UNKNOWN = 'task_19990101_000000';
const STEPS = [...STEP_NAMES];

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.close();
  if (server) await fs.rm(server.root, { recursive: true, force: true });
});

async function createTask(body: Record<string, unknown> = {}): Promise<string> {
  const res = await server.call('POST', BASE, body);
  return expectSuccess(res, 201).task_id as string;
}

async function createWithTables(tables: string, body: Record<string, unknown> = {}): Promise<string> {
  const id = await createTask(body);
  await fs.writeFile(path.join(taskPath(server, id), 'table_list.txt'), tables);
  return id;
}

const isIso = (value: unknown) => typeof value === 'string' && !Number.isNaN(Date.parse(value));

describe('POST /tasks (create)', () => {
  it('answers 201 with the documented defaults: sample connection, its name, default context, options on', async () => {
    const created = expectSuccess(await server.call('POST', BASE, {}), 201);
    expect(created).toMatchObject({ task_name: null, status: 'pending', file_upload_mode: true });
    expect(created.task_id).toMatch(TASK_ID);
    expect(isIso(created.created_at)).toBe(true);
    expect(created.next_step).toBe(`POST ${BASE}/${created.task_id}/upload-table-list`);

    const task = expectSuccess(await server.call('GET', `${BASE}/${created.task_id}`));
    expect(task).toMatchObject({ db_name: 'trailhead_outfitters', business_context: DEFAULT_BUSINESS_CONTEXT, created_by: null });
    expect(task.parameters).toMatchObject({
      db_connection: 'sample',
      db_name: 'trailhead_outfitters',
      business_context: DEFAULT_BUSINESS_CONTEXT,
      language: 'en',
      enable_sql_validation: true,
      enable_llm_repair: true,
      modify_original_file: true,
      enable_training_data_load: true,
      table_list_file: null,
    });
    // The task's directory exists at once, waiting for the table list.
    expect((await fs.stat(taskPath(server, created.task_id))).isDirectory()).toBe(true);
  });

  it('keeps what it was given: name, context, creator, language and options', async () => {
    const id = await createTask({
      task_name: 'Given values',
      business_context: '  Outdoor gear retailer  ',
      created_by: 'alice',
      language: 'zh',
      enable_sql_validation: false,
      enable_llm_repair: false,
      modify_original_file: false,
      enable_training_data_load: false,
      db_name: 'custom_name',
    });
    const task = expectSuccess(await server.call('GET', `${BASE}/${id}`));
    expect(task).toMatchObject({ task_name: 'Given values', business_context: 'Outdoor gear retailer', created_by: 'alice', db_name: 'custom_name' });
    expect(task.parameters).toMatchObject({
      language: 'zh',
      enable_sql_validation: false,
      enable_llm_repair: false,
      modify_original_file: false,
      enable_training_data_load: false,
    });
    // A blank context falls back to the default; a null or empty name is no name.
    const blank = await createTask({ business_context: '   ', task_name: null });
    expect(expectSuccess(await server.call('GET', `${BASE}/${blank}`))).toMatchObject({ business_context: DEFAULT_BUSINESS_CONTEXT, task_name: null });
    const empty = await createTask({ task_name: '' });
    expect(expectSuccess(await server.call('GET', `${BASE}/${empty}`)).task_name).toBeNull();
    // Without any body, every default applies.
    const noBody = expectSuccess(await server.call('POST', BASE), 201);
    expect(noBody).toMatchObject({ status: 'pending', file_upload_mode: true });
  });

  it("takes db_name from the URL's last path segment and never returns the password", async () => {
    const created = await server.call('POST', BASE, { db_connection: 'postgresql://dp_user:Sup3rSecretPw@db.example.com:6543/sales_dw' });
    const id = expectSuccess(created, 201).task_id as string;
    const get = await server.call('GET', `${BASE}/${id}`);
    const task = expectSuccess(get);
    expect(task.db_name).toBe('sales_dw');
    expect(task.parameters.db_connection).toBe('postgresql://dp_user:***@db.example.com:6543/sales_dw');
    const list = await server.call('GET', `${BASE}?limit=100`);
    for (const res of [created, get, list]) expect(JSON.stringify(res.body)).not.toContain('Sup3rSecretPw');
  });

  it('refuses an invalid db_connection with 400 without echoing the value', async () => {
    for (const value of ['mysql://admin:Hunter2Pw@x/db', 'not a url', 'postgresql:///nohost']) {
      const res = await server.call('POST', BASE, { db_connection: value });
      expectInvalid(res, 'body.db_connection', /not a valid connection/, /postgresql:\/\/.*sample/);
      expect(JSON.stringify(res.body)).not.toContain(value);
      expect(JSON.stringify(res.body)).not.toContain('Hunter2Pw');
    }
  });

  it('refuses invalid values naming the field, the problem and what is accepted', async () => {
    expectInvalid(await server.call('POST', BASE, { language: 'fr' }), 'body.language', /must be one of en, zh/, /^en, zh$/);
    expectInvalid(await server.call('POST', BASE, { enable_sql_validation: 'yes' }), 'body.enable_sql_validation', /must be boolean/, /boolean/);
    expectInvalid(await server.call('POST', BASE, { task_name: 'x'.repeat(201) }), 'body.task_name', /200/, /200/);
    expectInvalid(await server.call('POST', BASE, { db_name: '' }), 'body.db_name', /fewer than 1/, /1/);
    expectInvalid(await server.call('POST', BASE, []), 'body', /must be object/, /object/);
  });

  it('copies a table_list_file inside the data root into table_list.txt, GBK stored as UTF-8', async () => {
    const uploads = path.join(server.settings.trainingDataDir, 'incoming');
    await fs.mkdir(uploads, { recursive: true });
    const gbkHello = Buffer.from([0xc4, 0xe3, 0xba, 0xc3]); // "你好" in GBK
    await fs.writeFile(path.join(uploads, 'tables_gbk.txt'), Buffer.concat([Buffer.from('# '), gbkHello, Buffer.from('\norders\nhr.employees\n')]));
    for (const given of ['incoming/tables_gbk.txt', path.join(uploads, 'tables_gbk.txt')]) {
      const created = expectSuccess(await server.call('POST', BASE, { table_list_file: given }), 201);
      expect(created.file_upload_mode).toBeUndefined();
      expect(created.next_step).toBeUndefined();
      const copied = await fs.readFile(path.join(taskPath(server, created.task_id), 'table_list.txt'), 'utf8');
      expect(copied).toBe('# 你好\norders\nhr.employees\n');
      const info = expectSuccess(await server.call('GET', `${BASE}/${created.task_id}/table-list-info`));
      expect(info).toMatchObject({ has_file: true, table_count: 2, table_names: ['public.orders', 'hr.employees'] });
      const task = expectSuccess(await server.call('GET', `${BASE}/${created.task_id}`));
      expect(task.parameters.table_list_file).toBe(given);
    }
  });

  it('refuses a table_list_file outside the data root, missing, or not a file (400)', async () => {
    const outside = path.join(server.root, 'outside.txt');
    await fs.writeFile(outside, 'orders\n');
    const link = path.join(server.settings.trainingDataDir, 'link-out.txt');
    await fs.symlink(outside, link);
    for (const given of [outside, '../outside.txt', 'link-out.txt', '/etc/hostname']) {
      const reply = await server.call('POST', BASE, { table_list_file: given });
      expectInvalid(reply, 'body.table_list_file', /outside the data root/, /inside the data root/);
      // Where the data root is on the server is not the client's business.
      expect(JSON.stringify(reply.body)).not.toContain(server.settings.trainingDataDir);
    }
    expectInvalid(await server.call('POST', BASE, { table_list_file: 'missing.txt' }), 'body.table_list_file', /does not exist/, /inside the data root/);
    await fs.mkdir(path.join(server.settings.trainingDataDir, 'a_dir'), { recursive: true });
    expectInvalid(await server.call('POST', BASE, { table_list_file: 'a_dir' }), 'body.table_list_file', /not a file/, /inside the data root/);
    expectInvalid(await server.call('POST', BASE, { table_list_file: '' }), 'body.table_list_file', /fewer than 1/);
  });

  it('gives distinct ids to creates in the same second (a burst of 60 included)', async () => {
    const results = await Promise.all(Array.from({ length: 60 }, (_, i) => server.call('POST', BASE, { task_name: `burst ${i}` })));
    const ids = results.map((res) => expectSuccess(res, 201).task_id as string);
    for (const id of ids) expect(id).toMatch(TASK_ID);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.some((id) => /_\d+$/.test(id.slice('task_YYYYMMDD_HHMMSS'.length)))).toBe(true);
  });

  it('uses DP_DEFAULT_DB_URL as the default connection when set', async () => {
    const other = await startTestServer({ env: { DP_DEFAULT_DB_URL: 'postgresql://dp:DefaultPw99@127.0.0.1:5432/analytics_db' } });
    try {
      const created = await other.call('POST', BASE, {});
      const id = expectSuccess(created, 201).task_id as string;
      const get = await other.call('GET', `${BASE}/${id}`);
      const task = expectSuccess(get);
      expect(task.db_name).toBe('analytics_db');
      expect(task.parameters.db_connection).toBe('postgresql://dp:***@127.0.0.1:5432/analytics_db');
      expect(JSON.stringify(created.body) + JSON.stringify(get.body)).not.toContain('DefaultPw99');
      // "sample" still selects the sample database explicitly.
      const sample = expectSuccess(await other.call('POST', BASE, { db_connection: 'sample' }), 201);
      expect(expectSuccess(await other.call('GET', `${BASE}/${sample.task_id}`)).db_name).toBe('trailhead_outfitters');
    } finally {
      await other.close();
      await fs.rm(other.root, { recursive: true, force: true });
    }
  });
});

describe('POST /tasks/{id}/execute', () => {
  it('defaults to the complete workflow: accepted without a body even without a table list, whose absence fails the run and says so', async () => {
    const id = await createTask();
    const data = expectSuccess(await server.call('POST', `${BASE}/${id}/execute`), 202);
    expect(data).toMatchObject({ execution_mode: 'complete', step_name: null, backup: { performed: false } });
    const final = await waitForTask(server, id);
    expect(final.data.status).toBe('failed');
    expect(final.data.error_message).toMatch(/ddl_generation: table_list\.txt is missing/);
    const second = expectSuccess(await server.call('POST', `${BASE}/${id}/execute`, {}), 202);
    expect(second.execution_mode).toBe('complete');
    await waitForTask(server, id);
  });

  it('answers 202 and runs the complete workflow in the background (default mode)', async () => {
    const id = await createWithTables('regions\n', { enable_training_data_load: false });
    const data = expectSuccess(await server.call('POST', `${BASE}/${id}/execute`), 202);
    expect(data).toMatchObject({ task_id: id, execution_mode: 'complete', step_name: null, run_id: expect.any(String), message: expect.any(String) });
    const final = await waitForTask(server, id);
    expect(final.data.status).toBe('completed');
    expect(final.data.step_status).toMatchObject({ ddl_generation: 'completed', qa_generation: 'completed', sql_validation: 'completed' });
  });

  it('refuses execution_mode "full" listing complete, step', async () => {
    const id = await createTask();
    expectInvalid(
      await server.call('POST', `${BASE}/${id}/execute`, { execution_mode: 'full' }),
      'body.execution_mode',
      /must be one of complete, step/,
      /^complete, step$/,
    );
  });

  it('requires step_name in step mode (missing_params)', async () => {
    const id = await createTask();
    const data = expectMissing(await server.call('POST', `${BASE}/${id}/execute`, { execution_mode: 'step' }), 'body.step_name');
    expect(data.error_code).toBe('MISSING_PARAMS');
  });

  it('refuses a step_name with a complete run instead of ignoring it', async () => {
    const id = await createTask();
    const reply = await server.call('POST', `${BASE}/${id}/execute`, { execution_mode: 'complete', step_name: 'qa_generation' });
    expectInvalid(reply, 'body.step_name', /execution_mode is "complete"/, /execution_mode "step"/);
    expect((await server.call('GET', `${BASE}/${id}`)).body.data.active_run).toBeNull();
  });

  it('refuses an unknown step listing the four steps', async () => {
    const id = await createTask();
    expectInvalid(
      await server.call('POST', `${BASE}/${id}/execute`, { execution_mode: 'step', step_name: 'deploy' }),
      'body.step_name',
      /must be one of/,
      new RegExp(`^${STEPS.join(', ')}$`),
    );
  });

  it('refuses invalid booleans', async () => {
    const id = await createTask();
    expectInvalid(await server.call('POST', `${BASE}/${id}/execute`, { backup_vector_tables: 'maybe' }), 'body.backup_vector_tables', /boolean/, /boolean/);
  });

  it('names the missing prerequisites of each step (400)', async () => {
    const id = await createTask();
    const expectations: [string, RegExp][] = [
      ['ddl_generation', /table_list\.txt/],
      ['qa_generation', /run ddl_generation first/],
      ['sql_validation', /run qa_generation first/],
      ['training_load', /nothing to load/],
    ];
    for (const [step, reason] of expectations) {
      const res = await server.call('POST', `${BASE}/${id}/execute`, { execution_mode: 'step', step_name: step });
      expectError(res, 400, 'PREREQUISITES_MISSING');
      expect(res.body.message).toContain(step);
      expect(res.body.message).toMatch(reason);
    }
  });

  it('answers 404 for an unknown task and 400 for a malformed id', async () => {
    expectError(await server.call('POST', `${BASE}/${UNKNOWN}/execute`, {}), 404, 'TASK_NOT_FOUND');
    for (const bad of ['bad.id', 'a'.repeat(65), '%20']) {
      expectInvalid(await server.call('POST', `${BASE}/${bad}/execute`, {}), 'params.task_id', /pattern/, /letters, digits/);
    }
    for (const bad of ['%2E%2E', '%2e%2E%2Fx', '..%2F..%2Fetc']) {
      expectInvalid(await rawPath(server, 'POST', `${BASE}/${bad}/execute`), 'params.task_id', /pattern/, /letters, digits/);
    }
  });

  it('runs one step (202) and refuses a second execute while it is active (409)', async () => {
    const id = await createWithTables('regions\n');
    const first = expectSuccess(await server.call('POST', `${BASE}/${id}/execute`, { execution_mode: 'step', step_name: 'ddl_generation' }), 202);
    expect(first).toMatchObject({ task_id: id, execution_mode: 'step', step_name: 'ddl_generation' });
    const second = await server.call('POST', `${BASE}/${id}/execute`, { execution_mode: 'step', step_name: 'ddl_generation' });
    expect(expectError(second, 409, 'TASK_RUNNING').can_retry).toBe(true);
    const final = await waitForTask(server, id);
    expect(final.data.status).toBe('partial_completed');
  });
});

describe('GET /tasks/{id}', () => {
  let ranId: string;

  beforeAll(async () => {
    ranId = await createWithTables('regions\n', { task_name: 'ran ddl' });
    expectSuccess(await server.call('POST', `${BASE}/${ranId}/execute`, { execution_mode: 'step', step_name: 'ddl_generation' }), 202);
    await waitForTask(server, ranId);
  });

  it('has every documented field, steps in workflow order', async () => {
    const task = expectSuccess(await server.call('GET', `${BASE}/${ranId}`));
    for (const field of [
      'task_id',
      'task_name',
      'status',
      'step_status',
      'created_at',
      'started_at',
      'completed_at',
      'parameters',
      'result',
      'error_message',
      'current_step',
      'total_steps',
      'steps',
    ]) {
      expect(task, field).toHaveProperty(field);
    }
    expect(task).toMatchObject({
      task_id: ranId,
      task_name: 'ran ddl',
      status: 'partial_completed',
      error_message: null,
      current_step: null,
      current_step_name: null,
      total_steps: 4,
    });
    expect(task.step_status).toEqual({ ddl_generation: 'completed', qa_generation: 'pending', sql_validation: 'pending', training_load: 'pending' });
    expect(isIso(task.created_at) && isIso(task.started_at) && isIso(task.completed_at)).toBe(true);
    expect(task.steps.map((s: { step_name: string }) => s.step_name)).toEqual(STEPS);
    for (const step of task.steps) {
      expect(Object.keys(step)).toEqual(expect.arrayContaining(['step_name', 'step_status', 'started_at', 'completed_at', 'error_message']));
    }
    expect(task.steps[0]).toMatchObject({ step_status: 'completed', error_message: null });
    expect(isIso(task.steps[0].started_at) && isIso(task.steps[0].completed_at)).toBe(true);
    expect(task.steps[1]).toMatchObject({ step_status: 'pending', started_at: null, completed_at: null });
    expect(task.parameters.db_connection).toBe('sample');
  });

  it('reports a failed run with its error, never the password (in responses, files or the log)', async () => {
    const id = await createWithTables('regions\n', { db_connection: 'postgresql://u:Pw_NeverShown@127.0.0.1:1/nodb' });
    expectSuccess(await server.call('POST', `${BASE}/${id}/execute`, { execution_mode: 'step', step_name: 'ddl_generation' }), 202);
    const final = await waitForTask(server, id);
    expect(final.data.status).toBe('failed');
    expect(final.data.error_message).toEqual(expect.any(String));
    expect(final.data.step_status.ddl_generation).toBe('failed');
    expect(final.data.steps[0].error_message).toEqual(expect.any(String));
    expect(JSON.stringify(final)).not.toContain('Pw_NeverShown');
    const dir = taskPath(server, id);
    for (const name of await fs.readdir(dir)) {
      expect(await fs.readFile(path.join(dir, name), 'utf8'), name).not.toContain('Pw_NeverShown');
    }
    const listed = expectSuccess(await server.call('GET', `${BASE}?limit=100&status=failed`));
    expect(listed.tasks.find((t: { task_id: string }) => t.task_id === id)).toMatchObject({ status: 'failed', step_status: 'failed' });
  });

  it('answers 404 for an unknown task and 400 for a malformed id', async () => {
    const data = expectError(await server.call('GET', `${BASE}/${UNKNOWN}`), 404, 'TASK_NOT_FOUND');
    expect(data.response).toContain(UNKNOWN);
    expectInvalid(await server.call('GET', `${BASE}/bad.id`), 'params.task_id', /pattern/, /letters, digits/);
  });
});

describe('GET /tasks (list)', () => {
  beforeAll(async () => {
    // More tasks than the limits used below.
    for (let i = 0; i < 4; i += 1) await createTask({ task_name: `list ${i}` });
  });

  async function allTasks(): Promise<Record<string, any>[]> {
    const tasks: Record<string, any>[] = [];
    for (let offset = 0; ; offset += 100) {
      const page = expectSuccess(await server.call('GET', `${BASE}?limit=100&offset=${offset}`));
      tasks.push(...page.tasks);
      if (page.tasks.length < 100) return tasks;
    }
  }

  it('defaults to limit 50, offset 0, and total is the full count (not the page length)', async () => {
    const all = await allTasks();
    expect(all.length).toBeGreaterThan(50);
    const data = expectSuccess(await server.call('GET', BASE));
    expect(data).toMatchObject({ limit: 50, offset: 0, total: all.length });
    expect(data.tasks).toHaveLength(50);
    const small = expectSuccess(await server.call('GET', `${BASE}?limit=2`));
    expect(small.tasks).toHaveLength(2);
    expect(small.total).toBe(all.length);
  });

  it('lists newest first and pages with offset', async () => {
    const all = await allTasks();
    const created = all.map((t) => Date.parse(t.created_at));
    expect(created).toEqual([...created].sort((a, b) => b - a));
    const page = expectSuccess(await server.call('GET', `${BASE}?limit=2&offset=1`));
    expect(page.tasks.map((t: { task_id: string }) => t.task_id)).toEqual(all.slice(1, 3).map((t) => t.task_id));
    expect(page).toMatchObject({ limit: 2, offset: 1 });
    const beyond = expectSuccess(await server.call('GET', `${BASE}?offset=100000`));
    expect(beyond.tasks).toEqual([]);
    expect(beyond.total).toBe(all.length);
  });

  it('has the documented item fields with the aggregate step_status and directory_exists', async () => {
    const id = await createTask({ task_name: 'list fields', created_by: 'lister' });
    const item = (await allTasks()).find((t) => t.task_id === id) as Record<string, unknown>;
    expect(Object.keys(item)).toEqual(
      expect.arrayContaining([
        'task_id',
        'task_name',
        'status',
        'step_status',
        'created_at',
        'started_at',
        'completed_at',
        'created_by',
        'db_name',
        'business_context',
        'directory_exists',
        'updated_at',
      ]),
    );
    expect(item).toMatchObject({
      task_name: 'list fields',
      status: 'pending',
      step_status: 'pending',
      created_by: 'lister',
      db_name: 'trailhead_outfitters',
      directory_exists: true,
    });
    // Without its directory (records kept) the task is still listed, directory_exists false.
    expectSuccess(await server.call('DELETE', BASE, { task_ids: [id], confirm: true }));
    expect((await allTasks()).find((t) => t.task_id === id)).toMatchObject({ directory_exists: false });
    // A task with ddl_generation done is partial_completed in aggregate.
    const partial = (await allTasks()).find((t) => t.task_name === 'ran ddl');
    expect(partial).toMatchObject({ status: 'partial_completed', step_status: 'partial_completed' });
  });

  it('filters by status', async () => {
    const all = await allTasks();
    for (const status of ['pending', 'partial_completed', 'failed', 'completed', 'in_progress']) {
      const data = expectSuccess(await server.call('GET', `${BASE}?limit=100&status=${status}`));
      expect(data.tasks.every((t: { status: string }) => t.status === status)).toBe(true);
      expect(data.total).toBe(all.filter((t) => t.status === status).length);
    }
  });

  it('refuses invalid limit, offset and status (400 naming the field)', async () => {
    expectInvalid(await server.call('GET', `${BASE}?limit=101`), 'querystring.limit', /<= 100/, /100/);
    expectInvalid(await server.call('GET', `${BASE}?limit=0`), 'querystring.limit', />= 1/, /1/);
    expectInvalid(await server.call('GET', `${BASE}?limit=ten`), 'querystring.limit', /integer/, /integer/);
    expectInvalid(await server.call('GET', `${BASE}?offset=-1`), 'querystring.offset', />= 0/, /0/);
    expectInvalid(
      await server.call('GET', `${BASE}?status=done`),
      'querystring.status',
      /must be one of/,
      /^pending, in_progress, partial_completed, completed, failed, running, cancelled$/,
    );
  });
});

describe('POST /tasks/query', () => {
  const token = `qry${Date.now().toString(36)}`;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    ids.a = await createTask({ task_name: `${token} Alpha One`, created_by: 'alice', db_name: `${token}_db1` });
    ids.b = await createTask({ task_name: `${token} alpha two`, created_by: 'bob', db_name: `${token}_db1` });
    ids.c = await createTask({ task_name: `${token} Beta`, created_by: 'alice', db_name: `${token}_db2` });
    ids.pct = await createTask({ task_name: `${token} 100% done`, created_by: 'carol', db_name: `${token}_db3` });
  });

  const query = (body?: Record<string, unknown>) => server.call('POST', `${BASE}/query`, body);
  const names = (data: Record<string, any>) => data.tasks.map((t: { task_name: string }) => t.task_name);

  it('answers the defaults without a body: page 1, 20 per page, newest first', async () => {
    for (const res of [await query(), await query({})]) {
      const data = expectSuccess(res);
      expect(data.pagination).toMatchObject({ page: 1, page_size: 20, has_prev: false });
      expect(data.sort_applied).toEqual({ sort_by: 'created_at', sort_order: 'desc' });
      expect(data.tasks.length).toBe(Math.min(20, data.pagination.total));
      expect(data.query_time).toMatch(/^\d+\.\d{3}s$/);
      expect(data.filters_applied).toEqual({});
      const created = data.tasks.map((t: { created_at: string }) => Date.parse(t.created_at));
      expect(created).toEqual([...created].sort((a: number, b: number) => b - a));
    }
  });

  it('filters by task_name (substring, case-insensitive, % taken literally), created_by, db_name and status', async () => {
    expect(names(expectSuccess(await query({ task_name: `${token} ALPHA` })))).toEqual([`${token} alpha two`, `${token} Alpha One`]);
    expect(names(expectSuccess(await query({ task_name: `${token} 100%` })))).toEqual([`${token} 100% done`]);
    expect(names(expectSuccess(await query({ task_name: `${token}%` })))).toEqual([]);
    expect(names(expectSuccess(await query({ task_name: `${token}_` })))).toEqual([]);
    const byCreator = expectSuccess(await query({ task_name: token, created_by: 'alice' }));
    expect(names(byCreator)).toEqual([`${token} Beta`, `${token} Alpha One`]);
    expect(byCreator.filters_applied).toEqual({ task_name: token, created_by: 'alice' });
    expect(names(expectSuccess(await query({ db_name: `${token}_db1` })))).toEqual([`${token} alpha two`, `${token} Alpha One`]);
    expect(expectSuccess(await query({ task_name: token, status: 'completed' })).tasks).toEqual([]);
    expect(expectSuccess(await query({ task_name: token, status: 'pending' })).pagination.total).toBe(4);
  });

  it('filters created time ranges with ISO timestamps (inclusive)', async () => {
    const task = async (id: string) => expectSuccess(await server.call('GET', `${BASE}/${id}`));
    const b = await task(ids.b as string);
    const c = await task(ids.c as string);
    expect(names(expectSuccess(await query({ task_name: token, created_time_start: b.created_at })))).toEqual([
      `${token} 100% done`,
      `${token} Beta`,
      `${token} alpha two`,
    ]);
    expect(names(expectSuccess(await query({ task_name: token, created_time_end: b.created_at })))).toEqual([`${token} alpha two`, `${token} Alpha One`]);
    expect(names(expectSuccess(await query({ task_name: token, created_time_start: b.created_at, created_time_end: c.created_at })))).toEqual([
      `${token} Beta`,
      `${token} alpha two`,
    ]);
    // The same instant written with another offset.
    const shifted = new Date(Date.parse(b.created_at as string)).toISOString().replace('Z', '+00:00');
    expect(expectSuccess(await query({ task_name: token, created_time_start: shifted })).pagination.total).toBeGreaterThanOrEqual(2);
    expect(expectSuccess(await query({ task_name: token, created_time_start: '2999-01-01T00:00:00Z' })).tasks).toEqual([]);
  });

  it('filters started and completed time ranges (tasks never run have neither)', async () => {
    const ran = expectSuccess(await query({ task_name: 'ran ddl' })).tasks[0];
    expect(ran).toBeDefined();
    const started = expectSuccess(await query({ started_time_start: ran.started_at, page_size: 100 }));
    expect(started.tasks.map((t: { task_id: string }) => t.task_id)).toContain(ran.task_id);
    expect(started.tasks.every((t: { started_at: string | null }) => t.started_at !== null)).toBe(true);
    expect(expectSuccess(await query({ task_name: token, started_time_start: '2000-01-01T00:00:00Z' })).tasks).toEqual([]);
    const completed = expectSuccess(await query({ task_name: 'ran ddl', completed_time_start: ran.completed_at, completed_time_end: ran.completed_at }));
    expect(completed.tasks.map((t: { task_id: string }) => t.task_id)).toEqual([ran.task_id]);
    const before = new Date(Date.parse(ran.completed_at) - 60_000).toISOString();
    expect(expectSuccess(await query({ task_name: 'ran ddl', completed_time_end: before })).tasks).toEqual([]);
    expect(expectSuccess(await query({ task_name: 'ran ddl', started_time_end: before })).tasks).toEqual([]);
  });

  it('refuses an invalid timestamp naming the field and the accepted form', async () => {
    for (const field of ['created_time_start', 'created_time_end', 'started_time_start', 'started_time_end', 'completed_time_start', 'completed_time_end']) {
      for (const value of ['yesterday', '2025-13-45T00:00:00Z']) {
        expectInvalid(await query({ [field]: value }), `body.${field}`, /date-time/, /ISO 8601/);
      }
    }
  });

  it('sorts by each field in both orders', async () => {
    // Names in the database's collation: digits first, "Alpha One" before "alpha two" in any of them.
    const byNameAsc = names(expectSuccess(await query({ task_name: token, sort_by: 'task_name', sort_order: 'asc' })));
    const byNameDesc = names(expectSuccess(await query({ task_name: token, sort_by: 'task_name', sort_order: 'desc' })));
    expect(byNameAsc).toEqual([...byNameDesc].reverse());
    expect(byNameAsc[0]).toBe(`${token} 100% done`);
    expect(byNameAsc.indexOf(`${token} Alpha One`)).toBeLessThan(byNameAsc.indexOf(`${token} alpha two`));
    const asc = expectSuccess(await query({ task_name: token, sort_order: 'asc' }));
    expect(names(asc)).toEqual([`${token} Alpha One`, `${token} alpha two`, `${token} Beta`, `${token} 100% done`]);
    expect(asc.sort_applied).toEqual({ sort_by: 'created_at', sort_order: 'asc' });
    for (const sortBy of ['started_at', 'completed_at', 'status']) {
      const data = expectSuccess(await query({ sort_by: sortBy, sort_order: 'desc', page_size: 100 }));
      expect(data.sort_applied).toEqual({ sort_by: sortBy, sort_order: 'desc' });
      if (sortBy === 'status') {
        const statuses = data.tasks.map((t: { status: string }) => t.status);
        expect(statuses).toEqual([...statuses].sort().reverse());
      } else {
        // Tasks never started (or completed) come last.
        const values = data.tasks.map((t: Record<string, string | null>) => t[sortBy]);
        const firstNull = values.indexOf(null);
        const present = (firstNull === -1 ? values : values.slice(0, firstNull)).map((v: string) => Date.parse(v));
        expect(present).toEqual([...present].sort((x, y) => y - x));
        if (firstNull !== -1) expect(values.slice(firstNull).every((v: unknown) => v === null)).toBe(true);
      }
    }
  });

  it('refuses invalid sort_by and sort_order listing what is accepted', async () => {
    expectInvalid(await query({ sort_by: 'name' }), 'body.sort_by', /must be one of/, /^created_at, started_at, completed_at, task_name, status$/);
    expectInvalid(await query({ sort_order: 'up' }), 'body.sort_order', /must be one of/, /^asc, desc$/);
    expectInvalid(await query({ status: 'done' }), 'body.status', /must be one of/, /pending/);
  });

  it('pages: total, total_pages, has_next, has_prev', async () => {
    const first = expectSuccess(await query({ task_name: token, page_size: 3 }));
    expect(first.tasks).toHaveLength(3);
    expect(first.pagination).toEqual({ page: 1, page_size: 3, total: 4, total_pages: 2, has_next: true, has_prev: false });
    const second = expectSuccess(await query({ task_name: token, page_size: 3, page: 2 }));
    expect(second.tasks).toHaveLength(1);
    expect(second.pagination).toEqual({ page: 2, page_size: 3, total: 4, total_pages: 2, has_next: false, has_prev: true });
    const beyond = expectSuccess(await query({ task_name: token, page_size: 3, page: 5 }));
    expect(beyond.tasks).toEqual([]);
    expect(beyond.pagination).toMatchObject({ total: 4, has_next: false, has_prev: true });
    const none = expectSuccess(await query({ task_name: `${token}-nothing` }));
    expect(none.pagination).toEqual({ page: 1, page_size: 20, total: 0, total_pages: 1, has_next: false, has_prev: false });
  });

  it('refuses page and page_size out of bounds (400)', async () => {
    expectInvalid(await query({ page: 0 }), 'body.page', />= 1/, /1/);
    expectInvalid(await query({ page_size: 0 }), 'body.page_size', />= 1/, /1.*100/);
    expectInvalid(await query({ page_size: 101 }), 'body.page_size', /<= 100/, /1.*100/);
    expectInvalid(await query({ page: 'two' }), 'body.page', /integer/, /integer/);
  });
});

describe('DELETE /tasks', () => {
  const remove = (body: unknown) => server.call('DELETE', BASE, body);

  it('refuses without confirm: true, with an empty or missing task_ids, or a malformed id (400), deleting nothing', async () => {
    const id = await createTask();
    expectInvalid(await remove({ task_ids: [id], confirm: false }), 'body.confirm', /must be true/, /true/);
    expectMissing(await remove({ task_ids: [id] }), 'body.confirm');
    expectInvalid(await remove({ task_ids: [], confirm: true }), 'body.task_ids', /fewer than 1/, /1/);
    expectMissing(await remove({ confirm: true }), 'body.task_ids');
    for (const bad of ['', '..', '/', '../x']) {
      expectInvalid(await remove({ task_ids: [id, bad], confirm: true }), 'body.task_ids.1', /pattern/, /letters, digits/);
    }
    expectSuccess(await server.call('GET', `${BASE}/${id}`));
    expect((await fs.stat(taskPath(server, id))).isDirectory()).toBe(true);
  });

  it('deletes the directory and keeps the record unless delete_database_records', async () => {
    const keep = await createWithTables('orders\n');
    const drop = await createWithTables('orders\n');
    const data = expectSuccess(await remove({ task_ids: [keep], confirm: true }));
    expect(data.deleted_tasks).toEqual([
      {
        success: true,
        task_id: keep,
        directory_deleted: true,
        database_records_deleted: false,
        deleted_files_count: 1,
        // The existing service's formatted size, and the bytes in their own field.
        deleted_size: '7 B',
        deleted_bytes: 7,
        deleted_at: expect.any(String),
        operation_message: 'directory deleted',
      },
    ]);
    expect(data).toMatchObject({ failed_tasks: [], summary: { total_requested: 1, successfully_deleted: 1, failed: 0 } });
    expect(isIso(data.deleted_at)).toBe(true);
    await expect(fs.stat(taskPath(server, keep))).rejects.toThrow();
    expectSuccess(await server.call('GET', `${BASE}/${keep}`));

    const both = expectSuccess(await remove({ task_ids: [drop], confirm: true, delete_database_records: true }));
    expect(both.deleted_tasks[0]).toMatchObject({ task_id: drop, directory_deleted: true, database_records_deleted: true });
    await expect(fs.stat(taskPath(server, drop))).rejects.toThrow();
    expectError(await server.call('GET', `${BASE}/${drop}`), 404, 'TASK_NOT_FOUND');
    // The record-only task (directory already gone) can still have its record deleted.
    const records = expectSuccess(await remove({ task_ids: [keep], confirm: true, delete_database_records: true }));
    expect(records.deleted_tasks[0]).toMatchObject({ task_id: keep, directory_deleted: false, database_records_deleted: true, deleted_files_count: 0 });
    expectError(await server.call('GET', `${BASE}/${keep}`), 404, 'TASK_NOT_FOUND');
  });

  it('reports unknown ids in failed_tasks and continues by default', async () => {
    const id = await createTask();
    const data = expectSuccess(await remove({ task_ids: [UNKNOWN, id], confirm: true }));
    expect(data.failed_tasks).toEqual([{ task_id: UNKNOWN, error: expect.stringContaining(UNKNOWN), error_code: 'TASK_NOT_FOUND' }]);
    expect(data.deleted_tasks.map((t: { task_id: string }) => t.task_id)).toEqual([id]);
    expect(data.summary).toEqual({ total_requested: 2, successfully_deleted: 1, failed: 1 });
  });

  it('stops at the first failure when continue_on_error is false', async () => {
    const a = await createTask();
    const b = await createTask();
    const data = expectSuccess(await remove({ task_ids: [a, UNKNOWN, b], confirm: true, continue_on_error: false }));
    expect(data.deleted_tasks.map((t: { task_id: string }) => t.task_id)).toEqual([a]);
    expect(data.failed_tasks.map((t: { task_id: string }) => t.task_id)).toEqual([UNKNOWN]);
    expect(data.summary).toEqual({ total_requested: 3, successfully_deleted: 1, failed: 1 });
    expect((await fs.stat(taskPath(server, b))).isDirectory()).toBe(true);
  });

  it('accepts the parameters in the query string too', async () => {
    const a = await createTask();
    const b = await createTask();
    const c = await createTask();
    const data = expectSuccess(await server.call('DELETE', `${BASE}?task_ids=${a},${b}&confirm=true&delete_database_records=true`));
    expect(data.summary).toEqual({ total_requested: 2, successfully_deleted: 2, failed: 0 });
    expectError(await server.call('GET', `${BASE}/${a}`), 404);
    const repeated = expectSuccess(await server.call('DELETE', `${BASE}?task_ids=${c}&task_ids=${UNKNOWN}&confirm=true`));
    expect(repeated.summary).toEqual({ total_requested: 2, successfully_deleted: 1, failed: 1 });
    expectInvalid(await server.call('DELETE', `${BASE}?task_ids=${c}&confirm=false`), 'body.confirm', /must be true/, /true/);
    expectMissing(await server.call('DELETE', `${BASE}?task_ids=${c}`), 'body.confirm');
    expectMissing(await server.call('DELETE', BASE), 'body.task_ids', 'body.confirm');
  });
});

describe('POST /tasks/{id}/cancel', () => {
  it('answers 404 for an unknown task, 409 without an active run, 400 for a malformed id', async () => {
    expectError(await server.call('POST', `${BASE}/${UNKNOWN}/cancel`), 404, 'TASK_NOT_FOUND');
    const id = await createTask();
    const data = expectError(await server.call('POST', `${BASE}/${id}/cancel`), 409, 'NO_ACTIVE_RUN');
    expect(data.response).toContain(id);
    expectInvalid(await server.call('POST', `${BASE}/bad.id/cancel`), 'params.task_id', /pattern/);
  });
});

describe('client mistakes', () => {
  it('answers an unknown route with a 404 envelope', async () => {
    for (const [method, route] of [
      ['GET', '/api/v0/nothing'],
      ['POST', `${BASE}/${UNKNOWN}/nothing`],
      ['PUT', BASE],
      ['GET', `${BASE}/${UNKNOWN}/files/a/b`],
    ] as const) {
      const data = expectError(await server.call(method, route), 404, 'NOT_FOUND');
      expect(data.response).toContain(route.split('?')[0]);
    }
  });

  it('answers invalid JSON with 400 and an unsupported content type with 415, in the envelope', async () => {
    expectError(await rawRequest(server, 'POST', BASE, '{"task_name": ', 'application/json'), 400);
    expectError(await rawRequest(server, 'POST', `${BASE}/query`, '{bad', 'application/json'), 400);
    const media = expectError(await rawRequest(server, 'POST', BASE, '<task/>', 'application/xml'), 415, 'UNSUPPORTED_MEDIA_TYPE');
    expect(media.response).toMatch(/application\/json/);
    expectError(await rawRequest(server, 'POST', `${BASE}/query`, 'page=1', 'application/x-www-form-urlencoded'), 415, 'UNSUPPORTED_MEDIA_TYPE');
    expectInvalid(await rawRequest(server, 'POST', BASE, 'hello', 'text/plain'), 'body', /must be object/, /object/);
  });

  it('never answers 500 to a client mistake', async () => {
    const id = await createTask();
    const attempts: [string, string, unknown][] = [
      ['POST', BASE, { task_name: { text: 'x' } }],
      ['POST', BASE, { db_connection: 42 }],
      ['POST', BASE, { table_list_file: '\u0000' }],
      ['POST', `${BASE}/${id}/execute`, { execution_mode: 5 }],
      ['POST', `${BASE}/${id}/execute`, 'complete'],
      ['POST', `${BASE}/query`, { page: 1e20 }],
      ['POST', `${BASE}/query`, { created_time_start: '0000-00-00T00:00:00Z' }],
      ['GET', `${BASE}?limit=1e3`, undefined],
      ['GET', `${BASE}?offset=99999999999999999999`, undefined],
      ['DELETE', BASE, { task_ids: 'x', confirm: 'yes' }],
      ['DELETE', BASE, { task_ids: Array.from({ length: 1001 }, (_, i) => `t${i}`), confirm: true }],
    ];
    for (const [method, route, body] of attempts) {
      const res = await server.call(method, route, body);
      expect(res.status, `${method} ${route} ${JSON.stringify(body)?.slice(0, 80)} → ${JSON.stringify(res.body).slice(0, 300)}`).toBeGreaterThanOrEqual(400);
      expect(res.status, `${method} ${route} ${JSON.stringify(body)?.slice(0, 80)} → ${JSON.stringify(res.body).slice(0, 300)}`).toBeLessThan(500);
      expect(res.body).toMatchObject({ success: false, code: res.status });
    }
    // Over-long path parameters and undecodable URLs are refused by the router, in the envelope too.
    for (const route of [`${BASE}/${'a'.repeat(5000)}`, `${BASE}/%E0%A4%A`]) {
      const res = await rawPath(server, 'GET', route);
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
      expect(res.body).toMatchObject({ success: false, code: res.status, data: { error_code: expect.stringMatching(/^(INVALID_URL|URL_TOO_LONG)$/) } });
    }
    // LIKE's escape character is taken literally too.
    expect(expectSuccess(await server.call('POST', `${BASE}/query`, { task_name: '\\' })).tasks).toEqual([]);
  });
});
