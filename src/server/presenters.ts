/** Service results as the API shows them (the field names its clients read), typed by the response schemas. */
import type { Static } from '@sinclair/typebox';
import { STEP_NAMES } from '../services/catalog.js';
import {
  aggregateStepStatus,
  taskParameters,
  type RunRecord,
  type StepRecord,
  type TaskListItem as TaskListEntry,
  type TaskRecord,
} from '../services/tasks.js';
import { redactUrl } from '../util/redact.js';
import type { ActiveRunView, BackupStatsView, RunResultView, RunWarningsView, TaskListItem, TaskParametersView, TaskViewData } from './schemas/tasks.js';

type Data<T> = Omit<T, 'response' | 'timestamp'>;

export function presentParameters(task: TaskRecord): Static<typeof TaskParametersView> {
  return {
    db_connection: redactUrl(task.db_connection),
    db_name: task.db_name,
    business_context: task.business_context,
    ...taskParameters(task),
  };
}

export function presentRun(run: RunRecord | undefined): Static<typeof ActiveRunView> | null {
  if (!run || (run.status !== 'queued' && run.status !== 'running')) return null;
  return {
    run_id: run.run_id,
    status: run.status,
    execution_mode: run.execution_mode,
    step_name: run.step_name,
    created_at: run.created_at,
    started_at: run.started_at,
    cancel_requested: run.cancel_requested,
  };
}

/** Stored JSON documents (a run's result, a backup's statistics) as their schemas describe them. */
const stored = <T>(value: Record<string, unknown> | null): T | null => value as T | null;

type Warnings = Static<typeof RunWarningsView>;

/** The last run's warnings, when the task completed with them. */
function warningsOf(task: { status: string; result: Record<string, unknown> | null }): Warnings | null {
  const warnings = (task.result as { warnings?: Warnings | null } | null)?.warnings;
  return task.status === 'completed' && warnings ? warnings : null;
}

const outcomeOf = (task: { status: TaskRecord['status']; result: Record<string, unknown> | null }) =>
  warningsOf(task) ? ('completed_with_warnings' as const) : task.status;

/** The step being executed: the running one, else the one the task records (between two steps' updates). */
function currentStep(task: TaskRecord, steps: StepRecord[], activeRun: RunRecord | undefined): Data<TaskViewData>['current_step'] {
  const step = steps.find((s) => s.step_status === 'running') ?? steps.find((s) => s.step_name === task.current_step);
  if (!step) return null;
  return { execution_id: step.execution_id ?? activeRun?.run_id ?? null, step: step.step_name, status: step.step_status, started_at: step.started_at };
}

export function presentTask(task: TaskRecord, steps: StepRecord[], activeRun: RunRecord | undefined): Data<TaskViewData> {
  const current = currentStep(task, steps, activeRun);
  return {
    task_id: task.task_id,
    task_name: task.task_name,
    origin: task.origin,
    status: task.status,
    outcome: outcomeOf(task),
    step_status: Object.fromEntries(steps.map((s) => [s.step_name, s.step_status])),
    created_at: task.created_at,
    started_at: task.started_at,
    completed_at: task.completed_at,
    updated_at: task.updated_at,
    created_by: task.created_by,
    db_name: task.db_name,
    business_context: task.business_context,
    parameters: presentParameters(task),
    result: stored<Static<typeof RunResultView>>(task.result),
    error_message: task.error_message,
    current_step: current,
    current_step_name: current?.step ?? null,
    origin_info: task.origin_info,
    total_steps: STEP_NAMES.length,
    steps: steps.map((s) => ({
      step_name: s.step_name,
      step_status: s.step_status,
      started_at: s.started_at,
      completed_at: s.completed_at,
      error_message: s.error_message,
      execution_id: s.execution_id,
      counters: s.counters,
      result: s.result,
    })),
    active_run: presentRun(activeRun),
    last_backup: stored<Static<typeof BackupStatsView>>(task.last_backup),
  };
}

/** The last run's pairs, validation rate and duration, for the list's columns. */
function lastRunFigures(result: Record<string, unknown> | null): { pairs: number | null; validation_rate: number | null; duration_ms: number | null } {
  const run = result as { summary?: { pairs?: number; validation_rate?: number | null }; duration_ms?: number } | null;
  const number = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : null);
  return { pairs: number(run?.summary?.pairs), validation_rate: number(run?.summary?.validation_rate), duration_ms: number(run?.duration_ms) };
}

export function presentListItem(task: TaskListEntry): Static<typeof TaskListItem> {
  return {
    task_id: task.task_id,
    task_name: task.task_name,
    origin: task.origin,
    status: task.status,
    outcome: outcomeOf(task),
    warnings: warningsOf(task),
    step_status: aggregateStepStatus(task.step_statuses),
    // Additive: each step's own status, for progress at a glance.
    step_statuses: Object.fromEntries(STEP_NAMES.map((name, i) => [name, task.step_statuses[i] ?? 'pending'])),
    created_at: task.created_at,
    started_at: task.started_at,
    completed_at: task.completed_at,
    created_by: task.created_by,
    db_name: task.db_name,
    business_context: task.business_context,
    directory_exists: task.directory_exists,
    updated_at: task.updated_at,
    ...lastRunFigures(task.result),
  };
}
