/**
 * `data-pipeline load --data-path <dir>`: the existing trainer (`run_training --data_path`) on a
 * directory: every training file at its top (`.ddl`, `.md`, `*_pair.json`, `*_pair.sql`) synced into
 * the vector store by the training_load step, as idempotently as a task's load. The rows belong to
 * the source database (`--db`, else the one the directory's `task_config.json` records) and to the
 * directory's name as task id (`--task-id` otherwise). No task log or result file is written there.
 */
import type { Settings } from '../../config/settings.js';
import { isTaskId, TaskDirectory, assertTaskId } from '../../task-directory/task-dir.js';
import { workflowOptions, type RunOptionValues } from '../../workflow/run-options.js';
import { resolveDbFlag } from '../db-flag.js';
import { failWith as fail, runAndReport } from '../run-and-report.js';
import { readStoredParameters } from '../task-config.js';
import { connectionFlagsProblem } from './run.js';

export interface LoadFlags {
  dataPath?: string;
  /** The existing trainer's spelling of `--data-path`. */
  data_path?: string;
  db?: string;
  dbConnection?: string;
  taskId?: string;
  vectorDb?: string;
  json?: boolean;
  verbose?: boolean;
  logFile?: string;
}

export async function loadCommand(settings: Settings, flags: LoadFlags, optionValues: Partial<RunOptionValues>): Promise<number> {
  if (flags.dataPath !== undefined && flags.data_path !== undefined && flags.dataPath !== flags.data_path) {
    return fail('--data-path and --data_path name different directories; give one of them (they are the same option)');
  }
  const dataPath = flags.dataPath ?? flags.data_path;
  if (dataPath === undefined) return fail("required option '--data-path <dir>' (or --data_path) not specified");
  let dir: TaskDirectory;
  try {
    dir = await TaskDirectory.open(dataPath);
  } catch {
    return fail(`--data-path ${dataPath}: no such directory`);
  }
  const stored = await readStoredParameters(dir);
  const dbFlag = resolveDbFlag(flags, false);
  if (!dbFlag.ok) return fail(dbFlag.message);
  const db = dbFlag.db ?? stored.connection('db_connection');
  if (db === undefined) {
    return fail('pass --db <url|sample>: the vector store keeps training data per source database, and the directory has no task_config.json naming one');
  }
  const vectorDb = flags.vectorDb ?? stored.connection('vector_db');
  const connectionProblem = connectionFlagsProblem({ db, vectorDb });
  if (connectionProblem) return fail(connectionProblem);
  const taskId = flags.taskId ?? dir.taskId;
  if (flags.taskId === undefined && !isTaskId(taskId)) {
    return fail(`the directory's name "${taskId}" cannot be a task id: pass --task-id (1-64 letters, digits, "_" or "-"); the load's rows are kept per task`);
  }
  assertTaskId(taskId);
  const options = workflowOptions({
    task_id: taskId,
    db_connection: db,
    ...(stored.text('db_name') !== undefined ? { db_name: stored.text('db_name') } : {}),
    ...(vectorDb !== undefined ? { vector_db: vectorDb } : {}),
    ...optionValues,
  });
  return runAndReport({
    dir,
    settings,
    options,
    mode: 'step',
    step: 'training_load',
    output: { json: Boolean(flags.json), verbose: Boolean(flags.verbose) },
    ...(flags.logFile !== undefined ? { logFile: flags.logFile } : {}),
    input: { allTrainingFiles: true },
    standalone: true,
  });
}
