/**
 * What a task folder without a record tells about its task, read from its files only: the
 * existing service's layout (`task_config.json` with its parameters, `task_result.json` after a
 * complete run, `{step}_result.json` after each step run, `table_list.txt`) and ours (the same
 * names, written by `data-pipeline run` and the orchestrator). The status follows the files:
 * a task result says completed or failed; step results give the step-mode status
 * (`taskStatusAfterRun`); otherwise the task is pending.
 */
import { promises as fs } from 'node:fs';
import type { TaskDirectory } from '../task-directory/task-dir.js';
import { stepResultFile, TABLE_LIST_FILE, TASK_CONFIG_FILE, TASK_RESULT_FILE } from '../task-directory/task-files.js';
import { connectionSecrets } from '../util/redact.js';
import { isStepName, STEP_NAMES, type StepName } from '../workflow/steps/catalog.js';
import { REFERENCE_STEP_NAMES } from '../workflow/compat/reference-task-result.js';
import { objectOf, recordedInstant, taskFieldsFromParameters } from './legacy-parameters.js';
import type { RecordedStep, RecordedTask, StepStatus, TaskStatus } from './store/task-store.js';
import { taskStatusAfterRun } from './task-status.js';

/** Files whose presence makes a folder a task's: without any of them it is some other folder. */
export const TASK_FOLDER_MARKERS: readonly string[] = [
  TASK_CONFIG_FILE,
  TABLE_LIST_FILE,
  TASK_RESULT_FILE,
  'data_pipeline.log',
  ...STEP_NAMES.map(stepResultFile),
];

export interface FolderTask {
  task: Omit<RecordedTask, 'origin'>;
  /** The passwords the folder's configuration holds in clear (to be masked in its files). */
  secrets: string[];
}

/** A JSON object from a file of the folder; undefined when missing or not a JSON object. */
async function readJsonObject(dir: TaskDirectory, name: string): Promise<Record<string, unknown> | undefined> {
  const textOf = await dir.readTextIfExists(name).catch(() => undefined);
  if (textOf === undefined) return undefined;
  try {
    return objectOf(JSON.parse(textOf.replace(/^\uFEFF/, '')));
  } catch {
    return undefined;
  }
}

/**
 * A result file's outcome: ours say `status` / `step_status`; the existing service's say
 * `success` (true or false). A run still `running` in a file was cut short: failed.
 */
function outcomeOf(result: Record<string, unknown>): 'completed' | 'failed' {
  const status = result.status ?? result.step_status;
  if (typeof status === 'string') return status === 'completed' || status === 'partial_completed' ? 'completed' : 'failed';
  return result.success === false ? 'failed' : 'completed';
}

function errorOf(result: Record<string, unknown>): string | null {
  for (const key of ['error_message', 'error']) {
    const value = result[key];
    if (typeof value === 'string' && value.trim()) return value.trim().slice(0, 4000);
  }
  return null;
}

const isStepNamed = (value: unknown): value is StepName => typeof value === 'string' && isStepName(value);

function recordedStep(name: StepName, status: StepStatus, from: Record<string, unknown> = {}): RecordedStep {
  return {
    step_name: name,
    step_status: status,
    started_at: recordedInstant(from.started_at ?? from.start_time),
    completed_at: recordedInstant(from.completed_at ?? from.end_time),
    error_message: status === 'failed' ? errorOf(from) : null,
    execution_id: typeof from.execution_id === 'string' ? from.execution_id : null,
  };
}

const STEP_OF_REFERENCE_NAME = new Map<unknown, StepName>(Object.entries(REFERENCE_STEP_NAMES).map(([ours, theirs]) => [theirs, ours as StepName]));
const stepNamed = (name: unknown): unknown => STEP_OF_REFERENCE_NAME.get(name) ?? name;

/**
 * The steps a complete run's result tells about: ours list `steps` with their status; the
 * existing service's `workflow_state` lists `completed_steps` and `failed_steps`.
 */
function stepsOfTaskResult(result: Record<string, unknown>): RecordedStep[] {
  if (Array.isArray(result.steps)) {
    return result.steps.flatMap((entry) => {
      const step = objectOf(entry);
      if (!step || !isStepNamed(step.step_name)) return [];
      const status = step.step_status;
      if (status === 'completed') return [recordedStep(step.step_name, 'completed', step)];
      if (status === 'failed' || status === 'running') return [recordedStep(step.step_name, 'failed', step)];
      return [];
    });
  }
  const state = objectOf(result.workflow_state);
  // The existing orchestrator names its steps its own way (`ddl_md_generation`…); ours too, as ours writes them there.
  const names = (value: unknown) => (Array.isArray(value) ? value.map(stepNamed).filter(isStepNamed) : []);
  return [
    ...names(state?.completed_steps).map((name) => recordedStep(name, 'completed')),
    ...names(state?.failed_steps).map((name) => recordedStep(name, 'failed', { error: state?.error })),
  ];
}

/** Reads a task folder's files into a task record (`defaultConnection`: when its configuration names none usable). */
export async function readFolderTask(dir: TaskDirectory, defaultConnection: string): Promise<FolderTask> {
  const config = (await readJsonObject(dir, TASK_CONFIG_FILE)) ?? {};
  const parameters = objectOf(config.parameters) ?? {};
  const taskResult = await readJsonObject(dir, TASK_RESULT_FILE);
  const stepResults = new Map<StepName, Record<string, unknown>>();
  for (const name of STEP_NAMES) {
    const result = await readJsonObject(dir, stepResultFile(name));
    if (result) stepResults.set(name, result);
  }

  let status: TaskStatus = 'pending';
  let steps: RecordedStep[] = [];
  let error: string | null = null;
  let times: Record<string, unknown> = {};
  if (taskResult) {
    const outcome = outcomeOf(taskResult);
    steps = stepsOfTaskResult(taskResult);
    status = outcome === 'failed' || steps.some((s) => s.step_status === 'failed') ? 'failed' : 'completed';
    error = status === 'failed' ? (errorOf(taskResult) ?? steps.find((s) => s.error_message)?.error_message ?? null) : null;
    times = { ...objectOf(taskResult.workflow_state), ...taskResult };
  } else if (stepResults.size > 0) {
    steps = [...stepResults].map(([name, result]) => recordedStep(name, outcomeOf(result), result));
    status = taskStatusAfterRun('step', false, steps);
    error = steps.find((s) => s.error_message)?.error_message ?? (status === 'failed' ? 'a step failed' : null);
    const started = steps.map((s) => s.started_at).filter((t): t is string => t !== null);
    const completed = steps.map((s) => s.completed_at).filter((t): t is string => t !== null);
    times = { started_at: started.sort()[0], completed_at: completed.sort().at(-1) };
  }

  const folderTime = (await fs.stat(dir.path)).mtime.toISOString();
  const finished = status === 'completed' || status === 'failed' || status === 'partial_completed';
  return {
    task: {
      task_id: dir.taskId,
      ...taskFieldsFromParameters(parameters, defaultConnection, config.task_name),
      created_by: null,
      status,
      created_at: recordedInstant(config.created_at) ?? folderTime,
      started_at: recordedInstant(times.started_at ?? times.start_time),
      completed_at: recordedInstant(times.completed_at ?? times.end_time) ?? (finished ? folderTime : null),
      error_message: error,
      origin_info: null,
      steps,
    },
    secrets: connectionSecrets(typeof parameters.db_connection === 'string' ? parameters.db_connection : null),
  };
}

/** Whether a folder holds any of a task folder's files (else it is not a task's). */
export async function isTaskFolder(dir: TaskDirectory): Promise<boolean> {
  const names = new Set(await dir.fileNames());
  return TASK_FOLDER_MARKERS.some((name) => names.has(name));
}
