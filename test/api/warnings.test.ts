/**
 * "Completed with warnings": a run that completes while leaving a table out says so in the task
 * (outcome, warnings) and in the list, while `status` stays "completed" for existing clients.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, waitForTask, type TestServer } from '../support/api-server.js';
import { unzipSync } from 'fflate';
import { expectError, expectSuccess } from '../support/envelope-assertions.js';
import { BASE } from '../support/run-helpers.js';

describe('completed with warnings', () => {
  let server: TestServer;
  let taskId: string;

  beforeAll(async () => {
    server = await startTestServer({ store: 'embedded' });
    taskId = expectSuccess(await server.call('POST', BASE, { task_name: 'warned', db_connection: 'sample', enable_training_data_load: false }), 201).task_id;
    expectSuccess(await server.call('POST', `${BASE}/${taskId}/table-list`, { tables: ['regions', 'no_such_table'] }));
    expect((await server.call('POST', `${BASE}/${taskId}/execute`, {})).status).toBe(202);
    await waitForTask(server, taskId, 120_000);
  }, 180_000);
  afterAll(async () => server?.close());

  it('names the missing table in the task and the list; status stays completed', async () => {
    const task = expectSuccess(await server.call('GET', `${BASE}/${taskId}`));
    expect(task.status).toBe('completed');
    expect(task.outcome).toBe('completed_with_warnings');
    expect(task.result.warnings).toMatchObject({
      tables_failed: [{ table: 'public.no_such_table', reason: 'no such table, view or materialized view' }],
      pairs_invalid: 0,
    });
    const listed = expectSuccess(await server.call('GET', `${BASE}?limit=10`)).tasks.find((t: { task_id: string }) => t.task_id === taskId);
    expect(listed).toMatchObject({ status: 'completed', outcome: 'completed_with_warnings', warnings: { tables_failed: [{ table: 'public.no_such_table' }] } });
    // The run history says so too, with the run's duration and counts.
    const runs = expectSuccess(await server.call('GET', `${BASE}/${taskId}/runs`)).runs;
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ execution_mode: 'complete', status: 'completed', outcome: 'completed_with_warnings', summary: { tables: 1 } });
    expect(runs[0].duration_ms).toBeGreaterThan(0);
  });

  it('downloads all the task files as one zip archive', async () => {
    const response = await fetch(`${server.url}${BASE}/${taskId}/archive`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/zip');
    expect(response.headers.get('content-disposition')).toBe(`attachment; filename="${taskId}.zip"`);
    const entries = unzipSync(new Uint8Array(await response.arrayBuffer()));
    const listed = expectSuccess(await server.call('GET', `${BASE}/${taskId}/files`)).files.map((f: { file_name: string }) => f.file_name);
    expect(Object.keys(entries).sort()).toEqual([...listed].sort());
    expect(new TextDecoder().decode(entries['table_list.txt'])).toContain('regions');
    expectError(await server.call('GET', `${BASE}/no_such_task/archive`), 404, 'TASK_NOT_FOUND');
  });
});
