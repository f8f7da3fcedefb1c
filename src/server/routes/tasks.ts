/** Task management: create, execute (complete or one step), get, list, query, delete, cancel; the step catalog. */
import { STEP_CATALOG } from '../../services/catalog.js';
import { taskDrift } from '../../services/drift.js';
import { taskRunHistory } from '../../services/runs.js';
import { executeTask } from '../../services/execute.js';
import { cancelTask, createTask, deleteTasks, getTaskDetail, queryTasks } from '../../services/tasks.js';
import type { ApiServer, AppContext } from '../context.js';
import { formatSize } from '../../util/format-size.js';
import { successBody } from '../envelope.js';
import { bodyFromQuery, emptyBodyAsObject } from '../hooks.js';
import { presentListItem, presentTask } from '../presenters.js';
import { errorResponses, TaskIdParams } from '../schemas/common.js';
import { DriftResponse } from '../schemas/drift.js';
import { RunsQuery, RunsResponse } from '../schemas/runs.js';
import {
  CancelResponse,
  CreateBody,
  CreatedResponse,
  DeleteBody,
  DeleteQuery,
  DeleteResponse,
  ExecuteBody,
  ExecuteResponse,
  ListQuery,
  ListResponse,
  QueryBody,
  QueryResponse,
  StepsResponse,
  TaskResponse,
} from '../schemas/tasks.js';

const BASE = '/api/v0/data_pipeline/tasks';

export function taskRoutes(app: ApiServer, ctx: AppContext): void {
  const services = ctx.services;
  const presented = new WeakMap<object, ReturnType<typeof presentTask>>();

  app.post(
    BASE,
    {
      preValidation: emptyBodyAsObject,
      schema: { tags: ['tasks'], summary: 'Create a task', body: CreateBody, response: { 201: CreatedResponse, ...errorResponses } },
    },
    async (request, reply) => {
      const { task, hasTableList } = await createTask(services, request.body);
      const waiting = !hasTableList;
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
        body: ExecuteBody,
        response: { 202: ExecuteResponse, ...errorResponses },
      },
    },
    async (request, reply) => {
      const outcome = await executeTask(services, request.params.task_id, request.body, request.log);
      const { run, mode, step, backup, abortedBy } = outcome;
      const base = { task_id: run.task_id, execution_mode: mode, step_name: step, run_id: run.run_id, ...(backup ? { backup } : {}) };
      if (abortedBy) return reply.status(202).send(successBody(202, abortedBy, { ...base, run_status: 'failed' as const }));
      return reply.status(202).send(
        successBody(202, `${step ?? 'complete workflow'} accepted; follow it with GET ${BASE}/${run.task_id} or its /events`, {
          ...base,
          run_status: 'queued' as const,
          message: 'the run is queued and starts when a slot is free',
        }),
      );
    },
  );

  app.get(
    `${BASE}/:task_id`,
    { schema: { tags: ['tasks'], summary: 'Get a task with its steps', params: TaskIdParams, response: { 200: TaskResponse, ...errorResponses } } },
    async (request) => {
      const detail = await getTaskDetail(services, request.params.task_id);
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
    `${BASE}/:task_id/runs`,
    {
      schema: {
        tags: ['tasks'],
        summary: "The task's runs, newest first: mode, outcome, times, duration, counts (also restores, deletes and uploads, which hold the task too)",
        params: TaskIdParams,
        querystring: RunsQuery,
        response: { 200: RunsResponse, ...errorResponses },
      },
    },
    async (request) => {
      const history = await taskRunHistory(services, request.params.task_id, request.query.limit ?? 50);
      return successBody(200, `${history.runs.length} run(s)`, history);
    },
  );

  app.get(
    `${BASE}/:task_id/drift`,
    {
      schema: {
        tags: ['tasks'],
        summary: "What changed in the task's source database since its files were made (tables, columns, comments)",
        params: TaskIdParams,
        response: { 200: DriftResponse, ...errorResponses },
      },
    },
    async (request) => {
      const drift = await taskDrift(services, request.params.task_id);
      const changes = drift.tables_added.length + drift.tables_removed.length + drift.tables_changed.length;
      return successBody(200, drift.drifted ? `${changes} table(s) drifted` : 'no drift', drift);
    },
  );

  app.get(
    BASE,
    { schema: { tags: ['tasks'], summary: 'List tasks, newest first', querystring: ListQuery, response: { 200: ListResponse, ...errorResponses } } },
    async (request) => {
      const limit = request.query.limit ?? 50;
      const offset = request.query.offset ?? 0;
      const { tasks, total } = await queryTasks(services, { status: request.query.status, sort_by: 'created_at', sort_order: 'desc', limit, offset });
      const items = tasks.map(presentListItem);
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
        body: QueryBody,
        response: { 200: QueryResponse, ...errorResponses },
      },
    },
    async (request) => {
      const started = performance.now();
      const { page = 1, page_size: pageSize = 20, sort_by: sortBy = 'created_at', sort_order: sortOrder = 'desc', ...filters } = request.body;
      const { tasks, total } = await queryTasks(services, {
        ...filters,
        sort_by: sortBy,
        sort_order: sortOrder,
        limit: pageSize,
        offset: (page - 1) * pageSize,
      });
      const totalPages = Math.max(1, Math.ceil(total / pageSize));
      return successBody(200, `${tasks.length} of ${total} task(s)`, {
        tasks: tasks.map(presentListItem),
        pagination: { page, page_size: pageSize, total, total_pages: totalPages, has_next: page < totalPages, has_prev: page > 1 },
        filters_applied: filters,
        sort_applied: { sort_by: sortBy, sort_order: sortOrder },
        query_time: `${((performance.now() - started) / 1000).toFixed(3)}s`,
      });
    },
  );

  app.delete(
    BASE,
    {
      preValidation: bodyFromQuery,
      schema: {
        tags: ['tasks'],
        summary: 'Delete task directories (and optionally their records); JSON body, or the same parameters in the query string',
        body: DeleteBody,
        querystring: DeleteQuery,
        response: { 200: DeleteResponse, ...errorResponses },
      },
    },
    async (request) => {
      const { deleted, failed } = await deleteTasks(services, request.body);
      return successBody(200, `${deleted.length} deleted, ${failed.length} failed`, {
        deleted_tasks: deleted.map((d) => ({
          success: true as const,
          ...d,
          deleted_size: formatSize(d.deleted_bytes),
          operation_message: d.directory_deleted ? 'directory deleted' : 'the directory did not exist; nothing to delete',
        })),
        failed_tasks: failed,
        summary: { total_requested: request.body.task_ids.length, successfully_deleted: deleted.length, failed: failed.length },
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
        response: { 200: CancelResponse, ...errorResponses },
      },
    },
    async (request) => {
      const run = await cancelTask(services, request.params.task_id);
      return successBody(200, 'cancellation requested; the run stops at its next safe point', {
        task_id: run.task_id,
        run_id: run.run_id,
        status: 'cancelling' as const,
      });
    },
  );

  app.get(
    '/api/v0/data_pipeline/steps',
    {
      schema: {
        tags: ['tasks'],
        summary: 'The pipeline steps in run order: names, labels, inputs, outputs',
        response: { 200: StepsResponse, ...errorResponses },
      },
    },
    async () =>
      successBody(200, `${STEP_CATALOG.length} steps`, {
        steps: STEP_CATALOG.map((s) => ({
          name: s.name,
          labels: { ...s.labels },
          summary: s.summary,
          inputs: [...s.inputs],
          outputs: [...s.outputs],
          switch: s.switch,
          role: s.role,
        })),
      }),
  );
}
