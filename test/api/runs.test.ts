/**
 * The run machinery over HTTP: one active run per task (also across processes sharing a store),
 * restart recovery, graceful shutdown, cancellation, and what a run records (steps reset between
 * runs, counters, result files, prerequisites). Runs are made slow and controllable with the
 * scripted LLM (answers held behind a gate, or delayed).
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStoreDatabase } from '../../src/db/embedded-store.js';
import { TaskStore } from '../../src/tasks/store/task-store.js';
import { startTestServer, type TestServer } from '../support/api-server.js';
import { createSampleDatabaseOnServer, createScratchDatabase, type ScratchDatabase } from '../support/env.js';
import { answerWell, detectPromptKind } from '../support/openai-answers.js';
import {
  BASE,
  createTask,
  getTask,
  holdLlm,
  killChildServers,
  llmEnv,
  removeTempDirs,
  slowLlm,
  spawnServer,
  step,
  tempDir,
  waitForFinal,
  waitForRunningStep,
  waitUntil,
  type Call,
  type ChildServer,
} from '../support/run-helpers.js';
import { startScriptedOpenAI, type ScriptedOpenAIServer } from '../support/scripted-openai-server.js';

const TABLES = ['regions', 'stores', 'customers'];
const PASSWORD = 'Run-Secret-pw-8472';

let llm: ScriptedOpenAIServer;
/** The sample database on the PostgreSQL test server (no embedded source to load in every process). */
let sample: ScratchDatabase;
/** Its URL with a password (the test server trusts local connections, so any password works). */
let sourceUrl: string;

beforeAll(async () => {
  llm = await startScriptedOpenAI({ defaultChat: answerWell });
  sample = await createSampleDatabaseOnServer();
  const url = new URL(sample.url);
  url.password = PASSWORD;
  sourceUrl = url.toString();
});

afterAll(async () => {
  await killChildServers();
  await llm?.close();
  await sample?.drop();
  await removeTempDirs();
});

/** A task on the server-side sample database, without training_load (the test server has no pgvector). */
function createSourceTask(call: Call, tables: string[] | null = TABLES, extra: Record<string, unknown> = {}): Promise<string> {
  return createTask(call, tables, { db_connection: sourceUrl, enable_training_data_load: false, ...extra });
}

function execute(call: Call, taskId: string, body: Record<string, unknown> = { execution_mode: 'complete' }) {
  return call('POST', `${BASE}/${taskId}/execute`, body);
}

async function runRows(store: TaskStore, taskId: string) {
  return store.db.query<{ run_id: string; status: string; reason: string | null; started_at: string | null; error_message: string | null }>(
    `SELECT run_id, status, reason, to_json(started_at) #>> '{}' AS started_at, error_message FROM dp_task_runs WHERE task_id = $1 ORDER BY created_at`,
    [taskId],
  );
}

async function eventTypes(store: TaskStore, taskId: string): Promise<string[]> {
  const rows = await store.db.query<{ type: string }>('SELECT type FROM dp_task_events WHERE task_id = $1 ORDER BY seq', [taskId]);
  return rows.map((r) => r.type);
}

function tableCommentRequests(): number {
  return llm.chatRequests.filter((r) => detectPromptKind(r) === 'table_comments').length;
}

describe.each(['postgres', 'embedded'] as const)('one active run per task (%s store)', (storeKind) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ store: storeKind, env: llmEnv(llm) });
  });
  afterAll(async () => server?.close());

  it('answers 50 simultaneous executes with one 202 and 49 × 409 naming the active run; the run finishes once', async () => {
    llm.reset();
    const gate = holdLlm(llm);
    try {
      const taskId = await createSourceTask(server.call);
      const responses = await Promise.all(Array.from({ length: 50 }, () => execute(server.call, taskId)));
      const accepted = responses.filter((r) => r.status === 202);
      expect(accepted).toHaveLength(1);
      const runId = accepted[0]?.body.data.run_id as string;
      expect(runId).toMatch(/^run_/);
      const conflicts = responses.filter((r) => r.status === 409);
      expect(conflicts).toHaveLength(49);
      for (const conflict of conflicts) {
        expect(conflict.body).toMatchObject({ code: 409, success: false, data: { error_code: 'TASK_RUNNING', can_retry: true } });
        expect(conflict.body.message).toContain(runId);
      }

      const during = await getTask(server.call, taskId);
      expect(during.active_run).toMatchObject({ run_id: runId, execution_mode: 'complete' });
      expect(await runRows(server.server.ctx.services.store, taskId)).toEqual([expect.objectContaining({ run_id: runId })]);

      gate.release();
      const final = await waitForFinal(server.call, taskId);
      expect(final.status).toBe('completed');
      expect(final.result.run_id).toBe(runId);
      const runs = await runRows(server.server.ctx.services.store, taskId);
      expect(runs).toEqual([expect.objectContaining({ run_id: runId, status: 'completed', reason: null })]);
      const types = await eventTypes(server.server.ctx.services.store, taskId);
      expect(types.filter((t) => t === 'run_started')).toHaveLength(1);
      expect(types.filter((t) => t === 'run_finished')).toHaveLength(1);
      // One run documented each table once.
      expect(tableCommentRequests()).toBe(TABLES.length);
    } finally {
      gate.release();
    }
  });
});

describe('two server processes sharing one PostgreSQL store', () => {
  let store: ScratchDatabase;
  let a: TestServer;
  let b: ChildServer;

  beforeAll(async () => {
    store = await createScratchDatabase('dp_shared');
    const root = await tempDir('dp-shared-');
    const env = {
      DP_STORE_URL: store.url,
      DP_TRAINING_DATA_DIR: path.join(root, 'training_data'),
      DP_HEARTBEAT_MS: '200',
      DP_RUN_TTL_MS: '10000',
      ...llmEnv(llm),
    };
    a = await startTestServer({ root, env });
    b = await spawnServer(env);
  });
  afterAll(async () => {
    await b?.stop('SIGTERM');
    await a?.close();
    await store?.drop();
  });

  it('shows a task created on A to B', async () => {
    const taskId = await createSourceTask(a.call);
    const onB = await getTask(b.call, taskId);
    expect(onB).toMatchObject({ task_id: taskId, task_name: 'runs test', status: 'pending', active_run: null });
    const list = await b.call('GET', `${BASE}/${taskId}/table-list-info`);
    expect(list.body.data).toMatchObject({ has_file: true, table_count: TABLES.length });
  });

  it('accepts exactly one of the executes sent to both processes at once', async () => {
    llm.reset();
    const gate = holdLlm(llm);
    try {
      const taskId = await createSourceTask(a.call);
      const targets = Array.from({ length: 30 }, (_, i) => (i % 2 === 0 ? a.call : b.call));
      const responses = await Promise.all(targets.map((call) => execute(call, taskId)));
      const acceptedAt = responses.map((r, i) => ({ r, call: targets[i] as Call })).filter(({ r }) => r.status === 202);
      expect(acceptedAt).toHaveLength(1);
      const runId = acceptedAt[0]?.r.body.data.run_id as string;
      const conflicts = responses.filter((r) => r.status === 409);
      expect(conflicts).toHaveLength(29);
      for (const conflict of conflicts) expect(conflict.body.message).toContain(runId);
      expect((await getTask(a.call, taskId)).active_run.run_id).toBe(runId);
      expect((await getTask(b.call, taskId)).active_run.run_id).toBe(runId);
      expect(await runRows(a.server.ctx.services.store, taskId)).toHaveLength(1);

      // Cancel it through the process that did not accept it.
      const other = acceptedAt[0]?.call === a.call ? b.call : a.call;
      await waitForRunningStep(other, taskId, llm);
      expect((await other('POST', `${BASE}/${taskId}/cancel`)).status).toBe(200);
      const final = await waitForFinal(other, taskId);
      expect(final).toMatchObject({ status: 'failed', error_message: 'cancelled' });
      expect(await runRows(a.server.ctx.services.store, taskId)).toEqual([expect.objectContaining({ run_id: runId, status: 'failed', reason: 'cancelled' })]);
    } finally {
      gate.release();
    }
  });

  it('cancels a run of A through B (A notices at its next heartbeat)', async () => {
    llm.reset();
    const gate = holdLlm(llm);
    try {
      const taskId = await createSourceTask(a.call);
      const accepted = await execute(a.call, taskId);
      expect(accepted.status).toBe(202);
      const runId = accepted.body.data.run_id as string;
      await waitForRunningStep(b.call, taskId, llm);

      const cancel = await b.call('POST', `${BASE}/${taskId}/cancel`);
      expect(cancel.status).toBe(200);
      expect(cancel.body.data).toMatchObject({ task_id: taskId, run_id: runId });

      const final = await waitForFinal(b.call, taskId);
      expect(final).toMatchObject({ status: 'failed', error_message: 'cancelled', active_run: null });
      expect(step(final, 'ddl_generation')).toMatchObject({ step_status: 'failed', error_message: 'cancelled' });
      expect(step(final, 'qa_generation').step_status).toBe('pending');
      expect(await getTask(a.call, taskId)).toMatchObject({ status: 'failed', error_message: 'cancelled' });
      expect(await runRows(a.server.ctx.services.store, taskId)).toEqual([expect.objectContaining({ run_id: runId, status: 'failed', reason: 'cancelled' })]);
    } finally {
      gate.release();
    }
  });
});

describe('restart recovery', () => {
  it('embedded store: after a SIGKILL mid-run, the next server marks the run interrupted and accepts a new execute', async () => {
    const root = await tempDir('dp-restart-');
    const env = { DP_STORE_DIR: path.join(root, 'store'), DP_TRAINING_DATA_DIR: path.join(root, 'training_data'), ...llmEnv(llm) };
    llm.reset();
    slowLlm(llm);
    const first = await spawnServer(env);
    const taskId = await createSourceTask(first.call);
    const accepted = await execute(first.call, taskId);
    expect(accepted.status).toBe(202);
    const runId = accepted.body.data.run_id as string;
    await waitForRunningStep(first.call, taskId, llm);
    expect(await first.stop('SIGKILL')).toMatchObject({ signal: 'SIGKILL' });

    llm.reset();
    llm.setDefaultChat(answerWell);
    const second = await startTestServer({ store: 'embedded', root, env: llmEnv(llm) });
    try {
      const task = await getTask(second.call, taskId);
      expect(task.status).toBe('failed');
      expect(task.error_message).toMatch(/^interrupted/);
      expect(task.active_run).toBeNull();
      expect(task.completed_at).not.toBeNull();
      expect(step(task, 'ddl_generation')).toMatchObject({ step_status: 'failed', error_message: 'interrupted' });
      expect(step(task, 'qa_generation').step_status).toBe('pending');
      expect(await runRows(second.server.ctx.services.store, taskId)).toEqual([
        expect.objectContaining({ run_id: runId, status: 'failed', reason: 'interrupted' }),
      ]);

      const again = await execute(second.call, taskId);
      expect(again.status).toBe(202);
      expect(again.body.data.run_id).not.toBe(runId);
      const final = await waitForFinal(second.call, taskId);
      expect(final).toMatchObject({ status: 'completed', error_message: null });
    } finally {
      await second.close();
    }
  });

  it('PostgreSQL store: a process killed mid-run is marked interrupted by another process once its heartbeat expires', async () => {
    const store = await createScratchDatabase('dp_orphan');
    const root = await tempDir('dp-orphan-');
    const env = {
      DP_STORE_URL: store.url,
      DP_TRAINING_DATA_DIR: path.join(root, 'training_data'),
      DP_HEARTBEAT_MS: '200',
      DP_RUN_TTL_MS: '3000',
      ...llmEnv(llm),
    };
    let survivor: TestServer | undefined;
    try {
      survivor = await startTestServer({ root, env });
      const doomed = await spawnServer(env);
      llm.reset();
      slowLlm(llm);
      const taskId = await createSourceTask(doomed.call);
      const accepted = await execute(doomed.call, taskId);
      expect(accepted.status).toBe(202);
      const runId = accepted.body.data.run_id as string;
      await waitForRunningStep(survivor.call, taskId, llm);
      expect(await doomed.stop('SIGKILL')).toMatchObject({ signal: 'SIGKILL' });

      // Still active on the survivor until the TTL passes; then failed/interrupted.
      const task = await waitForFinal(survivor.call, taskId);
      expect(task.status).toBe('failed');
      expect(task.error_message).toMatch(/^interrupted/);
      expect(step(task, 'ddl_generation')).toMatchObject({ step_status: 'failed', error_message: 'interrupted' });
      expect(await runRows(survivor.server.ctx.services.store, taskId)).toEqual([
        expect.objectContaining({ run_id: runId, status: 'failed', reason: 'interrupted' }),
      ]);

      llm.reset();
      llm.setDefaultChat(answerWell);
      const again = await execute(survivor.call, taskId);
      expect(again.status).toBe(202);
      expect(await waitForFinal(survivor.call, taskId)).toMatchObject({ status: 'completed', error_message: null });
    } finally {
      await survivor?.close();
      await store.drop();
    }
  });
});

describe('graceful shutdown', () => {
  /** Reads the store of a stopped server without starting one (a start also ends orphaned runs). */
  async function recorded(root: string, taskId: string) {
    const db = await openStoreDatabase(undefined, path.join(root, 'store'));
    try {
      const store = new TaskStore(db);
      const detail = await store.getTaskDetail(taskId);
      return { detail, runs: await runRows(store, taskId) };
    } finally {
      await db.close();
    }
  }

  it.each([
    ['within the grace period', '30000'],
    ['with no grace period', '0'],
  ])('SIGTERM during a run (%s): exits 0 and the task is recorded failed (interrupted)', async (_label, grace) => {
    const root = await tempDir('dp-sigterm-');
    const env = { DP_STORE_DIR: path.join(root, 'store'), DP_TRAINING_DATA_DIR: path.join(root, 'training_data'), DP_SHUTDOWN_GRACE_MS: grace, ...llmEnv(llm) };
    llm.reset();
    slowLlm(llm);
    const server = await spawnServer(env);
    const taskId = await createSourceTask(server.call);
    const accepted = await execute(server.call, taskId);
    expect(accepted.status).toBe(202);
    const runId = accepted.body.data.run_id as string;
    await waitForRunningStep(server.call, taskId, llm);

    const exit = await server.stop('SIGTERM');
    expect(exit, server.output()).toEqual({ code: 0, signal: null });

    const { detail, runs } = await recorded(root, taskId);
    expect(detail?.task.status).toBe('failed');
    expect(detail?.task.error_message).toMatch(/^interrupted/);
    expect(detail?.activeRun).toBeUndefined();
    expect(detail?.steps.find((s) => s.step_name === 'ddl_generation')).toMatchObject({ step_status: 'failed', error_message: 'interrupted' });
    expect(detail?.steps.some((s) => s.step_status === 'running')).toBe(false);
    expect(runs).toEqual([expect.objectContaining({ run_id: runId, status: 'failed', reason: 'interrupted' })]);

    // A new server on the same store shows the same and runs the task again.
    llm.reset();
    llm.setDefaultChat(answerWell);
    const next = await startTestServer({ store: 'embedded', root, env: llmEnv(llm) });
    try {
      const task = await getTask(next.call, taskId);
      expect(task).toMatchObject({ status: 'failed', active_run: null });
      expect(task.error_message).toMatch(/^interrupted/);
      expect(step(task, 'ddl_generation').step_status).toBe('failed');
      expect((await execute(next.call, taskId)).status).toBe(202);
      expect(await waitForFinal(next.call, taskId)).toMatchObject({ status: 'completed' });
    } finally {
      await next.close();
    }
  });
});

describe('cancel', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ env: { ...llmEnv(llm), DP_MAX_CONCURRENT_TASKS: '1' } });
  });
  afterAll(async () => server?.close());

  it('stops a running run: failed, error "cancelled", the running step failed', async () => {
    llm.reset();
    const gate = holdLlm(llm);
    try {
      const taskId = await createSourceTask(server.call);
      const accepted = await execute(server.call, taskId);
      const runId = accepted.body.data.run_id as string;
      await waitForRunningStep(server.call, taskId, llm);
      const cancel = await server.call('POST', `${BASE}/${taskId}/cancel`);
      expect(cancel.status).toBe(200);
      expect(cancel.body.data).toMatchObject({ task_id: taskId, run_id: runId });

      const final = await waitForFinal(server.call, taskId);
      expect(final).toMatchObject({ status: 'failed', error_message: 'cancelled', active_run: null });
      expect(final.completed_at).not.toBeNull();
      expect(step(final, 'ddl_generation')).toMatchObject({ step_status: 'failed', error_message: 'cancelled' });
      expect(step(final, 'qa_generation').step_status).toBe('pending');
      expect(await runRows(server.server.ctx.services.store, taskId)).toEqual([
        expect.objectContaining({ run_id: runId, status: 'failed', reason: 'cancelled' }),
      ]);
    } finally {
      gate.release();
    }
  });

  it('ends a queued run before it starts (one slot, two tasks)', async () => {
    llm.reset();
    const gate = holdLlm(llm);
    try {
      const first = await createSourceTask(server.call, ['regions']);
      const second = await createSourceTask(server.call, ['stores']);
      expect((await execute(server.call, first)).status).toBe(202);
      await waitForRunningStep(server.call, first, llm);
      const queued = await execute(server.call, second);
      expect(queued.status).toBe(202);
      const queuedRun = queued.body.data.run_id as string;
      expect((await getTask(server.call, second)).active_run).toMatchObject({ run_id: queuedRun, status: 'queued' });

      const cancel = await server.call('POST', `${BASE}/${second}/cancel`);
      expect(cancel.status).toBe(200);
      const cancelled = await waitForFinal(server.call, second);
      expect(cancelled).toMatchObject({ status: 'failed', error_message: 'cancelled', started_at: null, active_run: null });

      // The slot frees up; the cancelled run still never starts.
      gate.release();
      expect(await waitForFinal(server.call, first)).toMatchObject({ status: 'completed' });
      const after = await getTask(server.call, second);
      expect(after).toMatchObject({ status: 'failed', error_message: 'cancelled', started_at: null });
      for (const s of after.steps) expect(s).toMatchObject({ step_status: 'pending', started_at: null });
      expect(await runRows(server.server.ctx.services.store, second)).toEqual([
        expect.objectContaining({ run_id: queuedRun, status: 'failed', reason: 'cancelled', started_at: null }),
      ]);
      expect(await eventTypes(server.server.ctx.services.store, second)).not.toContain('run_started');
    } finally {
      gate.release();
    }
  });

  it('answers 409 when there is no active run', async () => {
    const taskId = await createSourceTask(server.call);
    const response = await server.call('POST', `${BASE}/${taskId}/cancel`);
    expect(response.status).toBe(409);
    expect(response.body).toMatchObject({ success: false, data: { error_code: 'NO_ACTIVE_RUN' } });
    expect(response.body.message).toContain(taskId);
  });
});

describe('runs that end outside their owner', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ env: llmEnv(llm) });
  });
  afterAll(async () => server?.close());

  it('stops a run that another process declared orphaned, and leaves the recorded outcome alone', async () => {
    llm.reset();
    const gate = holdLlm(llm);
    try {
      const taskId = await createSourceTask(server.call);
      const accepted = await execute(server.call, taskId);
      const runId = accepted.body.data.run_id as string;
      await waitForRunningStep(server.call, taskId, llm);
      // What the sweeper of another process sharing the store does when this one seems gone.
      const store = server.server.ctx.services.store;
      expect((await store.expireRuns({ all: true })).map((r) => r.run_id)).toEqual([runId]);

      // The owner notices at its next heartbeat and stops the run (the LLM answer is still held).
      const runner = server.server.ctx.services.runner;
      await waitUntil('the owner to stop the run', async () => runner.activeCount === 0);
      const task = await getTask(server.call, taskId);
      expect(task).toMatchObject({ status: 'failed', active_run: null });
      expect(task.error_message).toMatch(/^interrupted/);
      expect(step(task, 'ddl_generation')).toMatchObject({ step_status: 'failed', error_message: 'interrupted' });
      expect(step(task, 'qa_generation').step_status).toBe('pending');
      expect(await runRows(store, taskId)).toEqual([expect.objectContaining({ run_id: runId, status: 'failed', reason: 'interrupted' })]);
      expect((await eventTypes(store, taskId)).filter((t) => t === 'run_finished')).toHaveLength(1);

      gate.release();
      llm.setDefaultChat(answerWell);
      expect((await execute(server.call, taskId)).status).toBe(202);
      expect(await waitForFinal(server.call, taskId)).toMatchObject({ status: 'completed', error_message: null });
    } finally {
      gate.release();
    }
  });

  it('survives a store error while recording the end of a run; the run still reaches a final status', async () => {
    llm.reset();
    llm.setDefaultChat(answerWell);
    const store = server.server.ctx.services.store;
    const taskId = await createSourceTask(server.call);
    const finishRun = store.finishRun.bind(store);
    let failures = 0;
    // The first attempt to record the end of this task's run fails.
    store.finishRun = async (run, outcome) => {
      if (run.task_id === taskId && failures === 0) {
        failures += 1;
        throw new Error('the store is unavailable');
      }
      return finishRun(run, outcome);
    };
    try {
      const accepted = await execute(server.call, taskId);
      const runId = accepted.body.data.run_id as string;
      // No longer beaten by its owner, the run is ended by the sweeper once its heartbeat expires.
      const task = await waitForFinal(server.call, taskId);
      expect(failures).toBe(1);
      expect(task.status).toBe('failed');
      expect(task.error_message).toMatch(/^interrupted/);
      expect(await runRows(store, taskId)).toEqual([expect.objectContaining({ run_id: runId, status: 'failed', reason: 'interrupted' })]);
      // The server still works.
      expect((await execute(server.call, taskId)).status).toBe(202);
      expect(await waitForFinal(server.call, taskId)).toMatchObject({ status: 'completed' });
    } finally {
      store.finishRun = finishRun;
    }
  });
});

describe('run bookkeeping', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ env: llmEnv(llm) });
  });
  afterAll(async () => server?.close());

  const taskDir = (taskId: string) => path.join(server.settings.trainingDataDir, taskId);

  it('refuses each step of an empty task with 400 naming what is missing', async () => {
    // (A complete run is accepted on an empty task, as the backup specification requires; its first step fails.)
    const taskId = await createSourceTask(server.call, null);
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ execution_mode: 'step', step_name: 'ddl_generation' }, /table_list\.txt/],
      [{ execution_mode: 'step', step_name: 'qa_generation' }, /\.ddl\/_detail\.md.*filename_mapping\.txt.*run ddl_generation first/],
      [{ execution_mode: 'step', step_name: 'sql_validation' }, /qs_\*_pair\.json.*run qa_generation first/],
      [{ execution_mode: 'step', step_name: 'training_load' }, /nothing to load/],
    ];
    for (const [body, missing] of cases) {
      const response = await execute(server.call, taskId, body);
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(response.body).toMatchObject({ success: false, data: { error_code: 'PREREQUISITES_MISSING' } });
      expect(response.body.message).toMatch(missing);
      if (body.step_name) expect(response.body.message).toContain(String(body.step_name));
    }
    expect(await runRows(server.server.ctx.services.store, taskId)).toEqual([]);
    expect((await getTask(server.call, taskId)).status).toBe('pending');
  });

  it('resets the steps it runs and the task error on a new run (failed qa_generation, then a successful one)', async () => {
    llm.reset();
    llm.setDefaultChat(answerWell);
    const taskId = await createSourceTask(server.call);
    expect((await execute(server.call, taskId, { execution_mode: 'step', step_name: 'ddl_generation' })).status).toBe(202);
    const afterDdl = await waitForFinal(server.call, taskId);
    expect(afterDdl).toMatchObject({ status: 'partial_completed', error_message: null });
    const ddlStartedAt = step(afterDdl, 'ddl_generation').started_at as string;

    // An LLM answering 500 to everything: no pair can be generated.
    llm.setDefaultChat(() => ({ kind: 'status', status: 500, message: 'scripted outage' }));
    expect((await execute(server.call, taskId, { execution_mode: 'step', step_name: 'qa_generation' })).status).toBe(202);
    const failed = await waitForFinal(server.call, taskId);
    expect(failed.status).toBe('failed');
    expect(failed.error_message).toMatch(/qa_generation: no question\/SQL pair was generated/);
    expect(failed.completed_at).not.toBeNull();
    expect(step(failed, 'qa_generation')).toMatchObject({ step_status: 'failed', error_message: expect.stringMatching(/no question\/SQL pair/) });
    expect(step(failed, 'qa_generation').completed_at).not.toBeNull();

    // The next run of qa_generation, held mid-step: everything it runs is reset.
    llm.reset();
    const gate = holdLlm(llm);
    try {
      expect((await execute(server.call, taskId, { execution_mode: 'step', step_name: 'qa_generation' })).status).toBe(202);
      const during = await waitForRunningStep(server.call, taskId, llm, 'qa_generation');
      expect(during).toMatchObject({ status: 'in_progress', error_message: null, completed_at: null, current_step_name: 'qa_generation' });
      // The existing service's shape: the step being executed, with the execution running it.
      expect(during.current_step).toEqual({
        execution_id: during.active_run.run_id,
        step: 'qa_generation',
        status: 'running',
        started_at: step(during, 'qa_generation').started_at,
      });
      // The step records the execution that runs it; ddl_generation keeps the earlier run's.
      expect(step(during, 'qa_generation').execution_id).toBe(during.active_run.run_id);
      expect(step(during, 'ddl_generation').execution_id).toMatch(/^run_/);
      expect(step(during, 'ddl_generation').execution_id).not.toBe(during.active_run.run_id);
      expect(step(during, 'qa_generation')).toMatchObject({ step_status: 'running', error_message: null, completed_at: null });
      // Steps the run does not execute keep their record.
      expect(step(during, 'ddl_generation')).toMatchObject({ step_status: 'completed', started_at: ddlStartedAt });
    } finally {
      gate.release();
    }
    const final = await waitForFinal(server.call, taskId);
    expect(final).toMatchObject({ status: 'partial_completed', error_message: null });
    expect(final.completed_at).not.toBeNull();
    const qa = step(final, 'qa_generation');
    expect(qa).toMatchObject({ step_status: 'completed', error_message: null });
    expect(qa.counters.pairs).toBeGreaterThan(0);
    expect(qa.result.pair_file).toMatch(/^qs_.*_pair\.json$/);

    // Step mode writes {step}_result.json, the last run's outcome.
    const qaResult = JSON.parse(await fs.readFile(path.join(taskDir(taskId), 'qa_generation_result.json'), 'utf8'));
    expect(qaResult).toMatchObject({ task_id: taskId, step_name: 'qa_generation', step_status: 'completed', error_message: null });
    const ddlResult = JSON.parse(await fs.readFile(path.join(taskDir(taskId), 'ddl_generation_result.json'), 'utf8'));
    expect(ddlResult).toMatchObject({ step_name: 'ddl_generation', step_status: 'completed' });
  });

  it('shows counters during and after a complete run, and writes the config (no password), results and log', async () => {
    llm.reset();
    // The first table's comments pass; the others wait, so the run holds at 1 of 3 tables.
    const gate = holdLlm(llm, { pass: 1 });
    const taskId = await createSourceTask(server.call);
    try {
      expect((await execute(server.call, taskId)).status).toBe(202);
      const during = await waitUntil('ddl_generation progress 1 of 3', async () => {
        const task = await getTask(server.call, taskId);
        return step(task, 'ddl_generation').counters.progress?.done === 1 ? task : undefined;
      });
      expect(during.status).toBe('in_progress');
      expect(step(during, 'ddl_generation')).toMatchObject({ step_status: 'running', counters: { progress: { done: 1, total: 3, unit: 'tables' } } });
      expect(during.active_run).toMatchObject({ status: 'running', execution_mode: 'complete' });
    } finally {
      gate.release();
    }
    const final = await waitForFinal(server.call, taskId);
    expect(final).toMatchObject({ status: 'completed', error_message: null });
    expect(final.step_status).toEqual({ ddl_generation: 'completed', qa_generation: 'completed', sql_validation: 'completed', training_load: 'pending' });
    const ddl = step(final, 'ddl_generation');
    expect(ddl.counters).toMatchObject({ tables_total: 3, tables_done: 3, tables_failed: 0, progress: { done: 3, total: 3, unit: 'tables' } });
    expect(ddl.result.files).toEqual(expect.arrayContaining(['filename_mapping.txt']));
    expect(step(final, 'qa_generation').counters.pairs).toBeGreaterThan(0);
    expect(step(final, 'sql_validation').counters.pairs_valid).toBeGreaterThan(0);
    expect(final.result).toMatchObject({ status: 'completed', summary: { tables: 3 } });
    expect(JSON.stringify(final)).not.toContain(PASSWORD);

    const dir = taskDir(taskId);
    const configText = await fs.readFile(path.join(dir, 'task_config.json'), 'utf8');
    const config = JSON.parse(configText);
    expect(config).toMatchObject({ task_id: taskId, parameters: { db_connection: expect.stringContaining(':***@'), enable_training_data_load: false } });
    const result = JSON.parse(await fs.readFile(path.join(dir, 'task_result.json'), 'utf8'));
    expect(result).toMatchObject({ task_id: taskId, mode: 'complete', status: 'completed', summary: { tables: 3 } });
    const log = await fs.readFile(path.join(dir, 'data_pipeline.log'), 'utf8');
    expect(log).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \[INFO\] \S+: \[ddl_generation\] step ddl_generation started$/m);
    expect(log).toMatch(/\[sql_validation\] step sql_validation completed/);
    for (const name of await fs.readdir(dir)) {
      const file = path.join(dir, name);
      if ((await fs.stat(file)).isFile()) expect(await fs.readFile(file, 'utf8'), name).not.toContain(PASSWORD);
    }
  });
});
