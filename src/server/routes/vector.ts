/**
 * Vector table backup and restore (api.md): both tables to CSV in one snapshot, the backups found
 * under the data root, and a restore in foreign-key order in one transaction. Paths given by a
 * client are confined to the data root; the store is the configured one unless `db_connection`
 * names another pgvector database.
 */
import { Type } from '@sinclair/typebox';
import { CsvError } from 'csv-parse';
import type { FastifyInstance } from 'fastify';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { DatabaseConnectionError, PostgresDatabase } from '../../db/postgres-database.js';
import type { SqlDatabase } from '../../db/sql-database.js';
import { isoFromTimestamp, scanVectorBackups, type VectorBackupLocation } from '../../vector/backup-locations.js';
import { backupFileName, backupVectorTables, restoreVectorTables, VECTOR_TABLES, type VectorTable } from '../../vector/csv-backup.js';
import { COLLECTION_TABLE, EMBEDDING_TABLE, VectorStore, VectorStoreError } from '../../vector/vector-store.js';
import { PathConfinementError } from '../../workflow/task-dir.js';
import { VECTOR_BACKUP_DIR } from '../../workflow/task-files.js';
import { checkConnection } from '../connection.js';
import type { AppContext } from '../context.js';
import { ApiError, successBody } from '../envelope.js';
import { data, emptyBodyAsObject, envelope, ErrorEnvelope, errorResponses, StringEnum, TASK_ID_PATTERN_SOURCE } from '../schemas.js';

const BASE = '/api/v0/data_pipeline/vector';

const Connection = Type.Optional(
  Type.String({ maxLength: 2000, description: 'postgresql:// URL of a pgvector database (default: the configured store)' }),
);
const TaskId = Type.String({ pattern: TASK_ID_PATTERN_SOURCE, description: 'task id: letters, digits, "_" and "-", 1 to 64' });

const BackupBody = Type.Object({
  task_id: Type.Optional(TaskId),
  db_connection: Connection,
});

const ListQuery = Type.Object({
  global_only: Type.Optional(Type.Boolean({ default: false })),
  task_id: Type.Optional(TaskId),
});

const RestoreBody = Type.Object({
  backup_path: Type.String({ minLength: 1, maxLength: 1000, description: 'directory of the backup, relative to the data root (e.g. "vector_bak" or "task_x/vector_bak")' }),
  timestamp: Type.String({ pattern: '^\\d{8}_\\d{6}$', description: 'YYYYMMDD_HHMMSS, as in the file names' }),
  tables: Type.Optional(Type.Array(StringEnum([COLLECTION_TABLE, EMBEDDING_TABLE] as const), { minItems: 1, uniqueItems: true })),
  db_connection: Connection,
  truncate_before_restore: Type.Optional(Type.Boolean({ default: false })),
});

const Open = Type.Object({}, { additionalProperties: true });

/**
 * Runs `fn` on the vector database: the configured store, or the one `connection` names (opened
 * for this request and closed after it).
 */
async function withVectorDb<T>(ctx: AppContext, connection: string | undefined, fn: (db: SqlDatabase, external: boolean) => Promise<T>): Promise<T> {
  if (connection === undefined) return fn(ctx.storeDb, false);
  checkConnection(connection, 'body.db_connection', { sample: false, accepted: 'a postgresql:// URL with a host and a database (a pgvector database)' });
  let db: PostgresDatabase;
  try {
    db = await PostgresDatabase.connect(connection, { maxConnections: 2 });
  } catch (error) {
    if (error instanceof DatabaseConnectionError) throw new ApiError(400, 'DB_CONNECTION_FAILED', error.message, { canRetry: true });
    throw error;
  }
  try {
    return await fn(db, true);
  } finally {
    await db.close();
  }
}

/** Maps a store without pgvector to a clear error: the client's database (400), or ours (503: the server's configuration). */
async function ensureVectorSchema(ctx: AppContext, db: SqlDatabase, external: boolean): Promise<void> {
  try {
    await new VectorStore(db, ctx.settings.embedding.dim).ensureSchema();
  } catch (error) {
    if (error instanceof VectorStoreError) {
      throw external
        ? ApiError.invalid('body.db_connection', `cannot hold the vector tables: ${error.message}`, 'a PostgreSQL database with the pgvector extension')
        : new ApiError(503, 'VECTOR_STORE_UNAVAILABLE', `the configured vector store cannot be used: ${error.message}`);
    }
    throw error;
  }
}

/** A backup of a database we did not create the tables in needs them to be there already. */
async function requireVectorTables(db: SqlDatabase): Promise<void> {
  const rows = await db.query<{ name: string; present: boolean }>(
    `SELECT t.name, to_regclass(t.name) IS NOT NULL AS present FROM unnest($1::text[]) AS t(name)`,
    [[COLLECTION_TABLE, EMBEDDING_TABLE]],
  );
  const missing = rows.filter((r) => !r.present).map((r) => r.name);
  if (missing.length) {
    throw ApiError.invalid('body.db_connection', `has no ${missing.join(' and ')} table, so there is nothing to back up`, 'a database holding the Vanna pgvector tables');
  }
}

/** A backup directory with a link or a file in its place: the server's state, not the request, is wrong. */
function notADirectory(relative: string): ApiError {
  return new ApiError(409, 'INVALID_BACKUP_DIRECTORY', `${relative} is not a directory (a link or a file is in its place); remove it to back up there`);
}

/** Directories below the data root that are real directories (links are not followed). */
async function isRealDirectory(p: string): Promise<boolean> {
  const stat = await fs.lstat(p).catch(() => undefined);
  return Boolean(stat?.isDirectory());
}

export function vectorRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.post(
    `${BASE}/backup`,
    {
      preValidation: emptyBodyAsObject,
      schema: {
        tags: ['vector'],
        summary: "Back up langchain_pg_collection and langchain_pg_embedding to CSV (a task's vector_bak/, else the global one)",
        body: Type.Optional(BackupBody),
        response: {
          200: envelope(
            data({
              backup_performed: Type.Boolean(),
              backup_timestamp: Type.String({ description: 'YYYYMMDD_HHMMSS of the files (data.timestamp is the response time)' }),
              tables_backed_up: Type.Record(Type.String(), Open),
              errors: Type.Array(Type.String()),
              backup_directory: Type.String(),
              duration: Type.Number(),
            }),
          ),
          ...errorResponses,
          503: ErrorEnvelope,
        },
      },
    },
    async (request) => {
      const body = (request.body ?? {}) as typeof BackupBody.static;
      let directory: string;
      let relative: string;
      if (body.task_id) {
        if (!(await ctx.store.getTask(body.task_id))) throw ApiError.notFound(`task ${body.task_id}`, 'TASK_NOT_FOUND');
        const dir = await ctx.dataRoot.taskDir(body.task_id, { create: true });
        try {
          directory = await dir.ensureSubdir(VECTOR_BACKUP_DIR);
        } catch (error) {
          if (error instanceof PathConfinementError) throw notADirectory(`${body.task_id}/${VECTOR_BACKUP_DIR}`);
          throw error;
        }
        relative = `${body.task_id}/${VECTOR_BACKUP_DIR}`;
      } else {
        directory = path.join(ctx.dataRoot.path, VECTOR_BACKUP_DIR);
        const stat = await fs.lstat(directory).catch(() => undefined);
        if (stat && !stat.isDirectory()) throw notADirectory(VECTOR_BACKUP_DIR);
        if (!stat) await fs.mkdir(directory);
        relative = VECTOR_BACKUP_DIR;
      }
      const result = await withVectorDb(ctx, body.db_connection, async (db, external) => {
        if (external) await requireVectorTables(db);
        else await ensureVectorSchema(ctx, db, false);
        return backupVectorTables(db, directory);
      });
      if (!result.backup_performed) {
        const message = `the vector table backup failed: ${result.errors.join('; ')} (see ${relative}/vector_backup_log.txt)`;
        // Reading the client's own database failed (permissions, say): the client's to fix.
        if (body.db_connection !== undefined) throw ApiError.invalid('body.db_connection', `could not be backed up: ${message}`, 'a database whose vector tables this user can read');
        throw new ApiError(500, 'VECTOR_BACKUP_FAILED', message, { canRetry: true });
      }
      const rows = Object.values(result.tables_backed_up).reduce((sum, t) => sum + t.row_count, 0);
      const { timestamp, ...rest } = result;
      return successBody(200, `vector tables backed up to ${relative} (${rows} rows)`, { ...rest, backup_timestamp: timestamp, backup_directory: relative });
    },
  );

  app.get(
    `${BASE}/restore/list`,
    {
      schema: {
        tags: ['vector'],
        summary: 'The vector table backups under the data root: the global vector_bak/ and each task’s',
        querystring: ListQuery,
        response: { 200: envelope(data({ backup_locations: Type.Array(Open), summary: Open })), ...errorResponses },
      },
    },
    async (request) => {
      const query = request.query as typeof ListQuery.static;
      const started = Date.now();
      const locations: VectorBackupLocation[] = [];
      if (!query.task_id) {
        const global = scanVectorBackups(path.join(ctx.dataRoot.path, VECTOR_BACKUP_DIR));
        if (global?.length) locations.push({ type: 'global', relative_path: VECTOR_BACKUP_DIR, backups: global });
      }
      if (!query.global_only) {
        const taskIds = query.task_id ? [query.task_id] : (await ctx.dataRoot.taskIds()).sort();
        if (query.task_id && !(await ctx.store.getTask(query.task_id))) throw ApiError.notFound(`task ${query.task_id}`, 'TASK_NOT_FOUND');
        for (const taskId of taskIds) {
          if (!(await ctx.dataRoot.exists(taskId))) continue;
          const backups = scanVectorBackups(path.join(ctx.dataRoot.path, taskId, VECTOR_BACKUP_DIR));
          if (backups?.length) locations.push({ type: 'task', relative_path: `${taskId}/${VECTOR_BACKUP_DIR}`, task_id: taskId, backups });
        }
      }
      const count = (type: 'global' | 'task') => locations.filter((l) => l.type === type).reduce((n, l) => n + l.backups.length, 0);
      const summary = {
        total_locations: locations.length,
        total_backups: count('global') + count('task'),
        global_backups: count('global'),
        task_backups: count('task'),
        scan_time: new Date(started).toISOString(),
        scan_duration: (Date.now() - started) / 1000,
      };
      return successBody(200, `${summary.total_backups} vector backup(s) in ${summary.total_locations} location(s)`, { backup_locations: locations, summary });
    },
  );

  app.post(
    `${BASE}/restore`,
    {
      schema: {
        tags: ['vector'],
        summary: 'Restore vector tables from a backup, in foreign-key order, in one transaction',
        body: RestoreBody,
        response: {
          200: envelope(
            data({
              restore_performed: Type.Boolean(),
              truncate_performed: Type.Boolean(),
              backup_info: Open,
              truncate_results: Open,
              restore_results: Type.Record(Type.String(), Open),
              errors: Type.Array(Type.String()),
              duration: Type.Number(),
            }),
          ),
          ...errorResponses,
          503: ErrorEnvelope,
        },
      },
    },
    async (request) => {
      const body = request.body as typeof RestoreBody.static;
      const started = Date.now();
      let directory: string;
      try {
        directory = await ctx.dataRoot.resolveInside('body.backup_path', body.backup_path);
      } catch (error) {
        // A path that does not exist is not found; one outside the root is refused (400, below).
        if (error instanceof Error && /does not exist$/.test(error.message)) {
          throw new ApiError(404, 'BACKUP_NOT_FOUND', `body.backup_path ${JSON.stringify(body.backup_path)} does not exist under the data root`);
        }
        throw error;
      }
      if (!(await isRealDirectory(directory))) throw ApiError.invalid('body.backup_path', 'is not a directory', 'a directory of vector backups, e.g. "vector_bak" or "task_x/vector_bak"');
      const tables: readonly VectorTable[] = body.tables ?? VECTOR_TABLES;
      const files: Partial<Record<VectorTable, string>> = {};
      const missing: string[] = [];
      for (const table of tables) {
        const file = path.join(directory, backupFileName(table, body.timestamp));
        const stat = await fs.lstat(file).catch(() => undefined);
        if (stat?.isFile()) files[table] = file;
        else missing.push(backupFileName(table, body.timestamp));
      }
      if (missing.length) {
        throw new ApiError(404, 'BACKUP_NOT_FOUND', `no backup file ${missing.join(', ')} in ${body.backup_path} (GET ${BASE}/restore/list shows the backups)`);
      }
      const truncate = Boolean(body.truncate_before_restore);
      const results = await withVectorDb(ctx, body.db_connection, async (db, external) => {
        await ensureVectorSchema(ctx, db, external);
        const before = truncate ? await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${EMBEDDING_TABLE}`) : [];
        try {
          const restored = await restoreVectorTables(db, files, { truncate });
          return { restored, truncatedRows: before[0]?.n ?? 0 };
        } catch (error) {
          // The transaction rolled back: nothing changed. A file that does not parse is a bad backup, not our fault.
          const message = error instanceof Error ? error.message : String(error);
          if (error instanceof CsvError) {
            throw ApiError.invalid('body.timestamp', `names a backup whose CSV cannot be read (${message}); the restore was rolled back, nothing changed`, 'a backup written by POST /vector/backup');
          }
          const code = (error as { code?: unknown }).code;
          if (code === 'ENOENT') throw new ApiError(404, 'BACKUP_NOT_FOUND', `a file of the backup disappeared during the restore (${message}); nothing changed`);
          // Data the database refuses (class 22) or that breaks a constraint (class 23), e.g. a
          // vector of another dimension, or embeddings whose collection is not restored with them.
          if (typeof code === 'string' && /^2[23]/.test(code)) {
            throw ApiError.invalid('body.timestamp', `names a backup this database refuses (${message}); the restore was rolled back, nothing changed`, 'a backup of tables with the same vector dimension (and, restoring only embeddings, their collections present)');
          }
          throw error;
        }
      });
      const restoredRows = Object.values(results.restored).reduce((n, r) => n + r.rows_restored, 0);
      return successBody(200, `restored ${restoredRows} row(s) from ${body.backup_path} (${body.timestamp})`, {
        restore_performed: true,
        truncate_performed: truncate,
        backup_info: { backup_path: body.backup_path, timestamp: body.timestamp, tables: [...tables], backup_date: isoFromTimestamp(body.timestamp) },
        truncate_results: truncate ? { [EMBEDDING_TABLE]: { success: true, rows_before: results.truncatedRows, rows_after: 0 } } : {},
        restore_results: results.restored,
        errors: [],
        duration: (Date.now() - started) / 1000,
      });
    },
  );
}
