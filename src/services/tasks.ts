/** Tasks: create one, read one, list and search them, delete them, cancel a task's run. */
import { promises as fs } from 'node:fs';
import { AppError, errorMessage, PathConfinementError } from '../errors.js';
import { SAMPLE_DB_NAME } from '../source/sample/sample-names.js';
import { databaseNameOf, SAMPLE_SOURCE } from '../source/source-database.js';
import { assertTaskId } from '../task-directory/task-dir.js';
import { TABLE_LIST_FILE } from '../task-directory/task-files.js';
import { TaskIdTakenError, type NewTask, type RunRecord, type StepRecord, type TaskQuery, type TaskRecord } from '../tasks/store/task-store.js';
import { decodeText } from '../util/text-encoding.js';
import { compactTimestamp, zonedIsoDateTime } from '../util/time.js';
import { DEFAULT_BUSINESS_CONTEXT, resolveRunOptions, taskOptionsFromRecord, taskOptionsOf, type TaskOptions } from '../workflow/run-options.js';
import { adoptFolder, adoptUnknownFolders } from './adopt.js';
import { checkConnection } from './connection.js';
import type { ServiceContext } from './context.js';
import { withTaskClaim } from './task-claim.js';
import { checkTableListText, TABLE_LIST_MAX_BYTES } from './table-list-rules.js';

export { aggregateStepStatus } from '../tasks/task-status.js';
export type { RunRecord, StepRecord, TaskRecord };

/** A task's stored parameters as the API shows them: every task option (defaults for those an older record lacks). */
export function taskParameters(task: TaskRecord): TaskOptions & { table_list_file: string | null } {
  const stored = task.parameters as unknown as Record<string, unknown>;
  return {
    ...taskOptionsOf(resolveRunOptions(taskOptionsFromRecord(stored))),
    table_list_file: typeof stored.table_list_file === 'string' ? stored.table_list_file : null,
  };
}

export interface CreateTaskInput extends Partial<TaskOptions> {
  task_name?: string;
  /** A postgresql:// URL or `sample`; default: DP_DEFAULT_DB_URL. */
  db_connection?: string;
  db_name?: string;
  business_context?: string;
  /** A file inside the data root, copied to the task's table_list.txt. */
  table_list_file?: string;
  created_by?: string;
}

const TABLE_LIST_FILE_ACCEPTED = 'a table-list file inside the data root (a path relative to it, or absolute)';

/** The table list named by `table_list_file`: inside the data root, a file, within the limits. */
async function readNamedTableList(ctx: ServiceContext, given: string): Promise<string> {
  let file: string;
  try {
    file = await ctx.dataRoot.resolveInside('body.table_list_file', given);
  } catch (error) {
    if (!(error instanceof PathConfinementError)) throw error;
    throw AppError.invalid('body.table_list_file', error.reason, TABLE_LIST_FILE_ACCEPTED);
  }
  const stat = await fs.stat(file);
  if (!stat.isFile()) throw AppError.invalid('body.table_list_file', 'is not a file', TABLE_LIST_FILE_ACCEPTED);
  if (stat.size > TABLE_LIST_MAX_BYTES)
    throw new AppError('PAYLOAD_TOO_LARGE', `body.table_list_file is ${stat.size} bytes; at most ${TABLE_LIST_MAX_BYTES} are accepted`);
  const text = decodeText(await fs.readFile(file)).text;
  checkTableListText(text, 'body.table_list_file', ctx.settings.maxTables);
  return text;
}

/**
 * Records the task under `task_YYYYMMDD_HHMMSS` (suffixed `_2`, `_3`… within a second); when a
 * burst has taken every suffix of the current second, tries again in the next one.
 */
async function createWithFreshId(ctx: ServiceContext, task: Omit<NewTask, 'task_id'>): Promise<TaskRecord> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await ctx.store.createTask({ ...task, task_id: `task_${compactTimestamp()}` }, { suffixOnConflict: true });
    } catch (error) {
      if (!(error instanceof TaskIdTakenError)) throw error;
      if (attempt >= 10) throw new AppError('TOO_MANY_CREATES', 'too many tasks are being created at once; try again in a few seconds', { canRetry: true });
      await new Promise((resolve) => setTimeout(resolve, 1000 - (Date.now() % 1000) + 10));
    }
  }
}

/** Creates a task (its record and directory; its table list when a file is named). */
export async function createTask(ctx: ServiceContext, input: CreateTaskInput): Promise<{ task: TaskRecord; hasTableList: boolean }> {
  // The default was checked when the settings were read.
  const connection = input.db_connection !== undefined ? checkConnection(input.db_connection) : ctx.settings.server.defaultDbUrl;
  const tableList = input.table_list_file ? await readNamedTableList(ctx, input.table_list_file) : undefined;
  const task = await createWithFreshId(ctx, {
    task_name: input.task_name || null,
    db_connection: connection,
    db_name: input.db_name ?? (connection === SAMPLE_SOURCE ? SAMPLE_DB_NAME : databaseNameOf(connection)),
    business_context: input.business_context?.trim() || DEFAULT_BUSINESS_CONTEXT,
    created_by: input.created_by ?? null,
    parameters: { ...taskOptionsOf(resolveRunOptions(input)), table_list_file: input.table_list_file ?? null },
  });
  const dir = await ctx.dataRoot.taskDir(task.task_id, { create: true });
  if (tableList !== undefined) await dir.writeFile(TABLE_LIST_FILE, tableList);
  return { task, hasTableList: tableList !== undefined };
}

/** The task's record (a task folder without one is adopted: services/adopt.ts), or 404. */
export async function requireTask(ctx: ServiceContext, taskId: string): Promise<TaskRecord> {
  const task = (await ctx.store.getTask(taskId)) ?? (await adoptFolder(ctx, taskId));
  if (!task) throw AppError.notFound(`task ${taskId}`, 'TASK_NOT_FOUND');
  return task;
}

export interface TaskDetail {
  task: TaskRecord;
  steps: StepRecord[];
  activeRun: RunRecord | undefined;
}

/** A task with its steps and active run (served from the store's cache of details), or 404. */
export async function getTaskDetail(ctx: ServiceContext, taskId: string): Promise<TaskDetail> {
  let detail = await ctx.store.getTaskDetail(taskId);
  if (!detail && (await adoptFolder(ctx, taskId))) detail = await ctx.store.getTaskDetail(taskId);
  if (!detail) throw AppError.notFound(`task ${taskId}`, 'TASK_NOT_FOUND');
  return detail;
}

export type TaskListItem = TaskRecord & { step_statuses: StepRecord['step_status'][]; directory_exists: boolean };

const TIME_FILTERS = [
  'created_time_start',
  'created_time_end',
  'started_time_start',
  'started_time_end',
  'completed_time_start',
  'completed_time_end',
] as const;

/**
 * A time filter with its zone: one without (`2025-01-01T00:00:00`, as the existing service's clients
 * send them) is read in this server's time zone. (The schema's format has refused what is no date.)
 */
function filterInstant(field: string, value: string): string {
  const zoned = zonedIsoDateTime(value);
  if (!zoned)
    throw AppError.invalid(`body.${field}`, `is not a date and time: ${JSON.stringify(value)}`, "ISO 8601, with or without a zone (without: the server's)");
  return zoned;
}

/** Tasks matching `query` (filters, sort, page) and how many match in all. */
export async function queryTasks(ctx: ServiceContext, query: TaskQuery): Promise<{ tasks: TaskListItem[]; total: number }> {
  const instants: Partial<Record<(typeof TIME_FILTERS)[number], string>> = {};
  for (const field of TIME_FILTERS) {
    const value = query[field];
    if (value) instants[field] = filterInstant(field, value);
  }
  // Task folders nobody recorded become tasks before the page and its total are read.
  await adoptUnknownFolders(ctx);
  const { tasks, total } = await ctx.store.queryTasks({ ...query, ...instants });
  // (A task whose step rows are all gone has none: never null.)
  const items = await Promise.all(
    tasks.map(async (t) => ({ ...t, step_statuses: t.step_statuses ?? [], directory_exists: await ctx.dataRoot.exists(t.task_id) })),
  );
  return { tasks: items, total };
}

export interface DeleteTasksInput {
  task_ids: string[];
  confirm: boolean;
  delete_database_records?: boolean;
  continue_on_error?: boolean;
}

export interface DeletedTask {
  task_id: string;
  directory_deleted: boolean;
  database_records_deleted: boolean;
  deleted_files_count: number;
  deleted_bytes: number;
  deleted_at: string;
}

export interface FailedDelete {
  task_id: string;
  error: string;
  error_code: string;
}

/** Deletes one task's directory (and records), holding its claim: no run or restore starts meanwhile. */
async function deleteOne(ctx: ServiceContext, taskId: string, deleteRecords: boolean): Promise<DeletedTask> {
  const task = await ctx.store.getTask(taskId);
  const hasDir = await ctx.dataRoot.exists(taskId);
  if (!task && !hasDir) throw new AppError('TASK_NOT_FOUND', `task ${taskId} not found`);
  const remove = async () => {
    const removed = await ctx.dataRoot.deleteTaskDir(taskId);
    // Deleting the records removes the claim with them.
    const recordsDeleted = deleteRecords ? (await ctx.store.deleteTasks([taskId])).length > 0 : false;
    return { removed, recordsDeleted };
  };
  // A directory the store does not know has no claim to take.
  const { removed, recordsDeleted } = task ? await withTaskClaim(ctx, taskId, 'delete', 'delete it', remove) : await remove();
  return {
    task_id: taskId,
    directory_deleted: removed.deleted,
    database_records_deleted: recordsDeleted,
    deleted_files_count: removed.files,
    deleted_bytes: removed.bytes,
    deleted_at: new Date().toISOString(),
  };
}

/** Deletes task directories (and records with `delete_database_records`); every id is checked first. */
export async function deleteTasks(ctx: ServiceContext, input: DeleteTasksInput): Promise<{ deleted: DeletedTask[]; failed: FailedDelete[] }> {
  if (input.confirm !== true) throw AppError.invalid('body.confirm', 'must be true to delete', 'true');
  // A reserved or malformed id is refused before anything is deleted, not skipped.
  for (const taskId of input.task_ids) assertTaskId(taskId);
  const continueOnError = input.continue_on_error ?? true;
  const deleted: DeletedTask[] = [];
  const failed: FailedDelete[] = [];
  for (const taskId of [...new Set(input.task_ids)]) {
    try {
      deleted.push(await deleteOne(ctx, taskId, Boolean(input.delete_database_records)));
    } catch (error) {
      const appError = error instanceof AppError ? error : new AppError('DELETE_FAILED', errorMessage(error));
      failed.push({ task_id: taskId, error: appError.message, error_code: appError.code });
      if (!continueOnError) break;
    }
  }
  return { deleted, failed };
}

/** Asks the task's active run to stop at its next safe point; 409 when it has none. */
export async function cancelTask(ctx: ServiceContext, taskId: string): Promise<RunRecord> {
  await requireTask(ctx, taskId);
  const run = await ctx.runner.cancel(taskId);
  if (!run) throw new AppError('NO_ACTIVE_RUN', `task ${taskId} has no queued or running run to cancel`);
  return run;
}
