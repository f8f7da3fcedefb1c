/** How step outcomes become a task's status (the rules clients of the Python service rely on, written down once). */
import { STEP_CATALOG, type StepName } from '../workflow/steps/catalog.js';
import type { StepStatus, TaskStatus } from './store/task-store.js';

/**
 * After a run: failed if the run failed or any step is failed. A complete run that did not fail is
 * completed. After a step run: completed when every `required` step of the catalog and at least
 * one `finishing` step have completed (ddl_generation, qa_generation, then sql_validation or
 * training_load); partial_completed when something completed short of that; else pending.
 */
export function taskStatusAfterRun(mode: 'complete' | 'step', runFailed: boolean, steps: { step_name: StepName; step_status: StepStatus }[]): TaskStatus {
  if (runFailed || steps.some((s) => s.step_status === 'failed')) return 'failed';
  if (mode === 'complete') return 'completed';
  const done = new Set<string>(steps.filter((s) => s.step_status === 'completed').map((s) => s.step_name));
  const required = STEP_CATALOG.filter((s) => s.role === 'required');
  const finishing = STEP_CATALOG.filter((s) => s.role === 'finishing');
  if (required.every((s) => done.has(s.name)) && (finishing.length === 0 || finishing.some((s) => done.has(s.name)))) return 'completed';
  return done.size > 0 ? 'partial_completed' : 'pending';
}

/** The list view's one-word summary of a task's steps. */
export function aggregateStepStatus(statuses: StepStatus[]): 'failed' | 'running' | 'all_completed' | 'partial_completed' | 'pending' {
  if (statuses.includes('failed')) return 'failed';
  if (statuses.includes('running')) return 'running';
  if (statuses.length > 0 && statuses.every((s) => s === 'completed')) return 'all_completed';
  if (statuses.includes('completed')) return 'partial_completed';
  return 'pending';
}
