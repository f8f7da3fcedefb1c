/**
 * Runs claimed task runs in this process: a queue with a bounded number of concurrent runs, a
 * heartbeat that keeps their claims alive (and notices cancellations requested through another
 * process), a sweeper that ends runs whose owner stopped beating, and a graceful shutdown.
 * Step rows, counters and events are recorded as the workflow reports them.
 */
import type { Settings } from '../config/settings.js';
import type { SqlDatabase } from '../db/sql-database.js';
import type { SourceConnection } from '../source/source-database.js';
import { redactSecrets } from '../util/redact.js';
import { runSecrets, runWorkflow, type WorkflowResult } from '../workflow/orchestrator.js';
import {
  executionOptionsOf,
  perRunOverridesOf,
  resolveRunOptions,
  taskOptionsFromRecord,
  workflowOptions,
  type WorkflowOptions,
} from '../workflow/run-options.js';
import type { WorkflowEvent } from '../workflow/workflow-types.js';
import { stepsOfCompleteRun, type StepName } from '../workflow/steps/catalog.js';
import type { DataRoot } from '../task-directory/data-root.js';
import type { TaskEventHub } from './event-hub.js';
import { writeInterruptedRunFiles } from './interrupted-run.js';
import type { EndedRun, FinishOptions, RunRecord, TaskRecord, TaskStore } from './store/task-store.js';
import { taskStatusAfterRun } from './task-status.js';

export interface RunnerLogger {
  info(obj: Record<string, unknown>, msg: string): void;
  warn(obj: Record<string, unknown>, msg: string): void;
  error(obj: Record<string, unknown>, msg: string): void;
}

export interface RunnerOptions {
  store: TaskStore;
  dataRoot: DataRoot;
  settings: Settings;
  events: TaskEventHub;
  log: RunnerLogger;
  /** Identifies this process in run records. */
  owner: string;
  maxConcurrent: number;
  heartbeatMs: number;
  /** A run whose heartbeat is older than this is considered orphaned. */
  runTtlMs: number;
  /** The store database, when vectors go to the same (embedded) store the server holds open. */
  sharedStore?: SqlDatabase;
  /** The bundled sample database, opened once and shared by the runs that use it. */
  sampleSource?: () => Promise<SourceConnection>;
}

interface ActiveRun {
  run: RunRecord;
  controller: AbortController;
  done: Promise<void>;
}

/** What a run does: the task's target and task options, and the execute request's options. */
export function optionsForRun(task: TaskRecord, run: RunRecord): WorkflowOptions {
  return workflowOptions({
    task_id: task.task_id,
    db_connection: task.db_connection,
    db_name: task.db_name ?? undefined,
    business_context: task.business_context,
    ...taskOptionsFromRecord(task.parameters),
    ...perRunOverridesOf(run.options),
    ...executionOptionsOf(resolveRunOptions(run.options)),
  });
}

export class TaskRunner {
  private readonly queue: RunRecord[] = [];
  private readonly active = new Map<string, ActiveRun>();
  /** Claims held by request handlers (restores), kept alive by the heartbeat like runs. */
  private readonly held = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private stopping = false;
  /** Runs ended as interrupted also say so in their task directories, before any later run can claim the task. */
  private readonly interrupted: FinishOptions = { whileEnding: (ended) => this.recordInterrupted(ended) };

  constructor(private readonly o: RunnerOptions) {}

  /** Ends orphaned runs (all of them for a store only this process can open), then starts beating. */
  async start(options: { exclusiveStore: boolean }): Promise<void> {
    const expired = await this.o.store.expireRuns(options.exclusiveStore ? { all: true } : { ttlMs: this.o.runTtlMs }, this.interrupted);
    for (const run of expired) this.o.log.warn({ task_id: run.task_id, run_id: run.run_id }, 'run interrupted by a previous stop; marked failed');
    this.timer = setInterval(() => void this.beat(), this.o.heartbeatMs);
    this.timer.unref();
  }

  /** This process's id in run records. */
  get owner(): string {
    return this.o.owner;
  }

  get activeCount(): number {
    return this.active.size;
  }

  /** Runs `work` while holding a claim that is not a workflow run; the heartbeat keeps it alive. */
  async holding<T>(run: RunRecord, work: () => Promise<T>): Promise<T> {
    this.held.add(run.run_id);
    try {
      return await work();
    } finally {
      this.held.delete(run.run_id);
    }
  }

  /** Queues a claimed run; it starts when a slot is free. */
  enqueue(run: RunRecord): void {
    this.queue.push(run);
    this.pump();
  }

  private pump(): void {
    while (!this.stopping && this.active.size < this.o.maxConcurrent && this.queue.length > 0) {
      const run = this.queue.shift() as RunRecord;
      const controller = new AbortController();
      const entry: ActiveRun = { run, controller, done: Promise.resolve() };
      this.active.set(run.run_id, entry);
      entry.done = this.execute(run, controller)
        // A run that cannot record its end is left to the sweeper (no heartbeat): never a crash.
        .catch((error: unknown) =>
          this.o.log.error({ task_id: run.task_id, run_id: run.run_id, error: redactSecrets(String(error)) }, 'cannot record the end of the run'),
        )
        .finally(() => {
          this.active.delete(run.run_id);
          this.pump();
        });
    }
  }

  /**
   * Cancels the task's active run: a local running run stops at its next safe point, a local queued
   * run ends at once; a run of another process stops when that process next beats.
   */
  async cancel(taskId: string): Promise<RunRecord | undefined> {
    const run = await this.o.store.requestCancel(taskId);
    if (!run) return undefined;
    const queuedAt = this.queue.findIndex((r) => r.run_id === run.run_id);
    if (queuedAt >= 0) {
      this.queue.splice(queuedAt, 1);
      await this.o.store.finishRun(run, { status: 'failed', reason: 'cancelled', error: 'cancelled', taskStatus: 'failed', result: null, llmUsage: null });
      this.o.events.notify(run.task_id);
    }
    this.active.get(run.run_id)?.controller.abort('cancelled');
    return run;
  }

  /** Stops taking work, interrupts running runs and waits for them to record a final status. */
  async shutdown(graceMs = 10_000): Promise<void> {
    this.stopping = true;
    if (this.timer) clearInterval(this.timer);
    for (const run of this.queue.splice(0)) {
      await this.o.store.finishRun(
        run,
        { status: 'failed', reason: 'interrupted', error: 'interrupted: the server stopped', taskStatus: 'failed', result: null, llmUsage: null },
        this.interrupted,
      );
    }
    for (const entry of this.active.values()) entry.controller.abort('interrupted');
    const all = Promise.all([...this.active.values()].map((e) => e.done));
    await Promise.race([all, new Promise((resolve) => setTimeout(resolve, graceMs).unref())]);
    // Runs that did not finish in time are ended here, so none stays in progress.
    await this.o.store.expireRuns({ owner: this.o.owner }, this.interrupted);
    await this.o.events.flush();
  }

  private async beat(): Promise<void> {
    try {
      const ids = [...this.active.keys(), ...this.queue.map((r) => r.run_id), ...this.held];
      const { cancelled, ended } = await this.o.store.heartbeat(ids);
      for (const id of cancelled) {
        const queued = this.queue.find((r) => r.run_id === id);
        if (queued) await this.cancel(queued.task_id);
        else this.active.get(id)?.controller.abort('cancelled');
      }
      // Runs ended elsewhere (another process found their heartbeat expired) must not go on.
      for (const id of ended) this.active.get(id)?.controller.abort('interrupted');
      // Our own live runs are spared even when this beat came late (a busy event loop).
      const expired = await this.o.store.expireRuns(
        { ttlMs: this.o.runTtlMs, except: [...this.active.keys(), ...this.queue.map((r) => r.run_id), ...this.held] },
        this.interrupted,
      );
      for (const run of expired) this.o.log.warn({ task_id: run.task_id, run_id: run.run_id }, 'run orphaned (no heartbeat); marked failed');
    } catch (error) {
      this.o.log.error({ error: redactSecrets(String(error)) }, 'heartbeat failed');
    }
  }

  /**
   * Writes the task directory's account of a run just ended as interrupted (its result file and a
   * last log line). Never throws: the run's end is recorded in the store whatever happens here.
   */
  private async recordInterrupted({ run, task, steps }: EndedRun): Promise<void> {
    const mode = run.execution_mode;
    // Restore, delete and upload claims are not runs: they have no result file or run log line.
    if (!task || (mode !== 'complete' && mode !== 'step') || (mode === 'step' && !run.step_name)) return;
    try {
      if (!(await this.o.dataRoot.exists(task.task_id))) return;
      const dir = await this.o.dataRoot.taskDir(task.task_id);
      // A run still queued: its complete run's pre-run backup has already moved the earlier files
      // (with their result and log) away, so the directory must say what became of it.
      const started = run.started_at !== null;
      await writeInterruptedRunFiles(dir, {
        taskId: task.task_id,
        runId: run.run_id,
        mode,
        steps: mode === 'complete' ? stepsOfCompleteRun(optionsForRun(task, run)) : [run.step_name as StepName],
        recorded: steps,
        startedAt: run.started_at ?? run.created_at,
        finishedAt: run.finished_at ?? new Date().toISOString(),
        error: run.error_message ?? 'interrupted',
        backup: run.options.backup ?? null,
        started,
        preamble: (run.options.backup_log ?? []).map((line) => ({ ...line, logger: 'data_pipeline.backup', step: 'backup' })),
      });
    } catch (error) {
      this.o.log.error(
        { task_id: run.task_id, run_id: run.run_id, error: redactSecrets(String(error)) },
        'cannot record the interrupted run in its task directory',
      );
    }
  }

  private async execute(run: RunRecord, controller: AbortController): Promise<void> {
    const { store, events, log } = this.o;
    const publish = (type: string, data: Record<string, unknown>) => events.publish({ task_id: run.task_id, run_id: run.run_id, type, data });
    // Store writes for one run happen in event order.
    let recording: Promise<void> = Promise.resolve();
    const record = (write: () => Promise<void>) => {
      recording = recording.then(write).catch((error) => log.error({ run_id: run.run_id, error: redactSecrets(String(error)) }, 'cannot record run progress'));
    };
    let result: WorkflowResult | undefined;
    let failure: string | undefined;
    /** The run's own secrets (its connection's password), masked by value in what it reports. */
    let secrets: string[] = [];
    try {
      const task = await store.getTask(run.task_id);
      if (!task) throw new Error(`task ${run.task_id} no longer exists`);
      const options = optionsForRun(task, run);
      secrets = runSecrets(options);
      const mode = run.execution_mode;
      if (mode !== 'complete' && mode !== 'step') throw new Error(`a ${mode} claim is not a workflow run`);
      const steps: StepName[] = mode === 'complete' ? stepsOfCompleteRun(options) : [run.step_name as StepName];
      if (!(await store.startRun(run, steps))) {
        await store.finishRun(run, { status: 'failed', reason: 'cancelled', error: 'cancelled', taskStatus: 'failed', result: null, llmUsage: null });
        events.notify(run.task_id);
        return;
      }
      publish('run_started', { mode, steps, step_name: run.step_name });
      log.info({ task_id: run.task_id, run_id: run.run_id, mode, steps }, 'run started');
      const dir = await this.o.dataRoot.taskDir(task.task_id, { create: true });
      const sharedSource = task.db_connection === 'sample' && this.o.sampleSource ? await this.o.sampleSource() : undefined;
      result = await runWorkflow({
        dir,
        settings: this.o.settings,
        options,
        mode,
        step: run.step_name ?? undefined,
        signal: controller.signal,
        sharedStore: this.o.sharedStore,
        sharedSource,
        preamble: (run.options.backup_log ?? []).map((line) => ({ ...line, logger: 'data_pipeline.backup', step: 'backup' })),
        backup: run.options.backup ?? null,
        task: { created_at: task.created_at, table_list_file: task.parameters.table_list_file ?? null },
        onEvent: (event: WorkflowEvent) => {
          if (event.type === 'step_started') record(() => store.stepStarted(run.task_id, event.step, run.run_id));
          if (event.type === 'progress') {
            const progress = { done: event.done, total: event.total, unit: event.unit };
            record(() => store.stepProgress(run.task_id, event.step, { progress }));
          }
          if (event.type === 'step_finished') {
            record(() =>
              store.stepFinished(run.task_id, event.step, { status: event.status, error: event.error, counters: event.counters, result: event.result }),
            );
          }
          const { type, ...data } = event;
          publish(type, type === 'log' ? { ...event.record } : data);
        },
      });
    } catch (error) {
      failure = redactSecrets(error instanceof Error ? error.message : String(error), secrets);
      log.error({ task_id: run.task_id, run_id: run.run_id, error: failure }, 'run failed outside the workflow');
    }
    await recording;
    const cancelled = result?.status === 'cancelled';
    const reason = cancelled ? (controller.signal.reason === 'interrupted' ? 'interrupted' : 'cancelled') : result?.status === 'completed' ? null : 'error';
    const failed = failure !== undefined || result?.status !== 'completed';
    const steps = await store.getSteps(run.task_id).catch(() => []);
    const error = reason === 'error' ? (failure ?? result?.error_message ?? 'failed') : reason;
    // Every event of the run is stored before the run stops being active; finishRun adds run_finished.
    await events.flush();
    const ended = await store.finishRun(run, {
      status: failed ? 'failed' : 'completed',
      reason,
      error: failed ? error : null,
      taskStatus: taskStatusAfterRun(run.execution_mode === 'step' ? 'step' : 'complete', failed, steps),
      result: result
        ? {
            run_id: run.run_id,
            mode: result.mode,
            status: result.status,
            summary: result.summary,
            llm_usage: result.llm_usage,
            reuse: result.reuse,
            warnings: result.warnings,
            duration_ms: result.duration_ms,
          }
        : null,
      llmUsage: result?.llm_usage ?? null,
    });
    events.notify(run.task_id);
    if (ended) log.info({ task_id: run.task_id, run_id: run.run_id, status: failed ? 'failed' : 'completed', reason }, 'run finished');
    else log.warn({ task_id: run.task_id, run_id: run.run_id }, 'run finished after it had been ended elsewhere; its outcome is not recorded');
  }
}
