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
import { redactSecrets, redactUrl } from '../util/redact.js';
import { WorkflowResources } from './resources.js';
import { StepFailedError, type StepContext, type StepFunction } from './step-context.js';
import { ddlGeneration } from './steps/ddl-generation.js';
import { qaGeneration } from './steps/qa-generation.js';
import { sqlValidation } from './steps/sql-validation.js';
import { trainingLoad } from './steps/training-load.js';
import type { TaskDirectory } from './task-dir.js';
import { stepResultFile, TASK_CONFIG_FILE, TASK_RESULT_FILE } from './task-files.js';
import { TaskLog } from './task-log.js';
import {
  STEP_NAMES,
  type StepCounters,
  type StepName,
  type LogLevel,
  type StepRun,
  type WorkflowEvent,
  type WorkflowOptions,
  type WorkflowStatus,
} from './workflow-types.js';

export const STEPS: Record<StepName, StepFunction> = {
  ddl_generation: ddlGeneration,
  qa_generation: qaGeneration,
  sql_validation: sqlValidation,
  training_load: trainingLoad,
};

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
  /** The file backup made before the run (complete runs through the API), else null. */
  backup: Record<string, unknown> | null;
}

/** Why a signal was aborted, as a word for step records: `cancelled` unless a string reason says otherwise. */
function abortReason(signal: AbortSignal): string {
  return typeof signal.reason === 'string' && /^[a-z_]{1,32}$/.test(signal.reason) ? signal.reason : 'cancelled';
}

/** The steps a complete run executes, given the options. */
export function completeSteps(options: WorkflowOptions): StepName[] {
  return STEP_NAMES.filter(
    (step) =>
      (step !== 'sql_validation' || options.enableSqlValidation) && (step !== 'training_load' || options.enableTrainingDataLoad),
  );
}

/** `task_config.json`: what the run was asked to do; connection URLs without their password. */
export function taskConfig(options: WorkflowOptions, dir: TaskDirectory, createdAt: string): Record<string, unknown> {
  return {
    task_id: options.taskId,
    created_at: createdAt,
    parameters: {
      db_connection: redactUrl(options.dbConnection),
      db_name: options.dbName ?? null,
      business_context: options.businessContext,
      language: options.language,
      overwrite_comments: options.overwriteComments,
      enable_sql_validation: options.enableSqlValidation,
      enable_llm_repair: options.enableLlmRepair,
      modify_original_file: options.modifyOriginalFile,
      execute_check: options.executeCheck,
      enable_training_data_load: options.enableTrainingDataLoad,
      backup_vector_tables: options.backupVectorTables,
      truncate_vector_tables: options.truncateVectorTables,
      skip_training: options.skipTraining,
      vector_db: options.vectorDb ? redactUrl(options.vectorDb) : null,
    },
    output_directory: dir.path,
  };
}

/** The run's summary from its steps' counters (completed steps only). */
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

export async function runWorkflow(params: RunWorkflowParams): Promise<WorkflowResult> {
  const { dir, settings, options, mode } = params;
  const signal = params.signal ?? new AbortController().signal;
  const emit = (event: WorkflowEvent) => params.onEvent?.(event);
  const started = new Date();
  const stepNames = mode === 'complete' ? completeSteps(options) : [params.step ?? 'ddl_generation'];
  const runs: StepRun[] = (mode === 'complete' ? [...STEP_NAMES] : stepNames).map((step_name) => ({
    step_name,
    step_status: stepNames.includes(step_name) ? 'pending' : 'skipped',
    started_at: null,
    completed_at: null,
    duration_ms: null,
    error_message: null,
    counters: {},
    result: {},
  }));

  const log = await TaskLog.open(dir, (record) => emit({ type: 'log', record }));
  for (const line of params.preamble ?? []) log.write(line.level, line.logger, line.step, line.message);
  const workflowLog = log.forStep('workflow', 'data_pipeline.workflow');
  const resources = new WorkflowResources(settings, options, { store: params.sharedStore, source: params.sharedSource });
  let status: WorkflowStatus = 'completed';
  let errorMessage: string | null = null;
  try {
    if (mode === 'complete') {
      await dir.writeFile(TASK_CONFIG_FILE, `${JSON.stringify(taskConfig(options, dir, started.toISOString()), null, 2)}\n`);
    }
    workflowLog.info(`task ${options.taskId}: ${mode} run of ${stepNames.join(', ')} on ${redactUrl(options.dbConnection)} (LLM: ${resources.llm.name})`);
    emit({ type: 'workflow_started', task_id: options.taskId, steps: stepNames, at: started.toISOString() });

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
        progress: (done, total, unit) =>
          emit({ type: 'progress', step: run.step_name, done, total, unit, at: new Date().toISOString() }),
      };
      try {
        signal.throwIfAborted();
        const outcome = await STEPS[run.step_name](ctx);
        run.step_status = 'completed';
        run.counters = outcome.counters;
        run.result = outcome.result;
        stepLog.info(`step ${run.step_name} completed in ${((Date.now() - stepStart) / 1000).toFixed(3)}s`);
      } catch (error) {
        run.step_status = 'failed';
        const cancelled = signal.aborted;
        // The abort reason says why the run stopped ('cancelled' by a user, 'interrupted' by a stop).
        run.error_message = cancelled ? abortReason(signal) : redactSecrets(error instanceof Error ? error.message : String(error));
        status = cancelled ? 'cancelled' : 'failed';
        errorMessage = `${run.step_name}: ${run.error_message}`;
        if (!(error instanceof StepFailedError) && !cancelled && error instanceof Error && error.stack) {
          stepLog.debug(redactSecrets(withoutInstallPaths(error.stack)));
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
      if (mode === 'step') {
        await dir.writeFile(stepResultFile(run.step_name), `${JSON.stringify({ task_id: options.taskId, ...run }, null, 2)}\n`);
      }
    }
  } catch (error) {
    // Failures outside a step (writing the config) end the run too.
    status = signal.aborted ? 'cancelled' : 'failed';
    errorMessage = redactSecrets(error instanceof Error ? error.message : String(error));
    workflowLog.error(`run failed: ${errorMessage}`);
  } finally {
    await resources.close();
  }

  const completed = new Date();
  const result: WorkflowResult = {
    task_id: options.taskId,
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
    backup: params.backup ?? null,
  };
  try {
    if (mode === 'complete') await dir.writeFile(TASK_RESULT_FILE, `${JSON.stringify(result, null, 2)}\n`);
  } catch (error) {
    workflowLog.error(`cannot write ${TASK_RESULT_FILE}: ${error instanceof Error ? error.message : String(error)}`);
  }
  workflowLog.info(
    `task ${options.taskId} ${status} in ${(result.duration_ms / 1000).toFixed(3)}s; LLM calls ${result.llm_usage.calls}, tokens ${result.llm_usage.total_tokens}`,
  );
  emit({ type: 'workflow_finished', status, at: result.completed_at });
  await log.close();
  return result;
}
