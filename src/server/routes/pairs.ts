/** Reviewing a task's training data before it is loaded: its question/SQL pairs (services/pairs.ts) and table comments (services/table-docs.ts). */
import { addPair, deletePair, editPair, listPairs, taskPairScope, undoPairChange, validatePair } from '../../services/pairs.js';
import { editTableComments, listDocumentedTables } from '../../services/table-docs.js';
import type { ApiServer, AppContext } from '../context.js';
import { successBody } from '../envelope.js';
import { emptyBodyAsObject } from '../hooks.js';
import { errorResponses, TaskIdParams } from '../schemas/common.js';
import {
  AddPairBody,
  ChangeQuery,
  EditPairBody,
  NoBody,
  PairChangedResponse,
  PairDeletedResponse,
  PairListQuery,
  PairListResponse,
  PairParams,
  PairUndoneResponse,
  PairValidatedResponse,
} from '../schemas/pairs.js';
import { TableCommentsBody, TableCommentsResponse, TableParams, TablesResponse } from '../schemas/table-docs.js';

const BASE = '/api/v0/data_pipeline/tasks/:task_id/pairs';

export function pairRoutes(app: ApiServer, ctx: AppContext): void {
  const services = ctx.services;

  app.get(
    BASE,
    {
      schema: {
        tags: ['pairs'],
        summary: 'The pairs of the newest pair file with their review state, validation, theme and tables (filters: review, status, q)',
        params: TaskIdParams,
        querystring: PairListQuery,
        response: { 200: PairListResponse, ...errorResponses },
      },
    },
    async (request) => {
      const list = await listPairs(await taskPairScope(services, request.params.task_id), request.query);
      return successBody(200, `${list.pairs.length} pair(s)`, list);
    },
  );

  app.post(
    BASE,
    {
      schema: {
        tags: ['pairs'],
        summary: 'Add a pair (409 while a run holds the task)',
        params: TaskIdParams,
        body: AddPairBody,
        response: { 201: PairChangedResponse, ...errorResponses },
      },
    },
    async (request, reply) => {
      const { pair, change } = await addPair(await taskPairScope(services, request.params.task_id), request.body);
      reply.code(201);
      return successBody(201, `pair ${pair.id} added`, { pair, change });
    },
  );

  app.post(
    `${BASE}/undo`,
    {
      preValidation: emptyBodyAsObject,
      schema: {
        tags: ['pairs'],
        summary: 'Undo the newest change to the pairs (an add, an edit or a delete)',
        params: TaskIdParams,
        body: NoBody,
        response: { 200: PairUndoneResponse, ...errorResponses },
      },
    },
    async (request) => {
      const { undone, pair, skipped } = await undoPairChange(await taskPairScope(services, request.params.task_id));
      return successBody(200, `${undone.action} of pair ${undone.pair_id} undone`, { undone, pair, skipped });
    },
  );

  app.patch(
    `${BASE}/:pair_id`,
    {
      config: { nullIsValue: true },
      schema: {
        tags: ['pairs'],
        summary: 'Edit a pair: question, sql, review (approved, rejected, or null to clear)',
        params: PairParams,
        body: EditPairBody,
        response: { 200: PairChangedResponse, ...errorResponses },
      },
    },
    async (request) => {
      const { pair, change } = await editPair(await taskPairScope(services, request.params.task_id), request.params.pair_id, request.body);
      return successBody(200, change ? `pair ${pair.id} changed` : `pair ${pair.id} already says so: nothing changed`, { pair, change });
    },
  );

  app.delete(
    `${BASE}/:pair_id`,
    {
      schema: {
        tags: ['pairs'],
        summary: 'Delete a pair (undoable)',
        params: PairParams,
        querystring: ChangeQuery,
        response: { 200: PairDeletedResponse, ...errorResponses },
      },
    },
    async (request) => {
      const { change } = await deletePair(await taskPairScope(services, request.params.task_id), request.params.pair_id, request.query.by);
      return successBody(200, `pair ${change.pair_id} deleted`, { change });
    },
  );

  app.post(
    `${BASE}/:pair_id/validate`,
    {
      preValidation: emptyBodyAsObject,
      schema: {
        tags: ['pairs'],
        summary: "Check one pair's SQL against the source now (read-only EXPLAIN): its status and the database's error",
        params: PairParams,
        body: NoBody,
        response: { 200: PairValidatedResponse, ...errorResponses },
      },
    },
    async (request) => {
      const { pair } = await validatePair(await taskPairScope(services, request.params.task_id), request.params.pair_id);
      return successBody(200, `pair ${pair.id} is ${pair.validation.status}`, { pair });
    },
  );

  app.get(
    '/api/v0/data_pipeline/tasks/:task_id/tables',
    {
      schema: {
        tags: ['pairs'],
        summary: "The task's documented tables with the comments their _detail.md holds",
        params: TaskIdParams,
        response: { 200: TablesResponse, ...errorResponses },
      },
    },
    async (request) => {
      const listed = await listDocumentedTables(services, request.params.task_id);
      return successBody(200, `${listed.tables.length} documented table(s)`, listed);
    },
  );

  app.patch(
    '/api/v0/data_pipeline/tasks/:task_id/tables/:table',
    {
      // null takes an edit back.
      config: { nullIsValue: true },
      schema: {
        tags: ['pairs'],
        summary:
          "Edit a documented table's comment and column comments (null takes an edit back): its .ddl, _detail.md and comments.sql are rewritten, and later runs keep the edit",
        params: TableParams,
        body: TableCommentsBody,
        response: { 200: TableCommentsResponse, ...errorResponses },
      },
    },
    async (request) => {
      const outcome = await editTableComments(services, request.params.task_id, request.params.table, request.body);
      return successBody(200, `comments of ${outcome.table} changed`, outcome);
    },
  );
}
