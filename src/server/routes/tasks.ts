/** Task management: create, execute (complete or one step), get, list, query, delete, cancel. */
import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { promises as fs } from 'node:fs';
import { SAMPLE_DB_NAME } from '../../source/sample/index.js';
import { databaseNameOf, SAMPLE_SOURCE } from '../../source/source-database.js';
import { backupBeforeRun, disabledBackup, type BackupStats } from '../../tasks/pre-run-backup.js';
import { missingPrerequisites } from '../../tasks/prerequisites.js';
import { CLAIM_ONLY_OPTIONS, TaskIdTakenError, type NewTask, type RunOptions, type RunRecord, type TaskQuery, type TaskRecord } from '../../tasks/store/task-store.js';
import { decodeText } from '../../util/text-encoding.js';
import { redactSecrets } from '../../util/redact.js';
import { compactTimestamp } from '../../util/time.js';
import { assertTaskId, PathConfinementError } from '../../workflow/task-dir.js';
import { TABLE_LIST_FILE } from '../../workflow/task-files.js';
import { DEFAULT_BUSINESS_CONTEXT, type StepName as StepNameType } from '../../workflow/workflow-types.js';
import type { AppContext } from '../context.js';
import { checkConnection } from '../connection.js';
import { checkTableListText, TABLE_LIST_MAX_BYTES } from '../table-list-text.js';
import { ApiError, successBody } from '../envelope.js';
import { presentListItem, presentTask } from '../presenters.js';
import { data, emptyBodyAsObject, envelope, errorResponses, Language, StepName, TaskIdParams, TaskStatus, TaskView, StringEnum } from '../schemas.js';
import { requireTask } from './task-access.js';

const BASE = '/api/v0/data_pipeline/tasks';

interface PreparedRun {
  run: RunRecord;
  backup: BackupStats | null;
  /** Set when the backup failed and `backup.on_failure` is `abort`: the run was recorded failed. */
  abortedBy: string | null;
}

/**
 * The specification's backup, for complete runs only, under the claim and before anything is
 * written: moves the earlier files into file_bak_{timestamp} and records the statistics.
 */
async function prepareRun(ctx: AppContext, request: FastifyRequest, claimed: RunRecord, body: typeof ExecuteBody.static): Promise<PreparedRun> {
  let run = claimed;
  if (run.execution_mode !== 'complete') return { run, backup: null, abortedBy: null };
  let backup: BackupStats;
  if (!ctx.settings.backup.enabled) backup = disabledBackup('backup.enabled is false (DP_BACKUP_ENABLED)');
  else if (body.backup_existing_files === false) backup = disabledBackup('backup_existing_files was false in the request');
  else {
    const made = await backupBeforeRun({ dataRoot: ctx.dataRoot, taskId: run.task_id, settings: ctx.settings.backup, ops: ctx.backupOps });
    backup = made.stats;
    for (const line of made.log) request.log[line.level === 'ERROR' ? 'error' : line.level === 'WARNING' ? 'warn' : 'info']({ task_id: run.task_id }, line.message);
    run = await ctx.store.addRunOptions(run, { backup: { ...backup }, backup_log: made.log });
  }
  await ctx.store.setLastBackup(run.task_id, { ...backup });
  if (backup.status === 'failed' && ctx.settings.backup.onFailure === 'abort') {
    const error = `backup failed, run aborted (backup.on_failure = abort): ${backup.error}`;
    await ctx.store.finishRun(run, { status: 'failed', reason: 'error', error, taskStatus: 'failed', result: { backup }, llmUsage: null });
    return { run, backup, abortedBy: error };
  }
  return { run, backup, abortedBy: null };
}


const CreateBody = Type.Object({
  task_name: Type.Optional(Type.String({ maxLength: 200 })),
  db_connection: Type.Optional(
    Type.String({ maxLength: 2000, description: 'postgresql:// URL, or "sample" for the bundled sample database (default: DP_DEFAULT_DB_URL, else sample)' }),
  ),
  db_name: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
  business_context: Type.Optional(Type.String({ maxLength: 20_000 })),
  table_list_file: Type.Optional(Type.String({ minLength: 1, maxLength: 4096, description: 'a file inside the data root, copied to table_list.txt' })),
  created_by: Type.Optional(Type.String({ maxLength: 200 })),
  language: Type.Optional(Language),
  enable_sql_validation: Type.Optional(Type.Boolean({ default: true })),
  enable_llm_repair: Type.Optional(Type.Boolean({ default: true })),
  modify_original_file: Type.Optional(Type.Boolean({ default: true })),
  enable_training_data_load: Type.Optional(Type.Boolean({ default: true })),
  overwrite_comments: Type.Optional(Type.Boolean({ default: false })),
  execute_check: Type.Optional(Type.Boolean({ default: false })),
});

const ExecuteBody = Type.Object({
  execution_mode: Type.Optional(StringEnum(['complete', 'step'] as const, { default: 'complete' })),
  step_name: Type.Optional(StepName),
  backup_vector_tables: Type.Optional(Type.Boolean({ default: false })),
  truncate_vector_tables: Type.Optional(Type.Boolean({ default: false, description: 'implies backup_vector_tables' })),
  skip_training: Type.Optional(Type.Boolean({ default: false, description: 'only the vector table operations' })),
  backup_existing_files: Type.Optional(
    Type.Boolean({ default: true, description: 'complete mode: move the earlier files into file_bak_{timestamp} first (when backup.enabled)' }),
  ),
});

const ListQuery = Type.Object({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 50 })),
  offset: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000_000, default: 0 })),
  status: Type.Optional(TaskStatus),
});

const Timestamp = Type.String({ format: 'date-time' });
const QueryBody = Type.Object({
  page: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000_000, default: 1 })),
  page_size: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })),
  status: Type.Optional(TaskStatus),
  task_name: Type.Optional(Type.String({ maxLength: 200 })),
  created_by: Type.Optional(Type.String({ maxLength: 200 })),
  db_name: Type.Optional(Type.String({ maxLength: 128 })),
  created_time_start: Type.Optional(Timestamp),
  created_time_end: Type.Optional(Timestamp),
  started_time_start: Type.Optional(Timestamp),
  started_time_end: Type.Optional(Timestamp),
  completed_time_start: Type.Optional(Timestamp),
  completed_time_end: Type.Optional(Timestamp),
  sort_by: Type.Optional(
    StringEnum(['created_at', 'started_at', 'completed_at', 'task_name', 'status'] as const, { default: 'created_at' }),
  ),
  sort_order: Type.Optional(StringEnum(['asc', 'desc'] as const, { default: 'desc' })),
});

const DeleteBody = Type.Object({
  task_ids: Type.Array(TaskIdParams.properties.task_id, { minItems: 1, maxItems: 1000 }),
  confirm: Type.Boolean(),
  delete_database_records: Type.Optional(Type.Boolean({ default: false })),
  continue_on_error: Type.Optional(Type.Boolean({ default: true })),
});

/** The reference also took the delete parameters from the query string (used when there is no body). */
const DeleteQuery = Type.Object({
  task_ids: Type.Optional(Type.Array(Type.String(), { description: 'comma-separated, or repeated' })),
  confirm: Type.Optional(Type.Boolean()),
  delete_database_records: Type.Optional(Type.Boolean()),
  continue_on_error: Type.Optional(Type.Boolean()),
});

/** A DELETE without a body takes its parameters from the query string (then validated as the body). */
async function deleteBodyFromQuery(request: FastifyRequest): Promise<void> {
  if (request.body !== undefined && request.body !== null) return;
  const query = request.query as Record<string, string | string[] | undefined>;
  const body: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined) continue;
    body[key] = key === 'task_ids' ? [value].flat().flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean) : value;
  }
  request.body = body;
}

const TABLE_LIST_FILE_ACCEPTED = 'a table-list file inside the data root (a path relative to it, or absolute)';

/** The client's `table_list_file`, resolved inside the data root (400 naming what is accepted otherwise). */
async function tableListFilePath(ctx: AppContext, given: string): Promise<string> {
  try {
    return await ctx.dataRoot.resolveInside('body.table_list_file', given);
  } catch (error) {
    if (!(error instanceof PathConfinementError)) throw error;
    throw ApiError.invalid('body.table_list_file', error.message.replace(/^body\.table_list_file /, ''), TABLE_LIST_FILE_ACCEPTED);
  }
}

/**
 * Creates the task under `task_YYYYMMDD_HHMMSS` (suffixed `_2`, `_3`… within a second); when a burst
 * has taken every suffix of the current second, tries again in the next one.
 */
async function createWithFreshId(ctx: AppContext, task: Omit<NewTask, 'task_id'>): Promise<TaskRecord> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await ctx.store.createTask({ ...task, task_id: `task_${compactTimestamp()}` }, { suffixOnConflict: true });
    } catch (error) {
      if (!(error instanceof TaskIdTakenError)) throw error;
      if (attempt >= 10) throw new ApiError(503, 'TOO_MANY_CREATES', 'too many tasks are being created at once; try again in a few seconds', { canRetry: true });
      await new Promise((resolve) => setTimeout(resolve, 1000 - (Date.now() % 1000) + 10));
    }
  }
}

export function taskRoutes(app: FastifyInstance, ctx: AppContext): void {
  const presented = new WeakMap<object, Record<string, unknown>>();

  app.post(
    BASE,
    {
      preValidation: emptyBodyAsObject,
      schema: {
        tags: ['tasks'],
        summary: 'Create a task',
        body: CreateBody,
        response: { 201: envelope(data({ task_id: Type.String(), task_name: Type.Union([Type.String(), Type.Null()]), status: Type.String(), created_at: Type.String() })), ...errorResponses },
      },
    },
    async (request, reply) => {
      const body = request.body as typeof CreateBody.static;
      const connection = checkConnection(body.db_connection ?? ctx.settings.server.defaultDbUrl);
      let tableList: string | undefined;
      if (body.table_list_file) {
        const file = await tableListFilePath(ctx, body.table_list_file);
        const stat = await fs.stat(file);
        if (!stat.isFile()) throw ApiError.invalid('body.table_list_file', 'is not a file', TABLE_LIST_FILE_ACCEPTED);
        if (stat.size > TABLE_LIST_MAX_BYTES) throw new ApiError(413, 'PAYLOAD_TOO_LARGE', `body.table_list_file is ${stat.size} bytes; at most ${TABLE_LIST_MAX_BYTES} are accepted`);
        tableList = decodeText(await fs.readFile(file)).text;
        checkTableListText(tableList, 'body.table_list_file', ctx.settings.maxTables);
      }
      const task = await createWithFreshId(
        ctx,
        {
          task_name: body.task_name || null,
          db_connection: connection,
          db_name: body.db_name ?? (connection === SAMPLE_SOURCE ? SAMPLE_DB_NAME : databaseNameOf(connection)),
          business_context: body.business_context?.trim() || DEFAULT_BUSINESS_CONTEXT,
          created_by: body.created_by ?? null,
          parameters: {
            language: body.language ?? 'en',
            overwrite_comments: body.overwrite_comments ?? false,
            enable_sql_validation: body.enable_sql_validation ?? true,
            enable_llm_repair: body.enable_llm_repair ?? true,
            modify_original_file: body.modify_original_file ?? true,
            execute_check: body.execute_check ?? false,
            enable_training_data_load: body.enable_training_data_load ?? true,
            table_list_file: body.table_list_file ?? null,
          },
        },
      );
      const dir = await ctx.dataRoot.taskDir(task.task_id, { create: true });
      if (tableList !== undefined) await dir.writeFile(TABLE_LIST_FILE, tableList);
      const waiting = tableList === undefined;
      return reply.status(201).send(
        successBody(201, waiting ? 'task created; upload a table list next' : 'task created', {
          task_id: task.task_id,
          task_name: task.task_name,
          status: task.status,
          created_at: task.created_at,
          ...(waiting ? { file_upload_mode: true, next_step: `POST ${BASE}/${task.task_id}/upload-table-list` } : {}),
        }),
      );
    },
  );

  app.post(
    `${BASE}/:task_id/execute`,
    {
      preValidation: emptyBodyAsObject,
      schema: {
        tags: ['tasks'],
        summary: 'Execute the complete workflow or one step (answers 202 at once)',
        params: TaskIdParams,
        body: Type.Optional(ExecuteBody),
        response: { 202: envelope(data({ task_id: Type.String(), execution_mode: Type.String(), step_name: Type.Union([Type.String(), Type.Null()]), run_id: Type.String() })), ...errorResponses },
      },
    },
    async (request, reply) => {
      const { task_id } = request.params as typeof TaskIdParams.static;
      const body = (request.body ?? {}) as typeof ExecuteBody.static;
      const mode = body.execution_mode ?? 'complete';
      if (mode === 'step' && !body.step_name) {
        throw new ApiError(400, 'MISSING_PARAMS', 'body.step_name is required when execution_mode is "step"', { missing: ['body.step_name'] });
      }
      // A step named with a complete run is a contradiction, not something to ignore silently.
      if (mode === 'complete' && body.step_name) {
        throw ApiError.invalid('body.step_name', `is ${JSON.stringify(body.step_name)} but execution_mode is "complete" (which runs every step)`, 'no step_name, or execution_mode "step"');
      }
      const step: StepNameType | null = mode === 'step' ? (body.step_name as StepNameType) : null;
      const task = await requireTask(ctx, task_id);
      const dir = (await ctx.dataRoot.exists(task.task_id)) ? await ctx.dataRoot.taskDir(task.task_id) : undefined;
      // Step mode checks what the step reads. A complete run is always accepted, as in the reference
      // (the specification's backup scenarios start from an empty directory); without a table list
      // its first step fails and says so.
      if (step) {
        const missing = await missingPrerequisites(dir, step, { skipTraining: body.skip_training });
        if (missing.length) throw new ApiError(400, 'PREREQUISITES_MISSING', `cannot run ${step} yet: ${missing.join('; ')}`);
      } else if (dir) {
        // A table list that is a link leading outside the task directory is refused (400) before
        // any claim or backup: the run would read it.
        await dir.exists(TABLE_LIST_FILE);
      }
      const options: RunOptions = {
        backup_vector_tables: Boolean(body.backup_vector_tables || body.truncate_vector_tables),
        truncate_vector_tables: Boolean(body.truncate_vector_tables),
        skip_training: Boolean(body.skip_training),
      };
      const claim = await ctx.store.claimRun({ taskId: task.task_id, mode, step, options, owner: ctx.runner.owner });
      if ('conflict' in claim) {
        const active = claim.conflict;
        throw new ApiError(
          409,
          'TASK_RUNNING',
          `task ${task.task_id} already has an active run: ${active.run_id} (${active.status}, ${active.execution_mode}${active.step_name ? ` ${active.step_name}` : ''}, since ${active.created_at})`,
          { canRetry: true },
        );
      }
      // Between the claim and the queue: the claim is kept alive (heartbeat) while the backup runs,
      // and anything failing here must not leave it behind.
      let prepared: PreparedRun;
      try {
        prepared = await ctx.runner.holding(claim.run, () => prepareRun(ctx, request, claim.run, body));
      } catch (error) {
        await ctx.store
          .finishRun(claim.run, { status: 'failed', reason: 'error', error: `could not start the run: ${redactSecrets(String(error))}`, taskStatus: 'failed', result: null, llmUsage: null })
          .catch(() => undefined);
        throw error;
      }
      const { run, backup, abortedBy } = prepared;
      if (abortedBy) {
        return reply.status(202).send(
          successBody(202, abortedBy, { task_id: task.task_id, execution_mode: mode, step_name: step, run_id: run.run_id, run_status: 'failed', backup }),
        );
      }
      ctx.runner.enqueue(run);
      return reply.status(202).send(
        successBody(202, `${step ?? 'complete workflow'} accepted; follow it with GET ${BASE}/${task.task_id} or its /events`, {
          task_id: task.task_id,
          execution_mode: mode,
          step_name: step,
          run_id: run.run_id,
          run_status: 'queued',
          message: 'the run is queued and starts when a slot is free',
          ...(backup ? { backup } : {}),
        }),
      );
    },
  );

  app.get(
    `${BASE}/:task_id`,
    { schema: { tags: ['tasks'], summary: 'Get a task with its steps', params: TaskIdParams, response: { 200: envelope(TaskView), ...errorResponses } } },
    async (request) => {
      const { task_id } = request.params as typeof TaskIdParams.static;
      const detail = await ctx.store.getTaskDetail(task_id);
      if (!detail) throw ApiError.notFound(`task ${task_id}`, 'TASK_NOT_FOUND');
      // Pollers ask for the same detail many times between changes: present it once.
      let view = presented.get(detail);
      if (!view) {
        view = presentTask(detail.task, detail.steps, detail.activeRun);
        presented.set(detail, view);
      }
      return successBody(200, 'task found', view);
    },
  );

  app.get(
    BASE,
    {
      schema: {
        tags: ['tasks'],
        summary: 'List tasks, newest first',
        querystring: ListQuery,
        response: { 200: envelope(data({ tasks: Type.Array(Type.Object({}, { additionalProperties: true })), total: Type.Integer(), limit: Type.Integer(), offset: Type.Integer() })), ...errorResponses },
      },
    },
    async (request) => {
      const query = request.query as typeof ListQuery.static;
      const limit = query.limit ?? 50;
      const offset = query.offset ?? 0;
      const { tasks, total } = await ctx.store.queryTasks({ status: query.status, sort_by: 'created_at', sort_order: 'desc', limit, offset });
      const items = await Promise.all(tasks.map(async (t) => presentListItem(t, await ctx.dataRoot.exists(t.task_id))));
      return successBody(200, `${items.length} of ${total} task(s)`, { tasks: items, total, limit, offset });
    },
  );

  app.post(
    `${BASE}/query`,
    {
      preValidation: emptyBodyAsObject,
      schema: {
        tags: ['tasks'],
        summary: 'Search tasks with filters, sorting and pages',
        body: Type.Optional(QueryBody),
        response: { 200: envelope(data({ tasks: Type.Array(Type.Object({}, { additionalProperties: true })), pagination: Type.Object({}, { additionalProperties: true }) })), ...errorResponses },
      },
    },
    async (request) => {
      const started = performance.now();
      const body = (request.body ?? {}) as typeof QueryBody.static;
      const page = body.page ?? 1;
      const pageSize = body.page_size ?? 20;
      const { page: _p, page_size: _s, sort_by, sort_order, ...filters } = body;
      const query: TaskQuery = {
        ...filters,
        sort_by: (sort_by ?? 'created_at') as TaskQuery['sort_by'],
        sort_order: sort_order ?? 'desc',
        limit: pageSize,
        offset: (page - 1) * pageSize,
      };
      const { tasks, total } = await ctx.store.queryTasks(query);
      const items = await Promise.all(tasks.map(async (t) => presentListItem(t, await ctx.dataRoot.exists(t.task_id))));
      const totalPages = Math.max(1, Math.ceil(total / pageSize));
      return successBody(200, `${items.length} of ${total} task(s)`, {
        tasks: items,
        pagination: { page, page_size: pageSize, total, total_pages: totalPages, has_next: page < totalPages, has_prev: page > 1 },
        filters_applied: filters,
        sort_applied: { sort_by: query.sort_by, sort_order: query.sort_order },
        query_time: `${((performance.now() - started) / 1000).toFixed(3)}s`,
      });
    },
  );

  app.delete(
    BASE,
    {
      preValidation: deleteBodyFromQuery,
      schema: {
        tags: ['tasks'],
        summary: 'Delete task directories (and optionally their records); JSON body, or the same parameters in the query string',
        body: DeleteBody,
        querystring: DeleteQuery,
        response: { 200: envelope(data({ deleted_tasks: Type.Array(Type.Object({}, { additionalProperties: true })), failed_tasks: Type.Array(Type.Object({}, { additionalProperties: true })) })), ...errorResponses },
      },
    },
    async (request) => {
      const body = request.body as typeof DeleteBody.static;
      if (body.confirm !== true) throw ApiError.invalid('body.confirm', 'must be true to delete', 'true');
      // Every id is checked before anything is deleted (a reserved name is refused, not skipped).
      for (const taskId of body.task_ids) assertTaskId(taskId);
      const continueOnError = body.continue_on_error ?? true;
      const deleted: Record<string, unknown>[] = [];
      const failed: { task_id: string; error: string; error_code: string }[] = [];
      for (const taskId of [...new Set(body.task_ids)]) {
        try {
          const task = await ctx.store.getTask(taskId);
          const hasDir = await ctx.dataRoot.exists(taskId);
          if (!task && !hasDir) throw new ApiError(404, 'TASK_NOT_FOUND', `task ${taskId} not found`);
          // The delete holds the task's claim: no run or restore can start while its files go.
          const claim = task
            ? await ctx.store.claimRun({ taskId, mode: 'delete', step: null, options: { ...CLAIM_ONLY_OPTIONS }, owner: ctx.runner.owner })
            : undefined;
          if (claim && 'conflict' in claim) throw new ApiError(409, 'TASK_RUNNING', `task ${taskId} has an active run (${claim.conflict.run_id}); cancel it first`, { canRetry: true });
          let removed: Awaited<ReturnType<typeof ctx.dataRoot.deleteTaskDir>>;
          try {
            removed = await ctx.dataRoot.deleteTaskDir(taskId);
          } catch (error) {
            if (claim) await ctx.store.releaseRun(claim.run, { status: 'failed', error: error instanceof Error ? error.message : String(error) });
            throw error;
          }
          // Deleting the records removes the claim with them; otherwise it is released.
          const recordsDeleted = body.delete_database_records ? (await ctx.store.deleteTasks([taskId])).length > 0 : false;
          if (claim && !recordsDeleted) await ctx.store.releaseRun(claim.run, { status: 'completed', error: null });
          deleted.push({
            success: true,
            task_id: taskId,
            directory_deleted: removed.deleted,
            database_records_deleted: recordsDeleted,
            deleted_files_count: removed.files,
            deleted_size: removed.bytes,
            deleted_at: new Date().toISOString(),
          });
        } catch (error) {
          const apiError = error instanceof ApiError ? error : new ApiError(500, 'DELETE_FAILED', error instanceof Error ? error.message : String(error));
          failed.push({ task_id: taskId, error: apiError.message, error_code: apiError.errorType });
          if (!continueOnError) break;
        }
      }
      return successBody(200, `${deleted.length} deleted, ${failed.length} failed`, {
        deleted_tasks: deleted,
        failed_tasks: failed,
        summary: { total_requested: body.task_ids.length, successfully_deleted: deleted.length, failed: failed.length },
        deleted_at: new Date().toISOString(),
      });
    },
  );

  app.post(
    `${BASE}/:task_id/cancel`,
    {
      schema: {
        tags: ['tasks'],
        summary: 'Cancel the active run at its next safe point',
        params: TaskIdParams,
        response: { 200: envelope(data({ task_id: Type.String(), run_id: Type.String() })), ...errorResponses },
      },
    },
    async (request) => {
      const { task_id } = request.params as typeof TaskIdParams.static;
      await requireTask(ctx, task_id);
      const run = await ctx.runner.cancel(task_id);
      if (!run) throw new ApiError(409, 'NO_ACTIVE_RUN', `task ${task_id} has no queued or running run to cancel`);
      return successBody(200, 'cancellation requested; the run stops at its next safe point', { task_id, run_id: run.run_id, status: 'cancelling' });
    },
  );
}
