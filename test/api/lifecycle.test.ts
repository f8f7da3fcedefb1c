/**
 * The whole life cycle over HTTP on the sample database: create → upload table list → execute
 * complete → poll to completed → list and download files → re-run sql_validation in step mode.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, waitForTask, type TestServer } from '../support/api-server.js';

const BASE = '/api/v0/data_pipeline/tasks';

describe('task life cycle over HTTP (embedded store, sample database)', () => {
  let server: TestServer;
  let taskId: string;

  beforeAll(async () => {
    server = await startTestServer({ store: 'embedded' });
  });
  afterAll(async () => server?.close());

  it('creates a task that waits for a table list', async () => {
    const { status, body } = await server.call('POST', BASE, { task_name: 'life cycle', business_context: 'Outdoor gear retailer' });
    expect(status).toBe(201);
    expect(body).toMatchObject({ code: 201, success: true, data: { status: 'pending', file_upload_mode: true } });
    taskId = body.data.task_id;
    expect(taskId).toMatch(/^task_\d{8}_\d{6}(_\d+)?$/);
    expect(body.data.next_step).toBe(`POST ${BASE}/${taskId}/upload-table-list`);
  });

  it('uploads a table list as a file', async () => {
    const form = new FormData();
    form.append('file', new Blob(['# tables\norders, customers\nstores\n']), 'tables.txt');
    const response = await fetch(`${server.url}${BASE}/${taskId}/upload-table-list`, { method: 'POST', body: form });
    const body = (await response.json()) as { data: Record<string, unknown> };
    expect(response.status).toBe(200);
    expect(body.data).toMatchObject({ task_id: taskId, filename: 'table_list.txt', encoding: 'utf-8' });
    const info = await server.call('GET', `${BASE}/${taskId}/table-list-info`);
    expect(info.body.data).toMatchObject({ has_file: true, table_count: 3, table_names: ['public.orders', 'public.customers', 'public.stores'] });
  });

  it('executes the complete workflow (202 at once) and polls it to completed', async () => {
    const { status, body } = await server.call('POST', `${BASE}/${taskId}/execute`, { execution_mode: 'complete' });
    expect(status).toBe(202);
    expect(body).toMatchObject({ code: 202, data: { task_id: taskId, execution_mode: 'complete', step_name: null } });
    const final = await waitForTask(server, taskId);
    expect(final.data.status).toBe('completed');
    expect(final.data.error_message).toBeNull();
    expect(final.data.step_status).toEqual({
      ddl_generation: 'completed',
      qa_generation: 'completed',
      sql_validation: 'completed',
      training_load: 'completed',
    });
    const ddl = final.data.steps.find((s: { step_name: string }) => s.step_name === 'ddl_generation');
    expect(ddl.counters).toMatchObject({ tables_done: 3, tables_total: 3 });
    expect(final.data.result.summary).toMatchObject({ tables: 3 });
    expect(final.data.result.llm_usage.calls).toBeGreaterThan(0);
    expect(final.data.parameters.db_connection).toBe('sample');
  });

  it('lists the files newest first and downloads one as an attachment', async () => {
    const { body } = await server.call('GET', `${BASE}/${taskId}/files`);
    const names = body.data.files.map((f: { file_name: string }) => f.file_name);
    expect(names).toEqual(
      expect.arrayContaining(['orders.ddl', 'orders_detail.md', 'task_config.json', 'task_result.json', 'data_pipeline.log', 'table_list.txt']),
    );
    expect(body.data.files.find((f: { file_name: string }) => f.file_name === 'orders.ddl').file_type).toBe('ddl');
    expect(body.data.directory_info.total_files).toBe(names.length);
    const response = await fetch(`${server.url}${BASE}/${taskId}/files/orders.ddl`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-disposition')).toMatch(/^attachment; filename="orders.ddl"/);
    expect(await response.text()).toMatch(/^-- Name: /);
  });

  it('re-runs sql_validation in step mode, resetting only that step', async () => {
    const before = await server.call('GET', `${BASE}/${taskId}`);
    const ddlStarted = before.body.data.steps[0].started_at;
    const { status } = await server.call('POST', `${BASE}/${taskId}/execute`, { execution_mode: 'step', step_name: 'sql_validation' });
    expect(status).toBe(202);
    const final = await waitForTask(server, taskId);
    expect(final.data.status).toBe('completed');
    expect(final.data.steps[0].started_at).toBe(ddlStarted);
    const validation = final.data.steps.find((s: { step_name: string }) => s.step_name === 'sql_validation');
    expect(validation.step_status).toBe('completed');
    expect(validation.counters.pairs_valid).toBeGreaterThan(0);
    const files = await server.call('GET', `${BASE}/${taskId}/files`);
    expect(files.body.data.files.map((f: { file_name: string }) => f.file_name)).toContain('sql_validation_result.json');
  });
});
