/**
 * Runs that end without their process: when the runner records them failed (interrupted) — at
 * start, or when another process's heartbeat expired — the task directory says so too: the result
 * file the orchestrator writes for a failed run, with the steps as recorded, and a last log line.
 * The runner on a PostgreSQL store, with runs of a "dead" process set up through the store.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresDatabase } from '../src/db/postgres-database.js';
import { DataRoot } from '../src/task-directory/data-root.js';
import { TaskEventHub } from '../src/tasks/event-hub.js';
import { TaskRunner } from '../src/tasks/runner.js';
import { migrate } from '../src/tasks/store/migrate.js';
import { TaskStore, type RunOptions, type RunRecord } from '../src/tasks/store/task-store.js';
import { parseLogLine } from '../src/task-directory/task-log.js';
import type { StepName } from '../src/workflow/steps/catalog.js';
import { createScratchDatabase, makeTempDir, testSettings, type ScratchDatabase } from './support/env.js';
import { waitUntil } from './support/run-helpers.js';
import { newTask, PLAIN_RUN_OPTIONS } from './support/task-fixtures.js';
import { STEP_NAMES } from '../src/workflow/steps/catalog.js';

const INTERRUPTED = 'interrupted: the process running this task stopped before it finished';
const iso = (text: string | null) => (text === null ? null : new Date(text).toISOString());

describe('runs ended as interrupted, in their task directories', () => {
  let scratch: ScratchDatabase;
  let db: PostgresDatabase;
  let store: TaskStore;
  let root: string;
  let dataRoot: DataRoot;
  let runner: TaskRunner;

  beforeAll(async () => {
    scratch = await createScratchDatabase('dp_interrupted');
    db = await PostgresDatabase.connect(scratch.url, { maxConnections: 4 });
    await migrate(db);
    store = new TaskStore(db, Number.POSITIVE_INFINITY);
    root = await makeTempDir('dp-interrupted-');
    dataRoot = await DataRoot.open(path.join(root, 'training_data'));
    const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };
    runner = new TaskRunner({
      store,
      dataRoot,
      settings: testSettings(root),
      events: new TaskEventHub(store),
      log: quiet,
      owner: 'survivor',
      maxConcurrent: 1,
      heartbeatMs: 50,
      runTtlMs: 60_000,
    });
  });
  afterAll(async () => {
    await runner?.shutdown(0);
    await db?.close();
    await scratch?.drop();
    await fs.rm(root, { recursive: true, force: true });
  });

  /** A run of a process that then died: claimed, started, its steps as far as it got, no more heartbeats. */
  async function runOfDeadProcess(
    taskId: string,
    run: { mode: 'complete' | 'step'; step?: StepName; steps: StepName[]; options?: Partial<RunOptions> },
    progress: (run: RunRecord) => Promise<void>,
  ): Promise<RunRecord> {
    const claim = await store.claimRun({
      taskId,
      mode: run.mode,
      step: run.step ?? null,
      options: { ...PLAIN_RUN_OPTIONS, ...run.options },
      owner: 'dead-process',
    });
    if (!('run' in claim)) throw new Error('no claim');
    expect(await store.startRun(claim.run, run.steps)).toBe(true);
    await progress(claim.run);
    await db.query(`UPDATE dp_task_runs SET heartbeat_at = now() - interval '1 hour' WHERE run_id = $1`, [claim.run.run_id]);
    return claim.run;
  }

  const taskDir = (taskId: string) => path.join(dataRoot.path, taskId);
  const readJson = async (taskId: string, name: string): Promise<unknown> => JSON.parse(await fs.readFile(path.join(taskDir(taskId), name), 'utf8'));
  const logLines = async (taskId: string) => (await fs.readFile(path.join(taskDir(taskId), 'data_pipeline.log'), 'utf8')).split('\n');

  it('at start: a complete run gets task_result.json and a step run its result file, both failed (interrupted), and a last log line', async () => {
    const BACKUP = { performed: true, backup_directory: 'file_bak_20250101_120000', moved_files: 3 };
    await store.createTask({ ...newTask('task_complete'), parameters: { ...newTask('x').parameters, enable_training_data_load: false } });
    const complete = await runOfDeadProcess(
      'task_complete',
      { mode: 'complete', steps: ['ddl_generation', 'qa_generation', 'sql_validation'], options: { backup: BACKUP } },
      async () => {
        await store.stepStarted('task_complete', 'ddl_generation');
        await store.stepFinished('task_complete', 'ddl_generation', {
          status: 'completed',
          error: null,
          counters: { tables_total: 3, tables_done: 3, tables_failed: 0, files_written: 7 },
          result: { files: ['orders.ddl'] },
        });
        await store.stepStarted('task_complete', 'qa_generation');
      },
    );
    await fs.mkdir(taskDir('task_complete'));
    // The log as the killed process left it: its last line cut short.
    const cut = '2025-01-01 12:00:01 [INFO] data_pipeline.qa_generation: [qa_generation] theme "Sal';
    await fs.writeFile(
      path.join(taskDir('task_complete'), 'data_pipeline.log'),
      `2025-01-01 12:00:00 [INFO] data_pipeline.qa_generation: [qa_generation] step qa_generation started\n${cut}`,
    );

    await store.createTask(newTask('task_step'));
    const stepRun = await runOfDeadProcess('task_step', { mode: 'step', step: 'qa_generation', steps: ['qa_generation'] }, async () => {
      await store.stepStarted('task_step', 'qa_generation');
    });
    await fs.mkdir(taskDir('task_step'));
    await fs.writeFile(
      path.join(taskDir('task_step'), 'data_pipeline.log'),
      '2025-01-01 12:00:00 [INFO] data_pipeline.qa_generation: [qa_generation] step qa_generation started\n',
    );
    // The outcome of an earlier run of the step, which no longer holds.
    await fs.writeFile(
      path.join(taskDir('task_step'), 'qa_generation_result.json'),
      JSON.stringify({ task_id: 'task_step', step_name: 'qa_generation', step_status: 'completed' }),
    );

    await runner.start({ exclusiveStore: false });

    // The complete run: what the orchestrator writes for a failed run, from the records.
    const ended = (await store.getRun(complete.run_id)) as RunRecord;
    expect(ended).toMatchObject({ status: 'failed', reason: 'interrupted', error_message: INTERRUPTED });
    const steps = await store.getSteps('task_complete');
    const recorded = (name: StepName) => steps.find((s) => s.step_name === name);
    const times = (name: StepName) => {
      const s = recorded(name);
      const started = iso(s?.started_at ?? null);
      const completed = iso(s?.completed_at ?? null);
      return { started_at: started, completed_at: completed, duration_ms: started && completed ? Date.parse(completed) - Date.parse(started) : null };
    };
    const ddlTimes = times('ddl_generation');
    const ddlArtifact = { total_tables: 3, processed_successfully: 3, failed: 0, files_generated: 7, duration: (ddlTimes.duration_ms ?? 0) / 1000 };
    expect(await readJson('task_complete', 'task_result.json')).toEqual({
      task_id: 'task_complete',
      mode: 'complete',
      status: 'failed',
      error_message: INTERRUPTED,
      started_at: iso(ended.started_at),
      completed_at: iso(ended.finished_at),
      duration_ms: Date.parse(iso(ended.finished_at) as string) - Date.parse(iso(ended.started_at) as string),
      output_directory: taskDir('task_complete'),
      steps: [
        {
          step_name: 'ddl_generation',
          step_status: 'completed',
          ...times('ddl_generation'),
          error_message: null,
          counters: { tables_total: 3, tables_done: 3, tables_failed: 0, files_written: 7 },
          result: { files: ['orders.ddl'] },
        },
        { step_name: 'qa_generation', step_status: 'failed', ...times('qa_generation'), error_message: 'interrupted', counters: {}, result: {} },
        {
          step_name: 'sql_validation',
          step_status: 'pending',
          started_at: null,
          completed_at: null,
          duration_ms: null,
          error_message: null,
          counters: {},
          result: {},
        },
        {
          step_name: 'training_load',
          step_status: 'skipped',
          started_at: null,
          completed_at: null,
          duration_ms: null,
          error_message: null,
          counters: {},
          result: {},
        },
      ],
      summary: { tables: 3, tables_failed: 0, pairs: 0, pairs_valid: null, validation_rate: null, vectors: 0, files: 7 },
      llm_usage: null,
      reuse: null,
      warnings: null,
      backup: BACKUP,
      // The existing service's keys, for its readers.
      success: false,
      workflow_state: {
        start_time: Date.parse(iso(ended.started_at) as string) / 1000,
        end_time: Date.parse(iso(ended.finished_at) as string) / 1000,
        current_step: 'question_sql_generation',
        completed_steps: ['ddl_md_generation'],
        failed_steps: ['question_sql_generation'],
        artifacts: { ddl_md_generation: ddlArtifact },
        statistics: { step1_duration: ddlArtifact.duration },
      },
      artifacts: { ddl_md_generation: ddlArtifact },
    });
    expect(recorded('qa_generation')?.step_status).toBe('failed');
    expect(await store.getTask('task_complete')).toMatchObject({ status: 'failed', error_message: INTERRUPTED });
    const lines = await logLines('task_complete');
    // The cut line stays as it was, on its own line; the new one follows it.
    expect(lines.slice(1)).toEqual([cut, expect.any(String), '']);
    expect(parseLogLine(lines[2] as string)).toMatchObject({
      level: 'ERROR',
      logger: 'data_pipeline.workflow',
      step: 'workflow',
      message: `task task_complete failed: ${INTERRUPTED} (run ${complete.run_id})`,
    });

    // The step run: its own result file, replacing the earlier run's.
    const stepEnded = (await store.getSteps('task_step')).find((s) => s.step_name === 'qa_generation');
    const started = iso(stepEnded?.started_at ?? null) as string;
    const completed = iso(stepEnded?.completed_at ?? null) as string;
    expect(await readJson('task_step', 'qa_generation_result.json')).toEqual({
      task_id: 'task_step',
      step_name: 'qa_generation',
      step_status: 'failed',
      started_at: started,
      completed_at: completed,
      duration_ms: Date.parse(completed) - Date.parse(started),
      error_message: 'interrupted',
      counters: {},
      result: {},
    });
    expect((await fs.readdir(taskDir('task_step'))).sort()).toEqual(['data_pipeline.log', 'qa_generation_result.json']);
    const stepLines = await logLines('task_step');
    expect(stepLines).toHaveLength(3);
    expect(parseLogLine(stepLines[1] as string)).toMatchObject({ level: 'ERROR', message: `task task_step failed: ${INTERRUPTED} (run ${stepRun.run_id})` });
  });

  it('a complete run still queued when its process died gets task_result.json (failed, interrupted, its steps pending) and its log; a queued step run a log line; other claims nothing', async () => {
    /** A claim of a process that died before starting it (queued behind other runs); this runner's sweep ends it. */
    const queuedOfDeadProcess = async (taskId: string, mode: 'complete' | 'step' | 'restore', options: Partial<RunOptions> = {}): Promise<RunRecord> => {
      const claim = await store.claimRun({
        taskId,
        mode,
        step: mode === 'step' ? 'qa_generation' : null,
        options: { ...PLAIN_RUN_OPTIONS, ...options },
        owner: 'dead-process',
      });
      if (!('run' in claim)) throw new Error('no claim');
      await db.query(`UPDATE dp_task_runs SET heartbeat_at = now() - interval '1 hour' WHERE run_id = $1`, [claim.run.run_id]);
      return claim.run;
    };
    const BACKUP = { performed: true, backup_directory: 'file_bak_20250102_090000', moved_files: 2 };
    const BACKUP_LOG = [{ level: 'INFO' as const, message: 'backed up 2 files to file_bak_20250102_090000' }];

    // A complete run: the pre-run backup moved the earlier files away before it was queued.
    await store.createTask(newTask('task_queued'));
    await fs.mkdir(path.join(taskDir('task_queued'), 'file_bak_20250102_090000'), { recursive: true });
    await fs.writeFile(path.join(taskDir('task_queued'), 'table_list.txt'), 'orders\n');
    // Step rows of an earlier run: not this run's.
    await store.stepStarted('task_queued', 'ddl_generation');
    await store.stepFinished('task_queued', 'ddl_generation', { status: 'completed', error: null, counters: { tables_done: 1 }, result: {} });
    // A step run: the step's earlier result still holds (nothing ran).
    await store.createTask(newTask('task_queued_step'));
    await fs.mkdir(taskDir('task_queued_step'));
    const earlier = JSON.stringify({ task_id: 'task_queued_step', step_name: 'qa_generation', step_status: 'completed' });
    await fs.writeFile(path.join(taskDir('task_queued_step'), 'qa_generation_result.json'), earlier);
    // A restore claim: not a run.
    await store.createTask(newTask('task_restore'));
    await fs.mkdir(taskDir('task_restore'));
    await fs.writeFile(path.join(taskDir('task_restore'), 'table_list.txt'), 'orders\n');

    const queued = await queuedOfDeadProcess('task_queued', 'complete', { backup: BACKUP, backup_log: BACKUP_LOG });
    const queuedStep = await queuedOfDeadProcess('task_queued_step', 'step');
    const restore = await queuedOfDeadProcess('task_restore', 'restore');
    await waitUntil('the sweep to end the three claims', async () => {
      const runs = await Promise.all([queued, queuedStep, restore].map((r) => store.getRun(r.run_id)));
      return runs.every((r) => r?.status === 'failed') ? true : undefined;
    });

    const ended = (await store.getRun(queued.run_id)) as RunRecord;
    expect(ended).toMatchObject({ status: 'failed', reason: 'interrupted', error_message: INTERRUPTED, started_at: null });
    const pending = (step_name: StepName) => ({
      step_name,
      step_status: 'pending',
      started_at: null,
      completed_at: null,
      duration_ms: null,
      error_message: null,
      counters: {},
      result: {},
    });
    expect(await readJson('task_queued', 'task_result.json')).toEqual({
      task_id: 'task_queued',
      mode: 'complete',
      status: 'failed',
      error_message: INTERRUPTED,
      started_at: iso(ended.created_at),
      completed_at: iso(ended.finished_at),
      duration_ms: Date.parse(iso(ended.finished_at) as string) - Date.parse(iso(ended.created_at) as string),
      output_directory: taskDir('task_queued'),
      steps: [pending('ddl_generation'), pending('qa_generation'), pending('sql_validation'), pending('training_load')],
      summary: { tables: 0, tables_failed: 0, pairs: 0, pairs_valid: null, validation_rate: null, vectors: 0, files: 0 },
      llm_usage: null,
      reuse: null,
      warnings: null,
      backup: BACKUP,
      success: false,
      workflow_state: {
        start_time: Date.parse(iso(ended.created_at) as string) / 1000,
        end_time: Date.parse(iso(ended.finished_at) as string) / 1000,
        current_step: null,
        completed_steps: [],
        failed_steps: [],
        artifacts: {},
        statistics: {},
      },
      artifacts: {},
    });
    const lines = await logLines('task_queued');
    expect(lines).toHaveLength(3);
    expect(parseLogLine(lines[0] as string)).toMatchObject({ level: 'INFO', logger: 'data_pipeline.backup', step: 'backup', message: BACKUP_LOG[0]?.message });
    expect(parseLogLine(lines[1] as string)).toMatchObject({
      level: 'ERROR',
      logger: 'data_pipeline.workflow',
      message: `task task_queued failed before it started: ${INTERRUPTED} (run ${queued.run_id})`,
    });

    expect(await store.getRun(queuedStep.run_id)).toMatchObject({ status: 'failed', reason: 'interrupted' });
    expect((await fs.readdir(taskDir('task_queued_step'))).sort()).toEqual(['data_pipeline.log', 'qa_generation_result.json']);
    expect(await fs.readFile(path.join(taskDir('task_queued_step'), 'qa_generation_result.json'), 'utf8')).toBe(earlier);
    const stepLines = await logLines('task_queued_step');
    expect(stepLines).toHaveLength(2);
    expect(parseLogLine(stepLines[0] as string)?.message).toBe(`task task_queued_step failed before it started: ${INTERRUPTED} (run ${queuedStep.run_id})`);

    expect(await store.getRun(restore.run_id)).toMatchObject({ status: 'failed', reason: 'interrupted' });
    expect(await fs.readdir(taskDir('task_restore'))).toEqual(['table_list.txt']);
  });

  it('at a graceful stop: a complete run still queued gets task_result.json and a log line too', async () => {
    const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };
    const stopping = new TaskRunner({
      store,
      dataRoot,
      settings: testSettings(root),
      events: new TaskEventHub(store),
      log: quiet,
      owner: 'stopping',
      maxConcurrent: 1,
      heartbeatMs: 50,
      runTtlMs: 60_000,
    });
    const claims: RunRecord[] = [];
    for (const id of ['task_stop_running', 'task_stop_queued']) {
      await store.createTask(newTask(id));
      await fs.mkdir(taskDir(id));
      await fs.writeFile(path.join(taskDir(id), 'table_list.txt'), 'orders\n');
      const claim = await store.claimRun({ taskId: id, mode: 'complete', step: null, options: PLAIN_RUN_OPTIONS, owner: 'stopping' });
      if (!('run' in claim)) throw new Error('no claim');
      claims.push(claim.run);
    }
    // One slot: the first runs, the second waits in the queue when the stop comes.
    for (const run of claims) stopping.enqueue(run);
    await stopping.shutdown(60_000);
    const queued = (await store.getRun((claims[1] as RunRecord).run_id)) as RunRecord;
    expect(queued).toMatchObject({ status: 'failed', reason: 'interrupted', error_message: 'interrupted: the server stopped', started_at: null });
    expect(await readJson('task_stop_queued', 'task_result.json')).toMatchObject({
      status: 'failed',
      error_message: 'interrupted: the server stopped',
      steps: STEP_NAMES.map((step_name) => ({ step_name, step_status: 'pending' })),
    });
    const lines = await logLines('task_stop_queued');
    expect(parseLogLine(lines[0] as string)?.message).toBe(
      `task task_stop_queued failed before it started: interrupted: the server stopped (run ${queued.run_id})`,
    );
  });

  it('by the heartbeat sweep: a run of another process that stopped beating gets its files when it is ended', async () => {
    const run = await runOfDeadProcess('task_complete', { mode: 'complete', steps: ['ddl_generation', 'qa_generation', 'sql_validation'] }, async () => {
      await store.stepStarted('task_complete', 'ddl_generation');
    });
    const ended = await waitUntil('the sweep to end the run', async () => {
      const r = await store.getRun(run.run_id);
      return r?.status === 'failed' ? r : undefined;
    });
    // The files are written in the transaction that ends the run: they are there as soon as it shows.
    expect(await readJson('task_complete', 'task_result.json')).toMatchObject({
      status: 'failed',
      error_message: INTERRUPTED,
      started_at: iso(ended.started_at),
      completed_at: iso(ended.finished_at),
      steps: [
        { step_name: 'ddl_generation', step_status: 'failed', error_message: 'interrupted' },
        { step_name: 'qa_generation', step_status: 'pending' },
        { step_name: 'sql_validation', step_status: 'pending' },
        { step_name: 'training_load', step_status: 'skipped' },
      ],
      backup: null,
    });
    const lines = await logLines('task_complete');
    expect(parseLogLine(lines[lines.length - 2] as string)?.message).toBe(`task task_complete failed: ${INTERRUPTED} (run ${run.run_id})`);
  });
});
