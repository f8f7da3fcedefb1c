/**
 * Vector table backups: both tables to CSV in one snapshot (a task's `vector_bak/` or the data
 * root's), the backups found under the data root, and a restore in foreign-key order in one
 * transaction. Paths given by a client are confined to the data root; the store is the configured
 * one unless `db_connection` names another pgvector database.
 */
import { CsvError } from 'csv-parse';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { PostgresDatabase } from '../db/postgres-database.js';
import type { SqlDatabase } from '../db/sql-database.js';
import { AppError, errorMessage, PathConfinementError } from '../errors.js';
import { VECTOR_BACKUP_DIR } from '../task-directory/task-files.js';
import { isoFromTimestamp, scanVectorBackups, type VectorBackupLocation } from '../vector/backup-locations.js';
import {
  backupFileName,
  backupVectorTables,
  restoreVectorTables,
  VECTOR_TABLES,
  type RestoreTableResult,
  type TableBackupResult,
  type VectorTable,
} from '../vector/csv-backup.js';
import { COLLECTION_TABLE, EMBEDDING_TABLE, VectorStore, VectorStoreError } from '../vector/vector-store.js';
import { checkConnection } from './connection.js';
import type { ServiceContext } from './context.js';
import { requireTask } from './tasks.js';

export { COLLECTION_TABLE, EMBEDDING_TABLE, VECTOR_BACKUP_DIR };
export type { RestoreTableResult, TableBackupResult, VectorBackupLocation, VectorTable };

const PGVECTOR_DATABASE = 'a postgresql:// URL with a host and a database (a pgvector database)';

/**
 * Runs `fn` on the vector database: the configured store, or the one `connection` names (opened
 * for this request and closed after it).
 */
async function withVectorDb<T>(ctx: ServiceContext, connection: string | undefined, fn: (db: SqlDatabase, external: boolean) => Promise<T>): Promise<T> {
  if (connection === undefined) return fn(ctx.storeDb, false);
  checkConnection(connection, 'body.db_connection', { sample: false, accepted: PGVECTOR_DATABASE });
  const db = await PostgresDatabase.connect(connection, { maxConnections: 2 });
  try {
    return await fn(db, true);
  } finally {
    await db.close();
  }
}

/** A store without pgvector is a clear error: the client's database (400), or ours (503: the server's configuration). */
export async function ensureVectorSchema(ctx: ServiceContext, db: SqlDatabase, external: boolean): Promise<void> {
  try {
    await new VectorStore(db, ctx.settings.embedding.dim).ensureSchema();
  } catch (error) {
    if (!(error instanceof VectorStoreError)) throw error;
    throw external
      ? AppError.invalid('body.db_connection', `cannot hold the vector tables: ${error.message}`, 'a PostgreSQL database with the pgvector extension')
      : new AppError('VECTOR_STORE_UNAVAILABLE', `the configured vector store cannot be used: ${error.message}`);
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
    throw AppError.invalid(
      'body.db_connection',
      `has no ${missing.join(' and ')} table, so there is nothing to back up`,
      'a database holding the Vanna pgvector tables',
    );
  }
}

/** A backup directory with a link or a file in its place: the server's state, not the request, is wrong. */
function notADirectory(relative: string): AppError {
  return new AppError('INVALID_BACKUP_DIRECTORY', `${relative} is not a directory (a link or a file is in its place); remove it to back up there`);
}

/** The backup directory: the task's `vector_bak/`, or the data root's; made when missing, never through a link. */
async function backupDirectory(ctx: ServiceContext, taskId: string | undefined): Promise<{ directory: string; relative: string }> {
  if (taskId) {
    await requireTask(ctx, taskId);
    const dir = await ctx.dataRoot.taskDir(taskId, { create: true });
    const relative = `${taskId}/${VECTOR_BACKUP_DIR}`;
    try {
      return { directory: await dir.ensureSubdir(VECTOR_BACKUP_DIR), relative };
    } catch (error) {
      if (error instanceof PathConfinementError) throw notADirectory(relative);
      throw error;
    }
  }
  const directory = path.join(ctx.dataRoot.path, VECTOR_BACKUP_DIR);
  const stat = await fs.lstat(directory).catch(() => undefined);
  if (stat && !stat.isDirectory()) throw notADirectory(VECTOR_BACKUP_DIR);
  if (!stat) await fs.mkdir(directory);
  return { directory, relative: VECTOR_BACKUP_DIR };
}

export interface VectorBackupOutcome {
  timestamp: string;
  tables: Record<string, TableBackupResult>;
  /** Relative to the data root. */
  directory: string;
  rows: number;
  duration: number;
}

export async function backupVectorStore(ctx: ServiceContext, input: { task_id?: string; db_connection?: string }): Promise<VectorBackupOutcome> {
  const { directory, relative } = await backupDirectory(ctx, input.task_id);
  const result = await withVectorDb(ctx, input.db_connection, async (db, external) => {
    if (external) await requireVectorTables(db);
    else await ensureVectorSchema(ctx, db, false);
    return backupVectorTables(db, directory);
  });
  if (!result.backup_performed) {
    const message = `the vector table backup failed: ${result.errors.join('; ')} (see ${relative}/vector_backup_log.txt)`;
    // Reading the client's own database failed (permissions, say): the client's to fix.
    if (input.db_connection !== undefined)
      throw AppError.invalid('body.db_connection', `could not be backed up: ${message}`, 'a database whose vector tables this user can read');
    throw new AppError('VECTOR_BACKUP_FAILED', message, { canRetry: true });
  }
  const rows = Object.values(result.tables_backed_up).reduce((sum, t) => sum + t.row_count, 0);
  return { timestamp: result.timestamp, tables: result.tables_backed_up, directory: relative, rows, duration: result.duration };
}

/** The vector backups under the data root: the global `vector_bak/` and each task's. */
export async function listVectorBackups(ctx: ServiceContext, query: { global_only?: boolean; task_id?: string }): Promise<VectorBackupLocation[]> {
  const locations: VectorBackupLocation[] = [];
  if (query.task_id) await requireTask(ctx, query.task_id);
  if (!query.task_id) {
    const global = scanVectorBackups(path.join(ctx.dataRoot.path, VECTOR_BACKUP_DIR));
    if (global?.length) locations.push({ type: 'global', relative_path: VECTOR_BACKUP_DIR, backups: global });
  }
  if (!query.global_only) {
    const taskIds = query.task_id ? [query.task_id] : (await ctx.dataRoot.taskIds()).sort();
    for (const taskId of taskIds) {
      if (!(await ctx.dataRoot.exists(taskId))) continue;
      const backups = scanVectorBackups(path.join(ctx.dataRoot.path, taskId, VECTOR_BACKUP_DIR));
      if (backups?.length) locations.push({ type: 'task', relative_path: `${taskId}/${VECTOR_BACKUP_DIR}`, task_id: taskId, backups });
    }
  }
  return locations;
}

export interface VectorRestoreInput {
  backup_path: string;
  timestamp: string;
  tables?: VectorTable[];
  db_connection?: string;
  truncate_before_restore?: boolean;
}

export interface VectorRestoreOutcome {
  tables: VectorTable[];
  backup_date: string;
  truncated_rows: number | null;
  restored: Record<string, RestoreTableResult>;
  rows: number;
}

/**
 * The existing service's clients name backups from its working directory, under its data root
 * `./data_pipeline/training_data/` (`./data_pipeline/training_data/task_x/vector_bak`): that prefix
 * means our data root, wherever it is. Anything else is relative to the data root.
 */
const EXISTING_SERVICE_ROOT = /^(?:\.\/)?data_pipeline\/training_data(?:\/+|$)/;

export function backupPathInDataRoot(given: string): string {
  const normalized = given.replace(/\\/g, '/');
  return EXISTING_SERVICE_ROOT.test(normalized) ? normalized.replace(EXISTING_SERVICE_ROOT, '') || '.' : given;
}

export async function restoreVectorStore(ctx: ServiceContext, input: VectorRestoreInput): Promise<VectorRestoreOutcome> {
  let directory: string;
  try {
    directory = await ctx.dataRoot.resolveInside('body.backup_path', backupPathInDataRoot(input.backup_path));
  } catch (error) {
    // A path that does not exist is not found; one outside the root is refused (400).
    if (error instanceof PathConfinementError && error.reason === 'does not exist') {
      throw new AppError('BACKUP_NOT_FOUND', `body.backup_path ${JSON.stringify(input.backup_path)} does not exist under the data root`);
    }
    throw error;
  }
  const isDirectory = Boolean((await fs.lstat(directory).catch(() => undefined))?.isDirectory());
  if (!isDirectory) throw AppError.invalid('body.backup_path', 'is not a directory', 'a directory of vector backups, e.g. "vector_bak" or "task_x/vector_bak"');
  const tables: VectorTable[] = input.tables ?? [...VECTOR_TABLES];
  const files: Partial<Record<VectorTable, string>> = {};
  const missing: string[] = [];
  for (const table of tables) {
    const file = path.join(directory, backupFileName(table, input.timestamp));
    if ((await fs.lstat(file).catch(() => undefined))?.isFile()) files[table] = file;
    else missing.push(backupFileName(table, input.timestamp));
  }
  if (missing.length) {
    throw new AppError(
      'BACKUP_NOT_FOUND',
      `no backup file ${missing.join(', ')} in ${input.backup_path} (GET /api/v0/data_pipeline/vector/restore/list shows the backups)`,
    );
  }
  const truncate = Boolean(input.truncate_before_restore);
  const result = await withVectorDb(ctx, input.db_connection, async (db, external) => {
    await ensureVectorSchema(ctx, db, external);
    const before = truncate ? await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${EMBEDDING_TABLE}`) : [];
    try {
      return { restored: await restoreVectorTables(db, files, { truncate }), truncatedRows: truncate ? (before[0]?.n ?? 0) : null };
    } catch (error) {
      // The transaction rolled back: nothing changed. A file that does not parse is a bad backup, not our fault.
      const message = errorMessage(error);
      if (error instanceof CsvError) {
        throw AppError.invalid(
          'body.timestamp',
          `names a backup whose CSV cannot be read (${message}); the restore was rolled back, nothing changed`,
          'a backup written by POST /vector/backup',
        );
      }
      const code = (error as { code?: unknown }).code;
      if (code === 'ENOENT') throw new AppError('BACKUP_NOT_FOUND', `a file of the backup disappeared during the restore (${message}); nothing changed`);
      // Data the database refuses (class 22) or that breaks a constraint (class 23), e.g. a
      // vector of another dimension, or embeddings whose collection is not restored with them.
      if (typeof code === 'string' && /^2[23]/.test(code)) {
        throw AppError.invalid(
          'body.timestamp',
          `names a backup this database refuses (${message}); the restore was rolled back, nothing changed`,
          'a backup of tables with the same vector dimension (and, restoring only embeddings, their collections present)',
        );
      }
      throw error;
    }
  });
  const rows = Object.values(result.restored).reduce((n, r) => n + r.rows_restored, 0);
  return { tables, backup_date: isoFromTimestamp(input.timestamp), truncated_rows: result.truncatedRows, restored: result.restored, rows };
}
