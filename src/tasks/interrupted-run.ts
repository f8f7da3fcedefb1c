/**
 * What a task directory says about a run that ended without its process (a crash, or a stop past
 * its grace period) once the store has recorded it failed (interrupted): the result file the
 * orchestrator writes for a failed run — `task_result.json` for a complete run, `<step>_result.json`
 * in step mode — with the steps as recorded, and a last line in `data_pipeline.log`. Everything goes
 * through the TaskDirectory, so nothing outside the task directory is touched.
 */
import { notRunStep, sumCounters, type WorkflowResult } from '../workflow/orchestrator.js';
import type { TaskDirectory } from '../task-directory/task-dir.js';
import { stepResultFile, TASK_RESULT_FILE } from '../task-directory/task-files.js';
import { referenceTaskResultKeys } from '../workflow/compat/reference-task-result.js';
import { appendLogRecord } from '../task-directory/task-log.js';
import type { LogLevel, StepRun } from '../workflow/workflow-types.js';
import { STEP_NAMES, type StepName } from '../workflow/steps/catalog.js';
import type { StepRecord } from './store/task-store.js';

export interface InterruptedRun {
  taskId: string;
  runId: string;
  mode: 'complete' | 'step';
  /** The steps the run was to execute; the others are `skipped` in a complete run's result, as the orchestrator writes them. */
  steps: StepName[];
  /** The task's step rows as the run's end left them (a step left running is failed, `interrupted`). */
  recorded: StepRecord[];
  /** When the run started; for a run that never started, when it was queued (its claim). */
  startedAt: string;
  finishedAt: string;
  /** The run's error as the store has it (`interrupted: …`). */
  error: string;
  /** The file backup made before the run, as `task_result.json` records it. */
  backup: Record<string, unknown> | null;
  /**
   * Whether the run had started. A run still queued ran no step (its steps are `pending`, whatever
   * rows an earlier run left) and wrote nothing, not even the lines of the file backup made
   * before it was queued (`preamble`), which go to the log first. In step mode it gets no result
   * file: the step's earlier result still describes the directory, which the run never touched.
   */
  started?: boolean;
  /** Log lines the run would have begun its log with (the pre-run backup's), written when it never started. */
  preamble?: { level: LogLevel; logger: string; step: string; message: string }[];
}

/** `task_result.json` of an interrupted run: the orchestrator's format; the LLM usage died with the process. */
export type InterruptedRunResult = Omit<WorkflowResult, 'llm_usage' | 'reuse' | 'warnings'> & { llm_usage: null; reuse: null; warnings: null };

const iso = (text: string) => new Date(text).toISOString();

function stepRun(step: StepName, ran: boolean, recorded: StepRecord | undefined): StepRun {
  if (!ran || !recorded) return notRunStep(step, ran ? 'pending' : 'skipped');
  const started = recorded.started_at ? iso(recorded.started_at) : null;
  const completed = recorded.completed_at ? iso(recorded.completed_at) : null;
  return {
    step_name: step,
    step_status: recorded.step_status,
    started_at: started,
    completed_at: completed,
    duration_ms: started && completed ? Date.parse(completed) - Date.parse(started) : null,
    error_message: recorded.error_message,
    counters: recorded.counters ?? {},
    result: recorded.result ?? {},
  };
}

export async function writeInterruptedRunFiles(dir: TaskDirectory, run: InterruptedRun): Promise<void> {
  const started = run.started ?? true;
  const recorded = started ? run.recorded : [];
  const steps = (run.mode === 'complete' ? STEP_NAMES : run.steps).map((step) =>
    stepRun(
      step,
      run.steps.includes(step),
      recorded.find((r) => r.step_name === step),
    ),
  );
  if (run.mode === 'complete') {
    const startedAt = iso(run.startedAt);
    const completedAt = iso(run.finishedAt);
    const result: InterruptedRunResult = {
      task_id: run.taskId,
      mode: 'complete',
      status: 'failed',
      error_message: run.error,
      started_at: startedAt,
      completed_at: completedAt,
      duration_ms: Date.parse(completedAt) - Date.parse(startedAt),
      output_directory: dir.path,
      steps,
      summary: sumCounters(steps),
      llm_usage: null,
      reuse: null,
      warnings: null,
      backup: run.backup,
    };
    await dir.writeFile(TASK_RESULT_FILE, `${JSON.stringify({ ...result, ...referenceTaskResultKeys(result) }, null, 2)}\n`);
  } else if (started) {
    for (const step of steps) await dir.writeFile(stepResultFile(step.step_name), `${JSON.stringify({ task_id: run.taskId, ...step }, null, 2)}\n`);
  }
  if (!started) for (const line of run.preamble ?? []) await appendLogRecord(dir, line.level, line.logger, line.step, line.message);
  const when = started ? '' : ' before it started';
  await appendLogRecord(dir, 'ERROR', 'data_pipeline.workflow', 'workflow', `task ${run.taskId} failed${when}: ${run.error} (run ${run.runId})`);
}
