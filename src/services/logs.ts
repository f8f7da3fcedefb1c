/**
 * The task log `data_pipeline.log`, read back line by line: the latest records, or a query with
 * level, time range (compared as times), keyword, logger and step filters, sorting and pages.
 */
import { AppError } from '../errors.js';
import { parseLogLine, TASK_LOG_FILE } from '../task-directory/task-log.js';
import { parseTime } from '../util/time.js';
import type { LogLevel, LogRecord } from '../workflow/workflow-types.js';
import type { ServiceContext } from './context.js';
import { requireTask } from './tasks.js';

export const LOG_LEVELS: readonly LogLevel[] = ['DEBUG', 'INFO', 'WARNING', 'ERROR', 'CRITICAL'];
export { TASK_LOG_FILE };

export interface NumberedRecord extends LogRecord {
  line_number: number;
}

export interface TaskLogContent {
  records: NumberedRecord[];
  size: number;
  exists: boolean;
  /** When the log was last written (null without a log). */
  modifiedAt: Date | null;
}

export async function readTaskLog(ctx: ServiceContext, taskId: string): Promise<TaskLogContent> {
  await requireTask(ctx, taskId);
  const missing = { records: [], size: 0, exists: false, modifiedAt: null };
  if (!(await ctx.dataRoot.exists(taskId))) return missing;
  const dir = await ctx.dataRoot.taskDir(taskId);
  const text = await dir.readTextIfExists(TASK_LOG_FILE);
  if (text === undefined) return missing;
  const records: NumberedRecord[] = [];
  text.split('\n').forEach((line, i) => {
    const record = parseLogLine(line);
    if (record) records.push({ ...record, line_number: i + 1 });
  });
  return { records, size: Buffer.byteLength(text), exists: true, modifiedAt: (await dir.modifiedAt(TASK_LOG_FILE)) ?? null };
}

/** The latest `limit` records (of one level when given), oldest first, and how many matched. */
export async function latestLogRecords(
  ctx: ServiceContext,
  taskId: string,
  query: { limit?: number; level?: LogLevel },
): Promise<{ logs: LogRecord[]; total: number }> {
  const { records } = await readTaskLog(ctx, taskId);
  const matching = query.level ? records.filter((r) => r.level === query.level) : records;
  const logs = matching.slice(-(query.limit ?? 100)).map(({ line_number: _n, ...r }) => r);
  return { logs, total: matching.length };
}

export interface LogQuery {
  page?: number;
  page_size?: number;
  level?: LogLevel;
  start_time?: string;
  end_time?: string;
  keyword?: string;
  logger_name?: string;
  step_name?: string;
  /** `logger` and `step` as the existing service sorted them: by name. */
  sort_by?: 'timestamp' | 'level' | 'line_number' | 'logger' | 'step';
  sort_order?: 'asc' | 'desc';
}

export interface LogQueryResult {
  logs: NumberedRecord[];
  page: number;
  page_size: number;
  total: number;
  log: { exists: boolean; size: number; lines: number; modifiedAt: Date | null };
}

export async function queryTaskLog(ctx: ServiceContext, taskId: string, q: LogQuery): Promise<LogQueryResult> {
  const start = q.start_time ? parseTime(q.start_time) : undefined;
  const end = q.end_time ? parseTime(q.end_time) : undefined;
  if (q.start_time && start === undefined) throw AppError.invalid('body.start_time', `is ${JSON.stringify(q.start_time)}`, 'YYYY-MM-DD HH:MM:SS or ISO 8601');
  if (q.end_time && end === undefined) throw AppError.invalid('body.end_time', `is ${JSON.stringify(q.end_time)}`, 'YYYY-MM-DD HH:MM:SS or ISO 8601');
  const { records, size, exists, modifiedAt } = await readTaskLog(ctx, taskId);
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
  // Levels sort by severity, times as times, loggers and steps by name, and the line number breaks
  // ties (file order).
  const byName = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  const compare = (a: NumberedRecord, b: NumberedRecord): number => {
    if (sortBy === 'logger') return byName(a.logger, b.logger);
    if (sortBy === 'step') return byName(a.step, b.step);
    if (sortBy === 'level') return LOG_LEVELS.indexOf(a.level) - LOG_LEVELS.indexOf(b.level);
    if (sortBy === 'line_number') return a.line_number - b.line_number;
    return (parseTime(a.timestamp) as number) - (parseTime(b.timestamp) as number);
  };
  filtered.sort((a, b) => (compare(a, b) || a.line_number - b.line_number) * direction);
  const page = q.page ?? 1;
  const pageSize = q.page_size ?? 50;
  return {
    logs: filtered.slice((page - 1) * pageSize, page * pageSize),
    page,
    page_size: pageSize,
    total: filtered.length,
    log: { exists, size, lines: records.length, modifiedAt },
  };
}
