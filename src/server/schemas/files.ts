/** Requests and responses of a task's table list, files and log. */
import { Type } from '@sinclair/typebox';
import { Closed, envelope, Nullable, StringEnum, TaskId, TaskIdParams, Time } from './common.js';
import { Pagination } from './tasks.js';

export const TablesBody = Type.Object(
  {
    tables: Type.Union([Type.Array(Type.String({ maxLength: 300 })), Type.String({ maxLength: 300_000 })], {
      description: 'an array of names, or one comma-separated string; at most DP_MAX_TABLES names (1000 unless configured)',
    }),
  },
  { additionalProperties: false },
);

export const UploadTableListResponse = envelope({
  task_id: TaskId,
  filename: Type.String(),
  original_filename: Type.String(),
  encoding: Type.String({ description: 'utf-8, or gbk when the upload was converted' }),
  file_size: Type.Integer(),
  file_size_formatted: Type.String(),
  upload_time: Time,
});

export const TableListResponse = envelope({
  task_id: TaskId,
  filename: Type.String(),
  table_count: Type.Integer(),
  unique_table_count: Type.Integer(),
  original_count: Type.Integer(),
  duplicates_dropped: Type.Integer(),
  file_size: Type.Integer(),
  file_size_formatted: Type.String(),
  created_time: Time,
});

export const TableListInfoResponse = envelope({
  task_id: TaskId,
  has_file: Type.Boolean(),
  exists: Type.Boolean(),
  file_name: Type.String(),
  file_path: Nullable(Type.String({ description: 'relative to the data root' })),
  file_size: Type.Integer(),
  file_size_formatted: Type.String(),
  uploaded_at: Nullable(Time),
  created_at: Nullable(Time),
  table_count: Type.Integer(),
  table_names: Type.Array(Type.String()),
  invalid_entries: Type.Array(Closed({ line: Type.Integer(), text: Type.String(), reason: Type.String() })),
  is_readable: Type.Boolean(),
});

export const FileParams = Type.Object({ task_id: TaskIdParams.properties.task_id, file_name: Type.String({ minLength: 1, maxLength: 255 }) });

export const FilesResponse = envelope({
  task_id: TaskId,
  files: Type.Array(
    Closed({
      file_name: Type.String(),
      file_type: StringEnum(['ddl', 'sql', 'markdown', 'json', 'text', 'log', 'other'] as const),
      file_size: Type.Integer(),
      file_size_formatted: Type.String(),
      created_at: Time,
      modified_at: Time,
      is_readable: Type.Boolean(),
    }),
  ),
  directory_info: Closed({
    exists: Type.Boolean(),
    directory_path: Type.String({ description: 'relative to the data root' }),
    total_files: Type.Integer(),
    total_size: Type.Integer(),
    total_size_formatted: Type.String(),
  }),
});

export const UploadResponse = envelope({
  task_id: TaskId,
  skipped: Type.Optional(Type.Literal(true, { description: 'overwrite_mode skip found the file: nothing was written' })),
  uploaded_file: Closed({
    filename: Type.String(),
    size: Type.Integer(),
    size_formatted: Type.Optional(Type.String()),
    uploaded_at: Type.Optional(Time),
    overwrite_mode: StringEnum(['backup', 'replace', 'skip'] as const),
    skipped: Type.Optional(Type.Literal(true)),
    existed: Type.Optional(Type.Literal(true, { description: 'with skip: the file was already there' })),
    action: Type.Optional(Type.Literal('skipped')),
  }),
  backup_info: Type.Optional(
    Closed(
      { had_existing_file: Type.Literal(true), backup_filename: Type.String(), backup_version: Type.Integer(), backup_created_at: Time },
      { description: 'the earlier version kept next to the file (overwrite_mode backup)' },
    ),
  ),
});

const LogLevel = StringEnum(['DEBUG', 'INFO', 'WARNING', 'ERROR', 'CRITICAL'] as const);

export const LogsQuery = Type.Object({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
  level: Type.Optional(LogLevel),
});

export const LogQueryBody = Type.Object(
  {
    page: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000_000, default: 1 })),
    page_size: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50 })),
    level: Type.Optional(LogLevel),
    start_time: Type.Optional(Type.String({ maxLength: 40 })),
    end_time: Type.Optional(Type.String({ maxLength: 40 })),
    keyword: Type.Optional(Type.String({ maxLength: 200 })),
    logger_name: Type.Optional(Type.String({ maxLength: 200 })),
    step_name: Type.Optional(Type.String({ maxLength: 64 })),
    sort_by: Type.Optional(StringEnum(['timestamp', 'level', 'line_number', 'logger', 'step'] as const, { default: 'timestamp' })),
    sort_order: Type.Optional(StringEnum(['asc', 'desc'] as const, { default: 'desc' })),
  },
  { additionalProperties: false },
);

const LogRecordFields = {
  timestamp: Type.String({ description: 'YYYY-MM-DD HH:MM:SS, the server local time' }),
  level: LogLevel,
  logger: Type.String(),
  step: Type.String(),
  message: Type.String(),
};

export const LogsResponse = envelope({
  task_id: TaskId,
  logs: Type.Array(Closed(LogRecordFields)),
  total: Type.Integer(),
  source: Type.Literal('file'),
  log_file: Type.String(),
});

export const LogQueryResponse = envelope({
  logs: Type.Array(Closed({ ...LogRecordFields, line_number: Type.Integer() })),
  pagination: Pagination,
  log_file_info: Closed({
    exists: Type.Boolean(),
    file_name: Type.String(),
    file_path: Type.String({ description: 'relative to the data root' }),
    file_size: Type.Integer(),
    file_size_formatted: Type.String(),
    last_modified: Nullable(Time),
    total_lines: Type.Integer(),
  }),
  query_time: Type.String(),
});

export const EventsQuery = Type.Object({ last_event_id: Type.Optional(Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER })) });
