/** The task log `data_pipeline.log`: the latest records, or a search. */
import { latestLogRecords, queryTaskLog, TASK_LOG_FILE } from '../../services/logs.js';
import { formatSize } from '../../util/format-size.js';
import type { ApiServer, AppContext } from '../context.js';
import { successBody } from '../envelope.js';
import { emptyBodyAsObject } from '../hooks.js';
import { errorResponses, TaskIdParams } from '../schemas/common.js';
import { LogQueryBody, LogQueryResponse, LogsQuery, LogsResponse } from '../schemas/files.js';

export function logRoutes(app: ApiServer, ctx: AppContext): void {
  const services = ctx.services;

  app.get(
    '/api/v0/data_pipeline/tasks/:task_id/logs',
    {
      schema: {
        tags: ['logs'],
        summary: 'The latest task log records',
        params: TaskIdParams,
        querystring: LogsQuery,
        response: { 200: LogsResponse, ...errorResponses },
      },
    },
    async (request) => {
      const { task_id } = request.params;
      const { logs, total } = await latestLogRecords(services, task_id, request.query);
      return successBody(200, `${logs.length} of ${total} record(s)`, { task_id, logs, total, source: 'file' as const, log_file: TASK_LOG_FILE });
    },
  );

  app.post(
    '/api/v0/data_pipeline/tasks/:task_id/logs/query',
    {
      preValidation: emptyBodyAsObject,
      schema: {
        tags: ['logs'],
        summary: 'Search the task log',
        params: TaskIdParams,
        body: LogQueryBody,
        response: { 200: LogQueryResponse, ...errorResponses },
      },
    },
    async (request) => {
      const started = performance.now();
      const result = await queryTaskLog(services, request.params.task_id, request.body);
      const totalPages = Math.max(1, Math.ceil(result.total / result.page_size));
      return successBody(200, `${result.total} matching record(s)`, {
        logs: result.logs,
        pagination: {
          page: result.page,
          page_size: result.page_size,
          total: result.total,
          total_pages: totalPages,
          has_next: result.page < totalPages,
          has_prev: result.page > 1,
        },
        log_file_info: {
          exists: result.log.exists,
          file_name: TASK_LOG_FILE,
          file_path: `${request.params.task_id}/${TASK_LOG_FILE}`,
          file_size: result.log.size,
          file_size_formatted: formatSize(result.log.size),
          last_modified: result.log.modifiedAt?.toISOString() ?? null,
          total_lines: result.log.lines,
        },
        query_time: `${((performance.now() - started) / 1000).toFixed(3)}s`,
      });
    },
  );
}
