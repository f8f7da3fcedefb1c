/** Requests and responses of the vector table backups (CSV) and restores. */
import { Type } from '@sinclair/typebox';
import { Closed, envelope, Nullable, StringEnum, TaskId, Time } from './common.js';

/** The two Vanna/LangChain pgvector tables. */
export const VECTOR_TABLE_NAMES = ['langchain_pg_collection', 'langchain_pg_embedding'] as const;

const Connection = Type.Optional(Type.String({ maxLength: 2000, description: 'postgresql:// URL of a pgvector database (default: the configured store)' }));

export const VectorBackupBody = Type.Object({ task_id: Type.Optional(TaskId), db_connection: Connection }, { additionalProperties: false });

export const VectorListQuery = Type.Object({
  global_only: Type.Optional(Type.Boolean({ default: false })),
  task_id: Type.Optional(TaskId),
});

export const VectorRestoreBody = Type.Object(
  {
    backup_path: Type.String({
      minLength: 1,
      maxLength: 1000,
      description:
        'directory of the backup, relative to the data root (e.g. "vector_bak" or "task_x/vector_bak"); the existing service’s form "./data_pipeline/training_data/task_x/vector_bak" names the same directory',
    }),
    timestamp: Type.String({ pattern: '^\\d{8}_\\d{6}$', description: 'YYYYMMDD_HHMMSS, as in the file names' }),
    tables: Type.Optional(Type.Array(StringEnum(VECTOR_TABLE_NAMES), { minItems: 1, uniqueItems: true })),
    db_connection: Connection,
    truncate_before_restore: Type.Optional(Type.Boolean({ default: false })),
  },
  { additionalProperties: false },
);

const TableBackup = Closed({
  success: Type.Boolean(),
  row_count: Type.Integer(),
  file_size: Type.Integer(),
  backup_file: Type.String(),
  duration: Type.Number({ description: 'seconds' }),
  error: Type.Optional(Type.String()),
});

export const VectorBackupResponse = envelope({
  backup_performed: Type.Boolean(),
  backup_timestamp: Type.String({ description: 'YYYYMMDD_HHMMSS of the files (data.timestamp is the response time)' }),
  tables_backed_up: Closed({ langchain_pg_collection: Type.Optional(TableBackup), langchain_pg_embedding: Type.Optional(TableBackup) }),
  errors: Type.Array(Type.String()),
  backup_directory: Type.String({ description: 'relative to the data root' }),
  duration: Type.Number({ description: 'seconds' }),
});

const BackupEntry = Closed({
  timestamp: Type.String(),
  collection_file: Nullable(Type.String()),
  embedding_file: Nullable(Type.String()),
  collection_size: Nullable(Type.Integer()),
  embedding_size: Nullable(Type.Integer()),
  backup_date: Type.String({ description: 'the timestamp as ISO 8601 local time' }),
  has_log: Type.Boolean(),
  log_file: Nullable(Type.String()),
});

export const VectorListResponse = envelope({
  backup_locations: Type.Array(
    Closed({
      type: StringEnum(['global', 'task'] as const),
      relative_path: Type.String({ description: 'relative to the data root: what backup_path of a restore takes' }),
      task_id: Type.Optional(TaskId),
      backups: Type.Array(BackupEntry),
    }),
  ),
  summary: Closed({
    total_locations: Type.Integer(),
    total_backups: Type.Integer(),
    total_backup_sets: Type.Integer({ description: 'the same count, under the existing service’s name' }),
    global_backups: Type.Integer(),
    task_backups: Type.Integer(),
    scan_time: Time,
    scan_duration: Type.Number({ description: 'seconds' }),
  }),
});

const RestoredTable = Closed({
  success: Type.Boolean(),
  source_file: Type.String(),
  rows_restored: Type.Integer(),
  file_size: Type.Integer(),
  duration: Type.Number(),
});

export const VectorRestoreResponse = envelope({
  restore_performed: Type.Literal(true),
  truncate_performed: Type.Boolean(),
  backup_info: Closed({ backup_path: Type.String(), timestamp: Type.String(), tables: Type.Array(StringEnum(VECTOR_TABLE_NAMES)), backup_date: Type.String() }),
  truncate_results: Closed({
    langchain_pg_embedding: Type.Optional(Closed({ success: Type.Boolean(), rows_before: Type.Integer(), rows_after: Type.Integer() })),
  }),
  restore_results: Closed({ langchain_pg_collection: Type.Optional(RestoredTable), langchain_pg_embedding: Type.Optional(RestoredTable) }),
  errors: Type.Array(Type.String()),
  duration: Type.Number({ description: 'seconds' }),
});

const Embedder = Closed({
  provider: StringEnum(['builtin', 'openai'] as const),
  model: Type.String(),
  dimension: Type.Integer(),
});

const SourceDb = Closed({ host: Type.String(), port: Nullable(Type.Integer()), database: Type.String() });

export const TrainingStatsResponse = envelope({
  collections: Type.Array(Closed({ name: Type.String(), embedder: Nullable(Embedder), rows: Type.Integer() })),
  databases: Type.Array(
    Closed({
      db_key: Type.String({ description: 'host:port/database' }),
      source_db: SourceDb,
      rows: Type.Integer(),
      by_kind: Type.Record(Type.String(), Type.Integer(), { description: 'rows per kind: ddl, documentation, sql' }),
      tasks: Type.Record(Type.String(), Type.Integer(), { description: 'rows per task holding them' }),
    }),
  ),
  total_rows: Type.Integer(),
  rows_without_database: Type.Integer({ description: 'rows loaded by earlier versions, before rows recorded their database' }),
});

export const TRAINING_KIND_NAMES = ['ddl', 'documentation', 'sql'] as const;

export const TrainingSearchBody = Type.Object(
  {
    question: Type.String({ minLength: 1, maxLength: 2000 }),
    k: Type.Optional(Type.Integer({ minimum: 1, maximum: 50, default: 5 })),
    kind: Type.Optional(StringEnum(TRAINING_KIND_NAMES)),
    db: Type.Optional(Type.String({ maxLength: 600, description: 'a database key (host:port/database), as /vector/stats lists them' })),
  },
  { additionalProperties: false },
);

export const TrainingSearchResponse = envelope({
  question: Type.String(),
  embedder: Embedder,
  results: Type.Array(
    Closed({
      id: Type.String(),
      kind: Type.String(),
      similarity: Type.Number({ description: 'cosine similarity, 1 = the same direction' }),
      document: Type.String(),
      question: Type.Optional(Type.String({ description: 'of a sql row' })),
      sql: Type.Optional(Type.String({ description: 'of a sql row' })),
      provenance: Type.Record(Type.String(), Type.Unknown(), {
        description: 'what the row says of itself: db_key, source_db, task_ids, tables, source_file, loaded_at, embedder…',
      }),
    }),
  ),
});
