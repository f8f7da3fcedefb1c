/**
 * The task log `data_pipeline.log`, read back line by line: the latest records, or a query with
 * level, time range (compared as times), keyword, logger and step filters, sorting and pages.
 */
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { parseLogLine, TASK_LOG_FILE } from '../../workflow/task-log.js';
import type { LogLevel, LogRecord } from '../../workflow/workflow-types.js';
import type { AppContext } from '../context.js';
import { ApiError, successBody } from '../envelope.js';
import { data, emptyBodyAsObject, envelope, errorResponses, TaskIdParams, StringEnum } from '../schemas.js';
import { requireTask } from './task-access.js';

const LEVELS: LogLevel[] = ['DEBUG', 'INFO', 'WARNING', 'ERROR', 'CRITICAL'];
const LevelSchema = StringEnum(LEVELS);

export interface NumberedRecord extends LogRecord {
  line_number: number;
}

async function readLog(ctx: AppContext, taskId: string): Promise<{ records: NumberedRecord[]; size: number; exists: boolean }> {
  await requireTask(ctx, taskId);
  if (!(await ctx.dataRoot.exists(taskId))) return { records: [], size: 0, exists: false };
  const dir = await ctx.dataRoot.taskDir(taskId);
  const text = await dir.readTextIfExists(TASK_LOG_FILE);
  if (text === undefined) return { records: [], size: 0, exists: false };
  const records: NumberedRecord[] = [];
  text.split('\n').forEach((line, i) => {
    const record = parseLogLine(line);
    if (record) records.push({ ...record, line_number: i + 1 });
  });
  return { records, size: Buffer.byteLength(text), exists: true };
}

/**
 * `YYYY-MM-DD[ HH:MM[:SS]]` (the log's local time; `T` also accepted, `H:MM` too) or ISO 8601 with a zone →
 * epoch ms; undefined when unparsable or out of range (month 13, 25:00, February 30).
 */
export function parseTime(text: string): number | undefined {
  const value = text.trim();
  const local = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?$/.exec(value);
  if (local) {
    // Missing time parts are 0 (Number(undefined) would be NaN).
    const [y, mo, d, h, mi, s] = local.slice(1).map((part) => Number(part ?? 0)) as [number, number, number, number, number, number];
    const date = new Date(y, mo - 1, d, h, mi, s);
    const exact = date.getFullYear() === y && date.getMonth() === mo - 1 && date.getDate() === d && date.getHours() === h && date.getMinutes() === mi && date.getSeconds() === s;
    return exact ? date.getTime() : undefined;
  }
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})$/i.test(value)) return undefined;
  const parsed = Date.parse(value);
  return Number.isNaN(parsed) ? undefined : parsed;
}

const LogsQuery = Type.Object({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
  level: Type.Optional(LevelSchema),
});

const LogQueryBody = Type.Object({
  page: Type.Optional(Type.Integer({ minimum: 1, default: 1 })),
  page_size: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50 })),
  level: Type.Optional(LevelSchema),
  start_time: Type.Optional(Type.String({ maxLength: 40 })),
  end_time: Type.Optional(Type.String({ maxLength: 40 })),
  keyword: Type.Optional(Type.String({ maxLength: 200 })),
  logger_name: Type.Optional(Type.String({ maxLength: 200 })),
  step_name: Type.Optional(Type.String({ maxLength: 64 })),
  sort_by: Type.Optional(StringEnum(['timestamp', 'level', 'line_number'] as const, { default: 'timestamp' })),
  sort_order: Type.Optional(StringEnum(['asc', 'desc'] as const, { default: 'desc' })),
});

export function logRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.get(
    '/api/v0/data_pipeline/tasks/:task_id/logs',
    {
      schema: {
        tags: ['logs'],
        summary: 'The latest task log records',
        params: TaskIdParams,
        querystring: LogsQuery,
        response: { 200: envelope(data({ task_id: Type.String(), logs: Type.Array(Type.Object({}, { additionalProperties: true })), total: Type.Integer() })), ...errorResponses },
      },
    },
    async (request) => {
      const { task_id } = request.params as typeof TaskIdParams.static;
      const query = request.query as typeof LogsQuery.static;
      const { records } = await readLog(ctx, task_id);
      const matching = query.level ? records.filter((r) => r.level === query.level) : records;
      const logs = matching.slice(-(query.limit ?? 100)).map(({ line_number: _n, ...r }) => r);
      return successBody(200, `${logs.length} of ${matching.length} record(s)`, { task_id, logs, total: matching.length, source: 'file', log_file: TASK_LOG_FILE });
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
        body: Type.Optional(LogQueryBody),
        response: { 200: envelope(data({ logs: Type.Array(Type.Object({}, { additionalProperties: true })), pagination: Type.Object({}, { additionalProperties: true }) })), ...errorResponses },
      },
    },
    async (request) => {
      const started = performance.now();
      const { task_id } = request.params as typeof TaskIdParams.static;
      const q = (request.body ?? {}) as typeof LogQueryBody.static;
      const start = q.start_time ? parseTime(q.start_time) : undefined;
      const end = q.end_time ? parseTime(q.end_time) : undefined;
      if (q.start_time && start === undefined) throw ApiError.invalid('body.start_time', `is ${JSON.stringify(q.start_time)}`, 'YYYY-MM-DD HH:MM:SS or ISO 8601');
      if (q.end_time && end === undefined) throw ApiError.invalid('body.end_time', `is ${JSON.stringify(q.end_time)}`, 'YYYY-MM-DD HH:MM:SS or ISO 8601');
      const { records, size, exists } = await readLog(ctx, task_id);
      const keyword = q.keyword?.toLowerCase();
      const filtered = records.filter((r) => {
        if (q.level && r.level !== q.level) return false;
        if (q.logger_name && !r.logger.toLowerCase().includes(q.logger_name.toLowerCase())) return false;
        if (q.step_name && r.step !== q.step_name) return false;
        if (keyword && !r.message.toLowerCase().includes(keyword)) return false;
        const at = parseTime(r.timestamp) as number;
        return (start === undefined || at >= start) && (end === undefined || at <= end);
      });
      const direction = q.sort_order === 'asc' ? 1 : -1;
      const sortBy = q.sort_by ?? 'timestamp';
      // Levels sort by severity, times as times, and the line number breaks ties (file order).
      const key = (r: NumberedRecord) => (sortBy === 'level' ? LEVELS.indexOf(r.level) : sortBy === 'line_number' ? r.line_number : (parseTime(r.timestamp) as number));
      filtered.sort((a, b) => (key(a) - key(b) || a.line_number - b.line_number) * direction);
      const page = q.page ?? 1;
      const pageSize = q.page_size ?? 50;
      const total = filtered.length;
      const totalPages = Math.max(1, Math.ceil(total / pageSize));
      return successBody(200, `${total} matching record(s)`, {
        logs: filtered.slice((page - 1) * pageSize, page * pageSize),
        pagination: { page, page_size: pageSize, total, total_pages: totalPages, has_next: page < totalPages, has_prev: page > 1 },
        log_file_info: { exists, file_name: TASK_LOG_FILE, file_size: size, total_lines: records.length },
        query_time: `${((performance.now() - started) / 1000).toFixed(3)}s`,
      });
    },
  );
}
