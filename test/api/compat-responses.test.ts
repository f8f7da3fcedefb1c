/**
 * The compatibility suite (issue 15): the existing Python service's documented requests, replayed in
 * its clients' order against our server, each answer checked for the fields (and, where clients
 * branch on them, the values) the existing service's documented responses have. Our own fields may
 * come in addition; none of the existing ones may be missing or change type.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, waitForTask, type TestServer } from '../support/api-server.js';
import { expectSuccess, uploadFile } from '../support/envelope-assertions.js';

const TASKS = '/api/v0/data_pipeline/tasks';
const VECTOR = '/api/v0/data_pipeline/vector';
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}/;
const SIZE = /^\d+(\.\d)? (B|KB|MB|GB|TB)$/;

/** Each key present (own fields may come in addition). */
function expectKeys(value: Record<string, unknown>, keys: string[], what: string): void {
  for (const key of keys) expect(value, `${what} lacks ${key}: ${JSON.stringify(value)}`).toHaveProperty(key);
}

describe('the existing service’s documented requests and the fields of its answers', () => {
  let server: TestServer;
  let taskId: string;

  beforeAll(async () => {
    // The embedded store: the vector routes need pgvector.
    server = await startTestServer({ store: 'embedded' });
  }, 120_000);

  afterAll(async () => {
    await server?.close();
  });

  it('POST /tasks without a table list: 201, pending, file_upload_mode and next_step', async () => {
    const data = expectSuccess(
      await server.call('POST', TASKS, { business_context: '测试系统', db_name: 'test_db', task_name: '测试任务', db_connection: 'sample' }),
      201,
    );
    expectKeys(data, ['task_id', 'task_name', 'status', 'created_at', 'file_upload_mode', 'next_step'], 'create');
    expect(data).toMatchObject({ task_name: '测试任务', status: 'pending', file_upload_mode: true });
    expect(data.task_id).toMatch(/^task_\d{8}_\d{6}(_\d+)?$/);
    expect(data.next_step).toBe(`POST ${TASKS}/${data.task_id}/upload-table-list`);
    taskId = data.task_id;
  });

  it('POST /tasks/{id}/upload-table-list, GET table-list-info, POST table-list', async () => {
    const uploaded = expectSuccess(await uploadFile(server, `${TASKS}/${taskId}/upload-table-list`, { name: 'tables.txt', content: 'regions\nstores\n' }));
    expectKeys(uploaded, ['task_id', 'filename', 'file_size', 'file_size_formatted', 'upload_time'], 'upload-table-list');
    expect(uploaded).toMatchObject({ task_id: taskId, filename: 'table_list.txt', file_size: 15, file_size_formatted: '15 B' });

    const info = expectSuccess(await server.call('GET', `${TASKS}/${taskId}/table-list-info`));
    expectKeys(
      info,
      [
        'task_id',
        'has_file',
        'exists',
        'file_name',
        'file_path',
        'file_size',
        'file_size_formatted',
        'uploaded_at',
        'created_at',
        'table_count',
        'table_names',
        'is_readable',
      ],
      'table-list-info',
    );
    expect(info).toMatchObject({
      has_file: true,
      exists: true,
      file_name: 'table_list.txt',
      table_count: 2,
      table_names: ['public.regions', 'public.stores'],
      is_readable: true,
    });

    // `tables` as one comma-separated string, as the code reads it.
    const listed = expectSuccess(await server.call('POST', `${TASKS}/${taskId}/table-list`, { tables: 'regions,stores,regions' }));
    expectKeys(
      listed,
      ['task_id', 'filename', 'table_count', 'unique_table_count', 'file_size', 'file_size_formatted', 'created_time', 'original_count'],
      'table-list',
    );
    expect(listed).toMatchObject({ filename: 'table_list.txt', table_count: 2, unique_table_count: 2, original_count: 3 });
  });

  it('POST /tasks/{id}/execute in step mode: 202; GET /tasks/{id} with step_status, steps and current_step', async () => {
    const accepted = await server.call('POST', `${TASKS}/${taskId}/execute`, { execution_mode: 'step', step_name: 'ddl_generation' });
    expect(accepted.status, JSON.stringify(accepted.body)).toBe(202);
    expectKeys(accepted.body.data, ['task_id', 'execution_mode', 'step_name', 'message'], 'execute');
    expect(accepted.body.data).toMatchObject({ task_id: taskId, execution_mode: 'step', step_name: 'ddl_generation' });
    expect(accepted.body).toMatchObject({ code: 202, success: true });

    const final = await waitForTask(server, taskId, 120_000);
    const task = final.data;
    expectKeys(
      task,
      [
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
      ],
      'task',
    );
    // After ddl_generation alone: partial_completed, as the existing service's step-mode rule says.
    expect(task).toMatchObject({ origin: 'api', status: 'partial_completed', current_step: null, total_steps: 4, error_message: null });
    expect(task.step_status).toEqual({ ddl_generation: 'completed', qa_generation: 'pending', sql_validation: 'pending', training_load: 'pending' });
    expect(task.steps.map((s: { step_name: string }) => s.step_name)).toEqual(['ddl_generation', 'qa_generation', 'sql_validation', 'training_load']);
    for (const step of task.steps) expectKeys(step, ['step_name', 'step_status', 'started_at', 'completed_at', 'error_message'], 'step');
    expect(task.started_at).toMatch(ISO);
    // The password-free parameters keep the creation options' names.
    expectKeys(
      task.parameters,
      ['db_connection', 'business_context', 'enable_sql_validation', 'enable_llm_repair', 'modify_original_file', 'enable_training_data_load'],
      'parameters',
    );
  }, 150_000);

  it('GET /tasks?limit=20&status= and POST /tasks/query with the documented filters', async () => {
    const list = expectSuccess(await server.call('GET', `${TASKS}?limit=20&status=partial_completed`));
    expectKeys(list, ['tasks', 'total', 'limit', 'offset'], 'list');
    expect(list).toMatchObject({ total: 1, limit: 20, offset: 0 });
    const item = list.tasks[0];
    expectKeys(
      item,
      [
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
      ],
      'list item',
    );
    // In lists, step_status is one word for all the steps.
    expect(item).toMatchObject({ task_id: taskId, step_status: 'partial_completed', db_name: 'test_db', directory_exists: true });

    const day = new Date().toISOString().slice(0, 10);
    const search = expectSuccess(
      await server.call('POST', `${TASKS}/query`, {
        page: 1,
        page_size: 10,
        status: 'partial_completed',
        task_name: '测试',
        created_time_start: `${day}T00:00:00`,
        created_time_end: `${day}T23:59:59`,
      }),
    );
    expectKeys(search, ['tasks', 'pagination', 'filters_applied', 'sort_applied', 'query_time'], 'query');
    expect(search.pagination).toEqual({ page: 1, page_size: 10, total: 1, total_pages: 1, has_next: false, has_prev: false });
    expect(search.sort_applied).toEqual({ sort_by: 'created_at', sort_order: 'desc' });
    expect(search.query_time).toMatch(/^\d+\.\d{3}s$/);
  });

  it('GET /tasks/{id}/files and a download; POST /tasks/{id}/files with backup, replace and skip', async () => {
    const files = expectSuccess(await server.call('GET', `${TASKS}/${taskId}/files`));
    expectKeys(files, ['task_id', 'files', 'directory_info'], 'files');
    expectKeys(files.directory_info, ['exists', 'directory_path', 'total_files', 'total_size', 'total_size_formatted'], 'directory_info');
    const ddl = files.files.find((f: { file_name: string }) => f.file_name === 'regions.ddl');
    expectKeys(ddl, ['file_name', 'file_type', 'file_size', 'file_size_formatted', 'created_at', 'modified_at', 'is_readable'], 'file');
    expect(ddl).toMatchObject({ file_type: 'ddl', is_readable: true });
    expect(ddl.file_size_formatted).toMatch(SIZE);
    const download = await fetch(`${server.url}${TASKS}/${taskId}/files/regions.ddl`);
    expect(download.status).toBe(200);
    expect(download.headers.get('content-disposition')).toMatch(/attachment/);

    const route = `${TASKS}/${taskId}/files`;
    const first = expectSuccess(await uploadFile(server, route, { name: 'test.ddl', content: 'create table t (id int);' }, { overwrite_mode: 'backup' }));
    expectKeys(first.uploaded_file, ['filename', 'size', 'size_formatted', 'uploaded_at', 'overwrite_mode'], 'uploaded_file');
    expect(first).not.toHaveProperty('backup_info');
    const again = expectSuccess(await uploadFile(server, route, { name: 'test.ddl', content: 'create table t (id bigint);' }, { overwrite_mode: 'backup' }));
    expect(again.backup_info).toMatchObject({ had_existing_file: true, backup_filename: 'test.ddl_bak1', backup_version: 1 });
    const replaced = expectSuccess(await uploadFile(server, route, { name: 'test.ddl', content: 'create table t (id text);' }, { overwrite_mode: 'replace' }));
    expect(replaced).not.toHaveProperty('backup_info');
    const skipped = expectSuccess(await uploadFile(server, route, { name: 'test.ddl', content: 'ignored' }, { overwrite_mode: 'skip' }));
    expect(skipped).toMatchObject({ task_id: taskId, skipped: true, uploaded_file: { filename: 'test.ddl', existed: true, action: 'skipped' } });
  });

  it('GET /tasks/{id}/logs and POST /tasks/{id}/logs/query: log_file_info with path, formatted size and time', async () => {
    const latest = expectSuccess(await server.call('GET', `${TASKS}/${taskId}/logs?limit=50&level=INFO`));
    expectKeys(latest, ['task_id', 'logs', 'total', 'source', 'log_file'], 'logs');
    expect(latest.source).toBe('file');
    expect(latest.logs.length).toBeGreaterThan(0);
    expectKeys(latest.logs[0], ['timestamp', 'level', 'logger', 'message'], 'log record');

    const queried = expectSuccess(await server.call('POST', `${TASKS}/${taskId}/logs/query`, { page: 1, page_size: 20, level: 'INFO', sort_by: 'step' }));
    expectKeys(queried, ['logs', 'pagination', 'log_file_info', 'query_time'], 'logs/query');
    expectKeys(queried.logs[0], ['timestamp', 'level', 'logger', 'step', 'message', 'line_number'], 'queried record');
    const info = queried.log_file_info;
    expectKeys(info, ['exists', 'file_path', 'file_size', 'file_size_formatted', 'last_modified', 'total_lines'], 'log_file_info');
    expect(info).toMatchObject({ exists: true, file_path: `${taskId}/data_pipeline.log` });
    expect(info.file_size).toBeGreaterThan(0);
    expect(info.file_size_formatted).toMatch(SIZE);
    expect(info.last_modified).toMatch(ISO);
    expect(info.total_lines).toBeGreaterThan(0);
  });

  it('POST /api/v0/database/tables echoes table_name_pattern; POST /api/v0/database/table/ddl', async () => {
    const tables = expectSuccess(
      await server.call('POST', '/api/v0/database/tables', { db_connection: 'sample', schema: 'public', table_name_pattern: 'reg*' }),
    );
    expectKeys(tables, ['tables', 'total', 'schemas', 'db_connection_info', 'table_name_pattern'], 'database/tables');
    expect(tables).toMatchObject({ tables: ['public.regions'], total: 1, schemas: ['public'], table_name_pattern: 'reg*' });
    expectKeys(tables.db_connection_info, ['database'], 'db_connection_info');
    // Without a pattern, none is echoed (as the existing service).
    expect(expectSuccess(await server.call('POST', '/api/v0/database/tables', { db_connection: 'sample' }))).not.toHaveProperty('table_name_pattern');

    const ddl = expectSuccess(await server.call('POST', '/api/v0/database/table/ddl', { table: 'public.regions', db_connection: 'sample', type: 'both' }));
    expectKeys(ddl, ['ddl', 'md', 'table_info', 'fields', 'generation_info'], 'table/ddl');
    expectKeys(ddl.table_info, ['table_name', 'schema_name', 'full_name', 'comment', 'field_count', 'row_count', 'table_size'], 'table_info');
    expectKeys(ddl.fields[0], ['name', 'type', 'nullable', 'comment', 'is_primary_key', 'is_foreign_key', 'default_value', 'is_enum', 'enum_values'], 'field');
  });

  it('vector backup, GET /vector/restore/list with summary.total_backup_sets, POST /vector/restore with ./data_pipeline/training_data/…', async () => {
    // Something in the store to back up: the task's training_load step.
    expect((await server.call('POST', `${TASKS}/${taskId}/execute`, { execution_mode: 'step', step_name: 'training_load' })).status).toBe(202);
    await waitForTask(server, taskId, 120_000);
    const backup = expectSuccess(await server.call('POST', `${VECTOR}/backup`, { task_id: taskId }));
    expectKeys(backup, ['backup_performed', 'tables_backed_up', 'errors', 'backup_directory', 'duration'], 'vector/backup');
    expectKeys(backup.tables_backed_up.langchain_pg_embedding, ['success', 'row_count', 'file_size', 'backup_file', 'duration'], 'table backup');

    const list = expectSuccess(await server.call('GET', `${VECTOR}/restore/list?task_id=${taskId}`));
    expectKeys(list, ['backup_locations', 'summary'], 'restore/list');
    expectKeys(list.summary, ['total_locations', 'total_backup_sets', 'global_backups', 'task_backups', 'scan_time'], 'summary');
    expect(list.summary).toMatchObject({ total_locations: 1, total_backup_sets: 1, global_backups: 0, task_backups: 1 });
    const location = list.backup_locations[0];
    expectKeys(location, ['type', 'relative_path', 'task_id', 'backups'], 'location');
    expectKeys(
      location.backups[0],
      ['timestamp', 'collection_file', 'embedding_file', 'collection_size', 'embedding_size', 'backup_date', 'has_log', 'log_file'],
      'backup set',
    );

    const timestamp = location.backups[0].timestamp as string;
    const restored = expectSuccess(
      await server.call('POST', `${VECTOR}/restore`, {
        backup_path: `./data_pipeline/training_data/${taskId}/vector_bak`,
        timestamp,
        truncate_before_restore: true,
      }),
    );
    expectKeys(restored, ['restore_performed', 'truncate_performed', 'backup_info', 'truncate_results', 'restore_results', 'errors', 'duration'], 'restore');
    expect(restored).toMatchObject({ restore_performed: true, truncate_performed: true, errors: [] });
    expectKeys(restored.backup_info, ['backup_path', 'timestamp', 'backup_date'], 'backup_info');
    expectKeys(restored.restore_results.langchain_pg_embedding, ['success', 'source_file', 'rows_restored', 'file_size', 'duration'], 'restore result');
    expect(restored.restore_results.langchain_pg_embedding.rows_restored).toBe(backup.tables_backed_up.langchain_pg_embedding.row_count);
  }, 180_000);

  it('errors carry the existing error_type values (ours in error_code), with missing_params where it listed them', async () => {
    const missingTask = await server.call('GET', `${TASKS}/task_20250101_000000`);
    expect(missingTask.status).toBe(404);
    expect(missingTask.body).toMatchObject({ code: 404, success: false, data: { error_type: 'resource_not_found', error_code: 'TASK_NOT_FOUND' } });

    const badMode = await server.call('POST', `${TASKS}/${taskId}/execute`, { execution_mode: 'fast' });
    expect(badMode.status).toBe(400);
    expect(badMode.body.data).toMatchObject({ error_type: 'missing_required_params', error_code: 'INVALID_PARAMS' });
    expect(badMode.body.data.invalid_params[0].field).toBe('body.execution_mode');

    const noStep = await server.call('POST', `${TASKS}/${taskId}/execute`, { execution_mode: 'step' });
    expect(noStep.status).toBe(400);
    expect(noStep.body.data).toMatchObject({ error_type: 'missing_required_params', error_code: 'MISSING_PARAMS', missing_params: ['body.step_name'] });

    const emptyRestore = await server.call('POST', `${VECTOR}/restore`, {});
    expect(emptyRestore.status).toBe(400);
    expect(emptyRestore.body.data.error_type).toBe('missing_required_params');
    expect(emptyRestore.body.data.missing_params).toEqual(expect.arrayContaining(['body.backup_path', 'body.timestamp']));

    const noFile = await server.call('GET', `${TASKS}/${taskId}/files/nothing.ddl`);
    expect(noFile.status).toBe(404);
    expect(noFile.body.data).toMatchObject({ error_type: 'resource_not_found', error_code: 'FILE_NOT_FOUND' });
  });

  it('DELETE /tasks: deleted_size formatted (bytes in deleted_bytes), operation_message, summary', async () => {
    const data = expectSuccess(
      await server.call('DELETE', TASKS, {
        task_ids: [taskId, 'task_20250101_000000'],
        confirm: true,
        delete_database_records: false,
        continue_on_error: true,
      }),
    );
    expectKeys(data, ['deleted_tasks', 'failed_tasks', 'summary', 'deleted_at'], 'delete');
    const [deleted] = data.deleted_tasks;
    expectKeys(
      deleted,
      ['success', 'task_id', 'directory_deleted', 'database_records_deleted', 'deleted_files_count', 'deleted_size', 'deleted_at', 'operation_message'],
      'deleted task',
    );
    expect(deleted).toMatchObject({
      success: true,
      task_id: taskId,
      directory_deleted: true,
      database_records_deleted: false,
      operation_message: 'directory deleted',
    });
    expect(deleted.deleted_size).toMatch(SIZE);
    expect(deleted.deleted_bytes).toBeGreaterThan(0);
    expect(data.failed_tasks).toEqual([{ task_id: 'task_20250101_000000', error: expect.any(String), error_code: 'TASK_NOT_FOUND' }]);
    expect(data.summary).toEqual({ total_requested: 2, successfully_deleted: 1, failed: 1 });
    // The record is kept: the task lists with directory_exists false.
    const task = expectSuccess(await server.call('GET', `${TASKS}?limit=5`)).tasks.find((t: { task_id: string }) => t.task_id === taskId);
    expect(task).toMatchObject({ directory_exists: false });
  });
});
