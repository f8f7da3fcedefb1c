/**
 * JSON bodies are taken as sent: values of another type are refused, not converted (a `1` is no
 * confirmation, a lone id no list), unknown fields are refused naming what is accepted (a
 * misspelt option never silently keeps its default), `null` means "not sent"; query strings are
 * still read as their types. A task another holds answers 409 before any prerequisite check.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/api-server.js';
import { expectError, expectInvalid, expectSuccess } from '../support/envelope-assertions.js';
import { BASE } from '../support/run-helpers.js';
import { PLAIN_RUN_OPTIONS } from '../support/task-fixtures.js';

describe('strict request bodies', () => {
  let server: TestServer;
  let taskId: string;

  beforeAll(async () => {
    server = await startTestServer();
    const created = await server.call('POST', BASE, { task_name: 'strict' });
    taskId = created.body.data.task_id as string;
    expectSuccess(await server.call('POST', `${BASE}/${taskId}/table-list`, { tables: ['orders'] }));
  });
  afterAll(async () => server?.close());

  it('refuses a delete confirmed with 1 or naming one id as a string: nothing is deleted', async () => {
    expectInvalid(await server.call('DELETE', BASE, { task_ids: [taskId], confirm: 1 }), 'body.confirm', /must be boolean/, /boolean/);
    expectInvalid(await server.call('DELETE', BASE, { task_ids: taskId, confirm: true }), 'body.task_ids', /must be array/);
    expectInvalid(await server.call('DELETE', BASE, { task_ids: [taskId], confirm: 'true' }), 'body.confirm', /must be boolean/);
    expectSuccess(await server.call('GET', `${BASE}/${taskId}`));
    // In the query string, text is read as its type.
    const other = (await server.call('POST', BASE, { task_name: 'to delete' })).body.data.task_id as string;
    expectSuccess(await server.call('DELETE', `${BASE}?task_ids=${other}&confirm=true`));
  });

  it('refuses options of another type instead of converting them', async () => {
    expectInvalid(
      await server.call('POST', `${BASE}/${taskId}/execute`, { execution_mode: 'step', step_name: 'training_load', truncate_vector_tables: 1 }),
      'body.truncate_vector_tables',
      /must be boolean/,
    );
    expectInvalid(await server.call('POST', BASE, { task_name: 123 }), 'body.task_name', /must be string/);
    expectInvalid(await server.call('POST', BASE, { overwrite_comments: 'true' }), 'body.overwrite_comments', /must be boolean/);
    expectInvalid(await server.call('POST', `${BASE}/query`, { page: '2' }), 'body.page', /must be integer/);
    expectSuccess(await server.call('GET', `${BASE}?limit=2`));
  });

  it('refuses unknown fields, naming them and the fields accepted', async () => {
    const total = (await server.call('GET', BASE)).body.data.total as number;
    const reply = await server.call('POST', BASE, { task_name: 'typo', langauge: 'zh' });
    const data = expectInvalid(reply, 'body.langauge', /is not a known field/, /language/);
    expect(data.invalid_params[0].accepted).toMatch(/task_name, db_connection/);
    expect((await server.call('GET', BASE)).body.data.total).toBe(total);
    expectInvalid(await server.call('POST', `${BASE}/${taskId}/execute`, { language: 'zh' }), 'body.language', /is not a known field/);
  });

  it('takes a field sent as null as not sent', async () => {
    const created = expectSuccess(await server.call('POST', BASE, { task_name: null, db_connection: null, language: null }), 201);
    const task = expectSuccess(await server.call('GET', `${BASE}/${created.task_id as string}`));
    expect(task).toMatchObject({ task_name: null, parameters: { language: 'en', db_connection: 'sample' } });
  });

  it('answers 409 for a step on a task another holds, before checking what the step needs', async () => {
    const claim = await server.server.ctx.services.store.claimRun({
      taskId,
      mode: 'complete',
      step: null,
      options: { ...PLAIN_RUN_OPTIONS },
      owner: server.server.ctx.services.runner.owner,
    });
    if (!('run' in claim)) throw new Error('no claim');
    try {
      const reply = await server.call('POST', `${BASE}/${taskId}/execute`, { execution_mode: 'step', step_name: 'qa_generation' });
      expectError(reply, 409, 'TASK_RUNNING');
      expect(reply.body.message).toContain(claim.run.run_id);
    } finally {
      await server.server.ctx.services.store.releaseRun(claim.run, { status: 'completed', error: null });
    }
    expectError(await server.call('POST', `${BASE}/${taskId}/execute`, { execution_mode: 'step', step_name: 'qa_generation' }), 400, 'PREREQUISITES_MISSING');
  });
});
