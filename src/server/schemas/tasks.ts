/** Requests and responses of the task routes: create, execute, read, list, search, delete, cancel. */
import { Type, type Static } from '@sinclair/typebox';
import { BACKUP_NAME_FORM, EXECUTION_OPTION_NAMES, PER_RUN_OPTION_NAMES, STEP_CATALOG, STEP_NAMES, TASK_OPTION_NAMES } from '../../services/catalog.js';
import { Closed, envelope, Nullable, StepName, StringEnum, TaskId, TaskStatus, Time } from './common.js';
import { optionFields, optionValues, overrideFields } from './options.js';
import { LOCAL_OR_ZONED_DATE_TIME } from '../validation.js';

// ---- requests ----------------------------------------------------------------------------------

export const CreateBody = Type.Object(
  {
    task_name: Type.Optional(Type.String({ maxLength: 200 })),
    db_connection: Type.Optional(
      Type.String({ maxLength: 2000, description: 'postgresql:// URL, or "sample" for the bundled sample database (default: DP_DEFAULT_DB_URL, else sample)' }),
    ),
    db_name: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
    business_context: Type.Optional(Type.String({ maxLength: 20_000 })),
    table_list_file: Type.Optional(Type.String({ minLength: 1, maxLength: 4096, description: 'a file inside the data root, copied to table_list.txt' })),
    created_by: Type.Optional(Type.String({ maxLength: 200 })),
    ...optionFields(TASK_OPTION_NAMES),
  },
  { additionalProperties: false },
);

export const ExecuteBody = Type.Object(
  {
    execution_mode: Type.Optional(StringEnum(['complete', 'step'] as const, { default: 'complete' })),
    step_name: Type.Optional(StepName),
    backup_existing_files: Type.Optional(
      Type.Boolean({
        default: true,
        description: `complete mode: move the earlier files into a ${BACKUP_NAME_FORM} directory first (when backups are enabled)`,
      }),
    ),
    ...optionFields(EXECUTION_OPTION_NAMES),
    ...overrideFields(PER_RUN_OPTION_NAMES),
  },
  { additionalProperties: false },
);

/**
 * A status to filter on: a task status, or one of the existing service's aliases — `running`
 * (= in_progress) and `cancelled` (failed because its last run was cancelled).
 */
const TaskStatusFilter = StringEnum(['pending', 'in_progress', 'partial_completed', 'completed', 'failed', 'running', 'cancelled'] as const, {
  description: 'a task status; also "running" (= in_progress) and "cancelled" (failed: its last run was cancelled), as the existing service accepted',
});

export const ListQuery = Type.Object({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 50 })),
  offset: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000_000, default: 0 })),
  status: Type.Optional(TaskStatusFilter),
});

/** ISO 8601 with or without a zone (the existing service's clients send none: read in the server's zone). */
const Timestamp = Type.String({
  format: LOCAL_OR_ZONED_DATE_TIME,
  maxLength: 40,
  description: "ISO 8601 date and time, e.g. 2025-01-01T00:00:00Z; without a zone (2025-01-01T00:00:00) it is the server's local time",
});
const SortField = StringEnum(['created_at', 'started_at', 'completed_at', 'task_name', 'status'] as const, { default: 'created_at' });
const SortOrder = StringEnum(['asc', 'desc'] as const, { default: 'desc' });

/** The filters of a search, as sent and as echoed back. */
const QueryFilters = {
  status: Type.Optional(TaskStatusFilter),
  task_name: Type.Optional(Type.String({ maxLength: 200 })),
  created_by: Type.Optional(Type.String({ maxLength: 200 })),
  db_name: Type.Optional(Type.String({ maxLength: 128 })),
  db_name_contains: Type.Optional(Type.String({ maxLength: 128, description: 'part of the database name, any case (db_name matches it whole)' })),
  created_time_start: Type.Optional(Timestamp),
  created_time_end: Type.Optional(Timestamp),
  started_time_start: Type.Optional(Timestamp),
  started_time_end: Type.Optional(Timestamp),
  completed_time_start: Type.Optional(Timestamp),
  completed_time_end: Type.Optional(Timestamp),
};

export const QueryBody = Type.Object(
  {
    page: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000_000, default: 1 })),
    page_size: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })),
    ...QueryFilters,
    sort_by: Type.Optional(SortField),
    sort_order: Type.Optional(SortOrder),
  },
  { additionalProperties: false },
);

export const DeleteBody = Type.Object(
  {
    task_ids: Type.Array(TaskId, { minItems: 1, maxItems: 1000 }),
    confirm: Type.Boolean(),
    delete_database_records: Type.Optional(Type.Boolean({ default: false })),
    continue_on_error: Type.Optional(Type.Boolean({ default: true })),
  },
  { additionalProperties: false },
);

/** The delete parameters may also come in the query string (used when there is no body). */
export const DeleteQuery = Type.Object({
  task_ids: Type.Optional(Type.Array(Type.String(), { description: 'comma-separated, or repeated' })),
  confirm: Type.Optional(Type.Boolean()),
  delete_database_records: Type.Optional(Type.Boolean()),
  continue_on_error: Type.Optional(Type.Boolean()),
});

// ---- responses ---------------------------------------------------------------------------------

const StepStatus = StringEnum(['pending', 'running', 'completed', 'failed'] as const);

export const StepCounters = Closed({
  tables_total: Type.Optional(Type.Integer()),
  tables_done: Type.Optional(Type.Integer()),
  tables_failed: Type.Optional(Type.Integer()),
  themes: Type.Optional(Type.Integer()),
  themes_failed: Type.Optional(Type.Integer()),
  pairs: Type.Optional(Type.Integer()),
  pairs_valid: Type.Optional(Type.Integer()),
  pairs_invalid: Type.Optional(Type.Integer()),
  pairs_repaired: Type.Optional(Type.Integer()),
  pairs_removed: Type.Optional(Type.Integer()),
  pairs_empty_result: Type.Optional(Type.Integer()),
  pairs_flagged: Type.Optional(Type.Integer({ description: "valid pairs the execute check flagged: no row, or a value outside a column's enumeration" })),
  documents: Type.Optional(Type.Integer()),
  vectors: Type.Optional(Type.Integer()),
  files_written: Type.Optional(Type.Integer()),
  progress: Type.Optional(Closed({ done: Type.Integer(), total: Type.Integer(), unit: Type.String() }, { description: 'live progress of a running step' })),
});

/** A step's own details (files, failures, report names): they differ by step. */
export const StepDetails = Type.Record(Type.String(), Type.Unknown(), { description: "the step's details (files written, failures, report names), by step" });

export const StepView = Closed({
  step_name: StepName,
  step_status: StepStatus,
  started_at: Nullable(Time),
  completed_at: Nullable(Time),
  error_message: Nullable(Type.String()),
  execution_id: Nullable(Type.String({ description: 'the execution that ran it last: our run id, or the existing service’s for an imported step' })),
  counters: StepCounters,
  result: Nullable(StepDetails),
});

export const BackupStatsView = Closed(
  {
    performed: Type.Boolean(),
    backup_directory: Nullable(Type.String()),
    moved_count: Type.Integer(),
    copied_count: Type.Integer(),
    failed_count: Type.Integer(),
    failed_files: Type.Array(Closed({ file: Type.String(), error: Type.String() })),
    total_bytes: Type.Integer(),
    duration_ms: Type.Integer(),
    status: StringEnum(['completed', 'partial', 'failed', 'nothing_to_back_up', 'disabled'] as const),
    error: Nullable(Type.String()),
    retention_deleted: Type.Array(Type.String(), { description: 'backups removed by the retention policy after this one' }),
    at: Time,
    reason: Type.Optional(Type.String({ description: 'why no backup was made (disabled)' })),
    trigger: Type.Optional(StringEnum(['execute', 'restore'] as const)),
  },
  { description: 'the file backup made before a complete run (or before a restore)' },
);

export const LlmUsageView = Closed({
  provider: Type.Optional(Type.String()),
  calls: Type.Integer(),
  prompt_tokens: Type.Integer(),
  completion_tokens: Type.Integer(),
  total_tokens: Type.Integer(),
  requests: Type.Integer(),
  reasks: Type.Integer(),
  failures: Type.Integer(),
});

const CacheCountsView = Closed({ hits: Type.Integer(), misses: Type.Integer() });

export const ReuseView = Closed(
  {
    cache: Type.Boolean({ description: 'whether the response cache was used (LLM_CACHE, use_cache)' }),
    llm: CacheCountsView,
    embeddings: CacheCountsView,
    regenerated_tables: Nullable(Type.Array(Type.String({ description: 'a table whose comments were generated again' }))),
    themes_kept: Nullable(Type.Integer({ description: 'themes kept with their pairs from the previous run' })),
    themes_asked: Nullable(Type.Integer({ description: 'themes whose pairs were asked of the LLM' })),
  },
  { description: 'what the run reused instead of paying for it again' },
);

export const RunWarningsView = Closed(
  {
    tables_failed: Type.Array(Closed({ table: Type.String(), reason: Type.String() })),
    themes_failed: Type.Array(Closed({ theme: Type.String(), reason: Type.String() })),
    pairs_invalid: Type.Integer(),
    validation_report: Nullable(Type.String()),
    language_warnings: Type.Optional(Type.Array(Type.String({ description: 'questions that keep words of another language, and why' }))),
  },
  { description: 'what did not make it in a run that completed' },
);

const Outcome = StringEnum(['pending', 'in_progress', 'partial_completed', 'completed', 'completed_with_warnings', 'failed'] as const, {
  description:
    'status, with "completed_with_warnings" for a completed task whose last run left tables, themes or pairs out (status stays "completed" for existing clients)',
});

export const RunSummaryView = Closed({
  tables: Type.Integer(),
  tables_failed: Type.Integer(),
  pairs: Type.Integer(),
  pairs_valid: Nullable(Type.Integer()),
  validation_rate: Nullable(Type.Number()),
  vectors: Type.Integer(),
  files: Type.Integer(),
});

export const RunResultView = Closed(
  {
    run_id: Type.Optional(Type.String()),
    mode: Type.Optional(StringEnum(['complete', 'step'] as const)),
    status: Type.Optional(StringEnum(['completed', 'failed', 'cancelled'] as const)),
    summary: Type.Optional(RunSummaryView),
    llm_usage: Type.Optional(LlmUsageView),
    reuse: Type.Optional(ReuseView),
    warnings: Type.Optional(Nullable(RunWarningsView)),
    duration_ms: Type.Optional(Type.Integer()),
    backup: Type.Optional(BackupStatsView),
  },
  { description: 'the outcome of the last run' },
);

export const ActiveRunView = Closed({
  run_id: Type.String(),
  status: StringEnum(['queued', 'running'] as const),
  execution_mode: StringEnum(['complete', 'step', 'restore', 'delete', 'upload'] as const, {
    description: 'what holds the task: a run, or a restore, a delete or an upload',
  }),
  step_name: Nullable(StepName),
  created_at: Time,
  started_at: Nullable(Time),
  cancel_requested: Type.Boolean(),
});

export const TaskParametersView = Closed({
  db_connection: Type.String({ description: 'the connection with its password masked' }),
  db_name: Nullable(Type.String()),
  business_context: Type.String(),
  table_list_file: Nullable(Type.String()),
  ...optionValues(TASK_OPTION_NAMES),
});

const StepStatuses = Type.Record(Type.String(), StepStatus, { description: `each step's status, by step name (${STEP_NAMES.join(', ')})` });

export const TaskView = {
  task_id: TaskId,
  task_name: Nullable(Type.String()),
  origin: StringEnum(['api', 'folder', 'import'] as const, {
    description: 'where the record came from: the API, a task folder found under the data root (adopted), or data-pipeline import',
  }),
  status: TaskStatus,
  outcome: Outcome,
  step_status: StepStatuses,
  created_at: Time,
  started_at: Nullable(Time),
  completed_at: Nullable(Time),
  updated_at: Time,
  created_by: Nullable(Type.String()),
  db_name: Nullable(Type.String()),
  business_context: Type.String(),
  parameters: TaskParametersView,
  result: Nullable(RunResultView),
  error_message: Nullable(Type.String()),
  current_step: Nullable(
    Closed(
      {
        execution_id: Nullable(Type.String({ description: 'the run executing it' })),
        step: StepName,
        status: StepStatus,
        started_at: Nullable(Time),
      },
      { description: 'the step being executed (as the existing service answers), null when none is' },
    ),
  ),
  current_step_name: Nullable(StepName),
  origin_info: Nullable(
    Type.Record(Type.String(), Type.Unknown(), {
      description:
        "an imported task: what the existing service's record held beyond ours (task_type, created_type, output_directory, result), passwords masked",
    }),
  ),
  total_steps: Type.Integer(),
  steps: Type.Array(StepView),
  active_run: Nullable(ActiveRunView),
  last_backup: Nullable(BackupStatsView),
};

export const TaskListItem = Closed({
  task_id: TaskId,
  task_name: Nullable(Type.String()),
  origin: StringEnum(['api', 'folder', 'import'] as const, {
    description: 'where the record came from: the API, a task folder found under the data root (adopted), or data-pipeline import',
  }),
  status: TaskStatus,
  outcome: Outcome,
  warnings: Nullable(RunWarningsView),
  step_status: StringEnum(['failed', 'running', 'all_completed', 'partial_completed', 'pending'] as const, { description: "the steps' statuses in one word" }),
  step_statuses: StepStatuses,
  created_at: Time,
  started_at: Nullable(Time),
  completed_at: Nullable(Time),
  created_by: Nullable(Type.String()),
  db_name: Nullable(Type.String()),
  business_context: Type.String(),
  directory_exists: Type.Boolean(),
  updated_at: Time,
  pairs: Nullable(Type.Integer({ description: 'pairs of the last run' })),
  validation_rate: Nullable(Type.Number({ description: 'share of valid SQL in the last run, 0 to 1' })),
  duration_ms: Nullable(Type.Integer({ description: 'how long the last run took' })),
});

export const Pagination = Closed({
  page: Type.Integer(),
  page_size: Type.Integer(),
  total: Type.Integer(),
  total_pages: Type.Integer(),
  has_next: Type.Boolean(),
  has_prev: Type.Boolean(),
});

export const CreatedResponse = envelope({
  task_id: TaskId,
  task_name: Nullable(Type.String()),
  status: TaskStatus,
  created_at: Time,
  file_upload_mode: Type.Optional(Type.Boolean({ description: 'the task has no table list yet' })),
  next_step: Type.Optional(Type.String()),
});

export const ExecuteResponse = envelope({
  task_id: TaskId,
  execution_mode: StringEnum(['complete', 'step'] as const),
  step_name: Nullable(StepName),
  run_id: Type.String(),
  run_status: StringEnum(['queued', 'failed'] as const),
  message: Type.Optional(Type.String()),
  backup: Type.Optional(BackupStatsView),
});

export const TaskResponse = envelope(TaskView);

export const ListResponse = envelope({ tasks: Type.Array(TaskListItem), total: Type.Integer(), limit: Type.Integer(), offset: Type.Integer() });

export const QueryResponse = envelope({
  tasks: Type.Array(TaskListItem),
  pagination: Pagination,
  filters_applied: Closed(QueryFilters),
  sort_applied: Closed({ sort_by: SortField, sort_order: SortOrder }),
  query_time: Type.String({ description: 'seconds, e.g. "0.004s"' }),
});

export const DeleteResponse = envelope({
  deleted_tasks: Type.Array(
    Closed({
      success: Type.Literal(true),
      task_id: TaskId,
      directory_deleted: Type.Boolean(),
      database_records_deleted: Type.Boolean(),
      deleted_files_count: Type.Integer(),
      deleted_size: Type.String({ description: 'as people read it, e.g. "2.5 MB" (the existing service’s form)' }),
      deleted_bytes: Type.Integer({ description: 'the same size in bytes' }),
      deleted_at: Time,
      operation_message: Type.String({ description: 'what was done, e.g. "directory deleted"' }),
    }),
  ),
  failed_tasks: Type.Array(Closed({ task_id: Type.String(), error: Type.String(), error_code: Type.String() })),
  summary: Closed({ total_requested: Type.Integer(), successfully_deleted: Type.Integer(), failed: Type.Integer() }),
  deleted_at: Time,
});

export const CancelResponse = envelope({ task_id: TaskId, run_id: Type.String(), status: Type.Literal('cancelling') });

export const StepsResponse = envelope({
  steps: Type.Array(
    Closed({
      name: StepName,
      labels: Closed({ en: Type.String(), zh: Type.String(), short: Type.String() }),
      summary: Type.String(),
      inputs: Type.Array(Type.String()),
      outputs: Type.Array(Type.String()),
      switch: Nullable(Type.String()),
      role: StringEnum(['required', 'finishing'] as const),
    }),
    { minItems: STEP_CATALOG.length, maxItems: STEP_CATALOG.length },
  ),
});

export const HealthResponse = envelope({ status: Type.Literal('ok'), active_runs: Type.Integer() });

export type TaskViewData = Static<typeof TaskResponse>['data'];
export type TaskListItemData = Static<typeof TaskListItem>;
export type StepViewData = Static<typeof StepView>;
export type BackupStatsData = Static<typeof BackupStatsView>;
