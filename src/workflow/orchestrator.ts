/**
 * Runs steps in order on a task directory: opens the task log, records each step's status, times,
 * counters and result, emits events, writes `task_config.json` / `task_result.json` (complete
 * mode) or `{step}_result.json` (step mode), and closes every resource it opened.
 * It knows nothing about tasks, HTTP or backups: callers do those before calling it.
 */
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Settings } from '../config/settings.js';
import type { SqlDatabase } from '../db/sql-database.js';
import type { LlmUsageSnapshot } from '../llm/usage.js';
import type { SourceConnection } from '../source/source-database.js';
import { connectionSecrets, redactUrl, secretMasker } from '../util/redact.js';
import { WorkflowResources } from './resources.js';
import { StepFailedError, type StepContext, type StepInput } from './step-context.js';
import { referenceTaskResultKeys } from './compat/reference-task-result.js';
import { STEP_RUNNERS } from './steps/registry.js';
import type { TaskDirectory } from '../task-directory/task-dir.js';
import { stepResultFile, TASK_CONFIG_FILE, TASK_RESULT_FILE } from '../task-directory/task-files.js';
import { TaskLog } from '../task-directory/task-log.js';
import type { StepCounters, LogLevel, LogRecord, StepRun, WorkflowEvent, WorkflowStatus } from './workflow-types.js';
import { RUN_OPTION_NAMES, type WorkflowOptions } from './run-options.js';
import { STEP_NAMES, stepsOfCompleteRun, type StepName } from './steps/catalog.js';

export interface RunWorkflowParams {
  dir: TaskDirectory;
  settings: Settings;
  options: WorkflowOptions;
  /** `complete` runs every enabled step; `step` runs `steps` (one) and writes `{step}_result.json`. */
  mode: 'complete' | 'step';
  /** For step mode: the step to run. */
  step?: StepName;
  onEvent?: (event: WorkflowEvent) => void;
  signal?: AbortSignal;
  /** A store database already open in this process (the server's), used for vectors; not closed. */
  sharedStore?: SqlDatabase;
  /** A source already open in this process (a shared sample database); not closed. */
  sharedSource?: SourceConnection;
  /** Lines about what happened just before the run (the file backup), written first to the new log. */
  preamble?: { level: LogLevel; logger: string; step: string; message: string }[];
  /** The file backup made before this run, recorded in `task_result.json`. */
  backup?: Record<string, unknown> | null;
  /**
   * The task as its record knows it, for `task_config.json`: when it was created (default: this
   * run's start, for a script run's new task) and the file its table list came from.
   */
  task?: { created_at: string; table_list_file: string | null };
  /** Files a step reads instead of the task's own (the scripts' `validate --input-file`, `load --data-path`). */
  input?: StepInput;
  /**
   * A script's step run on the user's files rather than a task's: no `data_pipeline.log` and no
   * `{step}_result.json` are written there (log lines still go to `onEvent`).
   */
  standalone?: boolean;
}

export interface WorkflowSummary {
  tables: number;
  tables_failed: number;
  pairs: number;
  pairs_valid: number | null;
  validation_rate: number | null;
  vectors: number;
  files: number;
}

export interface WorkflowResult {
  task_id: string;
  mode: 'complete' | 'step';
  status: WorkflowStatus;
  error_message: string | null;
  started_at: string;
  completed_at: string;
  duration_ms: number;
  output_directory: string;
  steps: StepRun[];
  summary: WorkflowSummary;
  llm_usage: LlmUsageSnapshot & { provider: string };
  /** What the run reused rather than paid for again. */
  reuse: ReuseReport;
  /** What went wrong in a run that still completed (tables, themes, pairs); null when nothing did. */
  warnings: RunWarnings | null;
  /** The file backup made before the run (complete runs through the API), else null. */
  backup: Record<string, unknown> | null;
}

/** Cache hits and misses, and what was regenerated, of one run. */
export interface ReuseReport {
  /** Whether the response cache was used (LLM_CACHE and the run's use_cache). */
  cache: boolean;
  llm: { hits: number; misses: number };
  embeddings: { hits: number; misses: number };
  /** Tables whose comments were generated again (ddl_generation); null when it did not run. */
  regenerated_tables: string[] | null;
  /** Themes kept with their pairs from the previous run, and themes whose pairs were asked for (qa_generation). */
  themes_kept: number | null;
  themes_asked: number | null;
}

/** The parts of a completed run that did not make it: what "completed with warnings" names. */
export interface RunWarnings {
  tables_failed: { table: string; reason: string }[];
  themes_failed: { theme: string; reason: string }[];
  /** Pairs whose SQL stayed invalid (removed from the pair file, or left there when it is not modified). */
  pairs_invalid: number;
  /** The validation report naming them. */
  validation_report: string | null;
  /** Questions in the run's language that still hold words of another (qa_generation: Chinese questions with English names). */
  language_warnings?: string[];
}

function runWarnings(runs: StepRun[]): RunWarnings | null {
  const completed = (step: string) => runs.find((r) => r.step_name === step && r.step_status === 'completed');
  const list = <T>(value: unknown): T[] => (Array.isArray(value) ? (value as T[]) : []);
  const validation = completed('sql_validation');
  const warnings: RunWarnings = {
    tables_failed: list<{ table: string; reason: string }>(completed('ddl_generation')?.result.failed_tables),
    themes_failed: list<{ theme: string; reason: string }>(completed('qa_generation')?.result.failed_themes),
    pairs_invalid: validation?.counters.pairs_invalid ?? 0,
    validation_report: typeof validation?.result.report_file === 'string' ? validation.result.report_file : null,
    language_warnings: list<string>(completed('qa_generation')?.result.language_warnings),
  };
  return warnings.tables_failed.length || warnings.themes_failed.length || warnings.pairs_invalid || warnings.language_warnings?.length ? warnings : null;
}

function reuseReport(resources: WorkflowResources, runs: StepRun[]): ReuseReport {
  const counts = resources.cacheCounts();
  const resultOf = (step: string) => runs.find((r) => r.step_name === step && r.step_status === 'completed')?.result;
  const ddl = resultOf('ddl_generation');
  const qa = resultOf('qa_generation');
  const list = (v: unknown) => (Array.isArray(v) ? v.map(String) : null);
  const count = (v: unknown) => (typeof v === 'number' ? v : null);
  return {
    cache: counts !== undefined,
    llm: { hits: counts?.llm.hits ?? 0, misses: counts?.llm.misses ?? 0 },
    embeddings: { hits: counts?.embeddings.hits ?? 0, misses: counts?.embeddings.misses ?? 0 },
    regenerated_tables: list(ddl?.regenerated_tables),
    themes_kept: count(qa?.themes_kept),
    themes_asked: count(qa?.themes_asked),
  };
}

/** Why a signal was aborted, as a word for step records: `cancelled` unless a string reason says otherwise. */
function abortReason(signal: AbortSignal): string {
  return typeof signal.reason === 'string' && /^[a-z_]{1,32}$/.test(signal.reason) ? signal.reason : 'cancelled';
}

/** `task_config.json`: what the run was asked to do (every run option); connection URLs without their password. */
export function taskConfig(options: WorkflowOptions, dir: TaskDirectory, createdAt: string, tableListFile: string | null = null): Record<string, unknown> {
  return {
    task_id: options.task_id,
    created_at: createdAt,
    parameters: {
      db_connection: redactUrl(options.db_connection),
      // The existing service's key: where the table list was copied from.
      ...(tableListFile ? { table_list_file: tableListFile } : {}),
      db_name: options.db_name ?? null,
      business_context: options.business_context,
      ...Object.fromEntries(RUN_OPTION_NAMES.map((name) => [name, options[name]])),
      vector_db: options.vector_db ? redactUrl(options.vector_db) : null,
    },
    output_directory: dir.path,
  };
}

/**
 * The secrets a run owns, masked by value in its log, events, errors and result: the passwords of
 * its own connections. No other task's secret is masked in this run's text (see util/redact.ts).
 */
export function runSecrets(options: Pick<WorkflowOptions, 'db_connection' | 'vector_db'>): string[] {
  return [...connectionSecrets(options.db_connection), ...connectionSecrets(options.vector_db)];
}

export function sumCounters(steps: StepRun[]): WorkflowSummary {
  const c = (step: StepName) => steps.find((s) => s.step_name === step && s.step_status === 'completed')?.counters ?? ({} as StepCounters);
  const validation = c('sql_validation');
  const pairs = validation.pairs ?? c('qa_generation').pairs ?? 0;
  return {
    tables: c('ddl_generation').tables_done ?? 0,
    tables_failed: c('ddl_generation').tables_failed ?? 0,
    pairs,
    pairs_valid: validation.pairs_valid ?? null,
    validation_rate: validation.pairs_valid !== undefined && pairs > 0 ? Number((validation.pairs_valid / pairs).toFixed(4)) : null,
    vectors: c('training_load').vectors ?? 0,
    files: steps.reduce((sum, s) => sum + (s.counters.files_written ?? 0), 0),
  };
}

/** The directory the service runs from, as stack traces spell it (path and file URL). */
const INSTALL_DIR = fileURLToPath(new URL('../../', import.meta.url));
const INSTALL_PREFIXES = [pathToFileURL(INSTALL_DIR).href, INSTALL_DIR];

/**
 * A stack trace for the task log, which clients download: frames name files relative to the
 * install directory (`src/db/postgres-database.ts:70:13`), not where the service is installed.
 */
function withoutInstallPaths(stack: string): string {
  return INSTALL_PREFIXES.reduce((text, prefix) => text.split(prefix).join(''), stack);
}

/** A step's record before it runs (pending), or for a step a run leaves out (skipped). */
export function notRunStep(step: StepName, status: 'pending' | 'skipped'): StepRun {
  return { step_name: step, step_status: status, started_at: null, completed_at: null, duration_ms: null, error_message: null, counters: {}, result: {} };
}

export async function runWorkflow(params: RunWorkflowParams): Promise<WorkflowResult> {
  const { dir, settings, options, mode } = params;
  const signal = params.signal ?? new AbortController().signal;
  const emit = (event: WorkflowEvent) => params.onEvent?.(event);
  const started = new Date();
  const stepNames = mode === 'complete' ? stepsOfCompleteRun(options) : [params.step ?? 'ddl_generation'];
  const runs: StepRun[] = (mode === 'complete' ? [...STEP_NAMES] : stepNames).map((name) => notRunStep(name, stepNames.includes(name) ? 'pending' : 'skipped'));

  const secrets = runSecrets(options);
  const mask = secretMasker(secrets);
  const sink = (record: LogRecord) => emit({ type: 'log', record });
  const log = params.standalone ? TaskLog.detached(sink, secrets) : await TaskLog.open(dir, sink, secrets);
  for (const line of params.preamble ?? []) log.write(line.level, line.logger, line.step, line.message);
  const workflowLog = log.forStep('workflow', 'data_pipeline.workflow');
  const resources = await WorkflowResources.open(settings, options, { store: params.sharedStore, source: params.sharedSource });
  let status: WorkflowStatus = 'completed';
  let errorMessage: string | null = null;
  try {
    if (mode === 'complete') {
      const config = taskConfig(options, dir, params.task?.created_at ?? started.toISOString(), params.task?.table_list_file ?? null);
      await dir.writeFile(TASK_CONFIG_FILE, `${JSON.stringify(config, null, 2)}\n`);
    }
    workflowLog.info(`task ${options.task_id}: ${mode} run of ${stepNames.join(', ')} on ${redactUrl(options.db_connection)} (LLM: ${resources.llm.name})`);
    emit({ type: 'workflow_started', task_id: options.task_id, steps: stepNames, at: started.toISOString() });

    for (const run of runs) {
      if (run.step_status === 'skipped') continue;
      if (status !== 'completed') break;
      const stepStart = Date.now();
      run.step_status = 'running';
      run.started_at = new Date(stepStart).toISOString();
      emit({ type: 'step_started', step: run.step_name, at: run.started_at });
      const stepLog = log.forStep(run.step_name);
      stepLog.info(`step ${run.step_name} started`);
      const ctx: StepContext = {
        step: run.step_name,
        dir,
        settings,
        options,
        resources,
        log: stepLog,
        signal,
        ...(params.input ? { input: params.input } : {}),
        progress: (done, total, unit) => emit({ type: 'progress', step: run.step_name, done, total, unit, at: new Date().toISOString() }),
      };
      try {
        signal.throwIfAborted();
        const stepFunction = await STEP_RUNNERS[run.step_name]();
        const outcome = await stepFunction(ctx);
        run.step_status = 'completed';
        run.counters = outcome.counters;
        run.result = outcome.result;
        stepLog.info(`step ${run.step_name} completed in ${((Date.now() - stepStart) / 1000).toFixed(3)}s`);
      } catch (error) {
        run.step_status = 'failed';
        const cancelled = signal.aborted;
        // The abort reason says why the run stopped ('cancelled' by a user, 'interrupted' by a stop).
        run.error_message = cancelled ? abortReason(signal) : mask(error instanceof Error ? error.message : String(error));
        status = cancelled ? 'cancelled' : 'failed';
        errorMessage = `${run.step_name}: ${run.error_message}`;
        if (!(error instanceof StepFailedError) && !cancelled && error instanceof Error && error.stack) {
          stepLog.debug(mask(withoutInstallPaths(error.stack)));
        }
        stepLog.error(`step ${run.step_name} ${cancelled ? run.error_message : `failed: ${run.error_message}`}`);
      } finally {
        run.completed_at = new Date().toISOString();
        run.duration_ms = Date.now() - stepStart;
        emit({
          type: 'step_finished',
          step: run.step_name,
          status: run.step_status === 'completed' ? 'completed' : 'failed',
          error: run.error_message,
          counters: run.counters,
          result: run.result,
          at: run.completed_at,
        });
      }
      if (mode === 'step' && !params.standalone) {
        // With the options the step ran with (a step run may override those the task recorded).
        const { parameters } = taskConfig(options, dir, started.toISOString()) as { parameters: Record<string, unknown> };
        await dir.writeFile(stepResultFile(run.step_name), `${JSON.stringify({ task_id: options.task_id, ...run, parameters }, null, 2)}\n`);
      }
    }
  } catch (error) {
    // Failures outside a step (writing the config) end the run too.
    status = signal.aborted ? 'cancelled' : 'failed';
    errorMessage = mask(error instanceof Error ? error.message : String(error));
    workflowLog.error(`run failed: ${errorMessage}`);
  } finally {
    const cacheProblem = resources.cacheWriteProblem();
    if (cacheProblem) workflowLog.warn(cacheProblem);
    await resources.close();
  }

  const completed = new Date();
  const result: WorkflowResult = {
    task_id: options.task_id,
    mode,
    status,
    error_message: errorMessage,
    started_at: started.toISOString(),
    completed_at: completed.toISOString(),
    duration_ms: completed.getTime() - started.getTime(),
    output_directory: dir.path,
    steps: runs,
    summary: sumCounters(runs),
    llm_usage: { provider: resources.llm.name, ...resources.llm.usage.snapshot() },
    reuse: reuseReport(resources, runs),
    warnings: status === 'completed' ? runWarnings(runs) : null,
    backup: params.backup ?? null,
  };
  try {
    // The existing service's keys too, so its readers of the file keep working.
    if (mode === 'complete') await dir.writeFile(TASK_RESULT_FILE, `${JSON.stringify({ ...result, ...referenceTaskResultKeys(result) }, null, 2)}\n`);
  } catch (error) {
    workflowLog.error(`cannot write ${TASK_RESULT_FILE}: ${error instanceof Error ? error.message : String(error)}`);
  }
  workflowLog.info(
    `task ${options.task_id} ${status} in ${(result.duration_ms / 1000).toFixed(3)}s; LLM calls ${result.llm_usage.calls}, tokens ${result.llm_usage.total_tokens}`,
  );
  emit({ type: 'workflow_finished', status, at: result.completed_at });
  await log.close();
  return result;
}
