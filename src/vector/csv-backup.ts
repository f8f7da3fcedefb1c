/**
 * Backup of both vector tables to CSV (header row; metadata as JSON text), read in one
 * REPEATABLE READ snapshot through cursors and streamed to disk, so memory stays flat and the two
 * files agree with each other. Restore reads the files back in foreign-key order in one transaction.
 */
import { parse } from 'csv-parse';
import { stringify } from 'csv-stringify';
import { createReadStream, promises as fs } from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import type { Queryable, SqlDatabase } from '../db/sql-database.js';
import { openAtomicStream, writeFileAtomic, type AtomicStream } from '../util/atomic-file.js';
import { compactTimestamp, logTimestamp, seconds } from '../util/time.js';
import { COLLECTION_TABLE, EMBEDDING_TABLE } from './vector-store.js';
import { errorMessage } from '../errors.js';

export const VECTOR_BACKUP_LOG = 'vector_backup_log.txt';

const TABLE_COLUMNS = {
  [COLLECTION_TABLE]: ['uuid', 'name', 'cmetadata'],
  [EMBEDDING_TABLE]: ['id', 'collection_id', 'embedding', 'document', 'cmetadata'],
} as const;

export type VectorTable = keyof typeof TABLE_COLUMNS;

export const VECTOR_TABLES: readonly VectorTable[] = [COLLECTION_TABLE, EMBEDDING_TABLE];

const SELECTS: Record<VectorTable, string> = {
  [COLLECTION_TABLE]: `SELECT uuid::text AS uuid, name, cmetadata::text AS cmetadata FROM ${COLLECTION_TABLE} ORDER BY name`,
  [EMBEDDING_TABLE]: `SELECT id, collection_id::text AS collection_id, embedding::text AS embedding, document, cmetadata::text AS cmetadata FROM ${EMBEDDING_TABLE} ORDER BY id`,
};

const FETCH_SIZE = 500;

export interface TableBackupResult {
  success: boolean;
  row_count: number;
  file_size: number;
  backup_file: string;
  /** Seconds. */
  duration: number;
  error?: string;
}

export interface VectorBackupResult {
  backup_performed: boolean;
  timestamp: string;
  tables_backed_up: Record<string, TableBackupResult>;
  errors: string[];
  backup_directory: string;
  /** Seconds. */
  duration: number;
}

export function backupFileName(table: VectorTable, timestamp: string): string {
  return `${table}_${timestamp}.csv`;
}

/**
 * Streams one table through a cursor into a temp file next to `target`; returns the rows written and
 * the temp file, which the caller renames once every table of the backup is written.
 */
async function exportTable(tx: Queryable, table: VectorTable, target: string): Promise<{ rows: number; file: AtomicStream }> {
  const cursor = `dp_backup_${table}`;
  await tx.query(`DECLARE ${cursor} NO SCROLL CURSOR FOR ${SELECTS[table]}`);
  let rows = 0;
  async function* batches(): AsyncGenerator<string[]> {
    for (;;) {
      const batch = await tx.query<Record<string, string | null>>(`FETCH ${FETCH_SIZE} FROM ${cursor}`);
      for (const row of batch) {
        rows += 1;
        yield TABLE_COLUMNS[table].map((c) => row[c] ?? '');
      }
      if (batch.length < FETCH_SIZE) break;
    }
  }
  const file = openAtomicStream(target);
  try {
    await pipeline(Readable.from(batches()), stringify({ header: true, columns: [...TABLE_COLUMNS[table]] }), file.stream);
  } catch (error) {
    await file.abort();
    throw error;
  }
  await tx.query(`CLOSE ${cursor}`);
  return { rows, file };
}

/** Backups into one directory, one at a time in this process (timestamps and the log are shared). */
const directoryQueues = new Map<string, Promise<unknown>>();

function oneAtATime<T>(directory: string, work: () => Promise<T>): Promise<T> {
  const previous = directoryQueues.get(directory) ?? Promise.resolve();
  const next = previous.then(work, work);
  const settled = next.then(
    () => undefined,
    () => undefined,
  );
  directoryQueues.set(directory, settled);
  void settled.then(() => {
    if (directoryQueues.get(directory) === settled) directoryQueues.delete(directory);
  });
  return next;
}

const exists = (file: string) =>
  fs.lstat(file).then(
    () => true,
    () => false,
  );

/**
 * The backup's `YYYYMMDD_HHMMSS`: files are named by the second, so a backup in a second that
 * already has one waits for the next second rather than replace it.
 */
async function freeTimestamp(directory: string): Promise<string> {
  for (;;) {
    const now = new Date();
    const timestamp = compactTimestamp(now);
    const taken = await Promise.all(VECTOR_TABLES.map((t) => exists(path.join(directory, backupFileName(t, timestamp)))));
    if (!taken.some(Boolean)) return timestamp;
    await new Promise((resolve) => setTimeout(resolve, 1000 - now.getMilliseconds() + 5));
  }
}

/**
 * Backs up both tables into `directory` (created if missing) and appends to its log. Both files
 * appear together or not at all: each is written to a temp file and both are renamed at the end.
 */
export function backupVectorTables(db: SqlDatabase, directory: string): Promise<VectorBackupResult> {
  return oneAtATime(path.resolve(directory), () => backupNow(db, directory));
}

async function backupNow(db: SqlDatabase, directory: string): Promise<VectorBackupResult> {
  const started = Date.now();
  await fs.mkdir(directory, { recursive: true });
  const timestamp = await freeTimestamp(directory);
  const result: VectorBackupResult = {
    backup_performed: false,
    timestamp,
    tables_backed_up: {},
    errors: [],
    backup_directory: directory,
    duration: 0,
  };
  const written: { file: AtomicStream; target: string }[] = [];
  try {
    await db.transaction(
      async (tx) => {
        for (const table of VECTOR_TABLES) {
          const file = backupFileName(table, timestamp);
          const target = path.join(directory, file);
          const tableStarted = Date.now();
          try {
            const exported = await exportTable(tx, table, target);
            written.push({ file: exported.file, target });
            const { size } = await fs.stat(exported.file.tempPath);
            result.tables_backed_up[table] = {
              success: true,
              row_count: exported.rows,
              file_size: size,
              backup_file: file,
              duration: (Date.now() - tableStarted) / 1000,
            };
          } catch (error) {
            const message = errorMessage(error);
            result.tables_backed_up[table] = {
              success: false,
              row_count: 0,
              file_size: 0,
              backup_file: file,
              duration: (Date.now() - tableStarted) / 1000,
              error: message,
            };
            result.errors.push(`${table}: ${message}`);
            throw error;
          }
        }
      },
      { readOnly: true, isolation: 'repeatable read', rollback: true },
    );
    for (const { file, target } of written) await fs.rename(file.tempPath, target);
    result.backup_performed = true;
  } catch (error) {
    if (result.errors.length === 0) result.errors.push(errorMessage(error));
    // A half backup is no backup: neither file is left.
    for (const { file } of written) await file.abort().catch(() => undefined);
  }
  result.duration = (Date.now() - started) / 1000;
  await appendBackupLog(directory, result);
  return result;
}

async function appendBackupLog(directory: string, result: VectorBackupResult): Promise<void> {
  const logPath = path.join(directory, VECTOR_BACKUP_LOG);
  const previous = await fs.readFile(logPath, 'utf8').catch(() => '');
  const lines = [
    `=== Vector table backup ${logTimestamp()} (${result.timestamp}) ===`,
    ...Object.entries(result.tables_backed_up).map(
      ([table, r]) =>
        `${table}: ${r.success ? 'ok' : 'FAILED'}, ${r.row_count} rows, ${r.file_size} bytes, ${seconds(r.duration * 1000)} -> ${r.backup_file}${r.error ? ` (${r.error})` : ''}`,
    ),
    ...result.errors.map((e) => `error: ${e}`),
    `status: ${result.backup_performed ? 'success' : 'failed'}; total ${seconds(result.duration * 1000)}`,
    '',
  ];
  await writeFileAtomic(logPath, `${previous}${lines.join('\n')}\n`);
}

export interface RestoreTableResult {
  success: boolean;
  source_file: string;
  rows_restored: number;
  file_size: number;
  duration: number;
}

const RESTORE_BATCH = 500;

async function* csvRecords(file: string): AsyncGenerator<Record<string, string>> {
  const source = createReadStream(file);
  const parser = parse({ columns: true, bom: true, relax_column_count: false });
  // pipe() does not forward a read error: the parser ends with it instead of the process crashing.
  source.on('error', (error) => parser.destroy(error));
  source.pipe(parser);
  for await (const record of parser) yield record as Record<string, string>;
}

async function insertCollections(tx: Queryable, rows: Record<string, string>[]): Promise<void> {
  await tx.query(
    `INSERT INTO ${COLLECTION_TABLE} (uuid, name, cmetadata)
     SELECT t.uuid::uuid, t.name, NULLIF(t.cmetadata, '')::json FROM unnest($1::text[], $2::text[], $3::text[]) AS t(uuid, name, cmetadata)
     ON CONFLICT (name) DO UPDATE SET cmetadata = EXCLUDED.cmetadata`,
    [rows.map((r) => r.uuid), rows.map((r) => r.name), rows.map((r) => r.cmetadata ?? '')],
  );
}

async function insertEmbeddings(tx: Queryable, rows: Record<string, string>[], collectionIds: Map<string, string>): Promise<void> {
  await tx.query(
    `INSERT INTO ${EMBEDDING_TABLE} (id, collection_id, embedding, document, cmetadata)
     SELECT t.id, NULLIF(t.collection_id, '')::uuid, NULLIF(t.embedding, '')::vector, t.document, NULLIF(t.cmetadata, '')::jsonb
     FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[]) AS t(id, collection_id, embedding, document, cmetadata)
     ON CONFLICT (id) DO UPDATE SET collection_id = EXCLUDED.collection_id, embedding = EXCLUDED.embedding,
       document = EXCLUDED.document, cmetadata = EXCLUDED.cmetadata`,
    [
      rows.map((r) => r.id),
      rows.map((r) => collectionIds.get(r.collection_id ?? '') ?? r.collection_id ?? ''),
      rows.map((r) => r.embedding),
      rows.map((r) => r.document),
      rows.map((r) => r.cmetadata),
    ],
  );
}

/**
 * Restores the given backup files in foreign-key order (collections, then embeddings) in one
 * transaction; with `truncate`, the embeddings table is emptied first in the same transaction.
 */
export async function restoreVectorTables(
  db: SqlDatabase,
  files: Partial<Record<VectorTable, string>>,
  options: { truncate?: boolean } = {},
): Promise<Record<string, RestoreTableResult>> {
  return db.transaction(async (tx) => {
    if (options.truncate) await tx.query(`TRUNCATE ${EMBEDDING_TABLE}`);
    const results: Record<string, RestoreTableResult> = {};
    // A collection that already exists keeps its uuid: embeddings are re-pointed through the name.
    const collectionIds = new Map<string, string>();
    const collectionFile = files[COLLECTION_TABLE];
    if (collectionFile) {
      const started = Date.now();
      const rows: Record<string, string>[] = [];
      for await (const record of csvRecords(collectionFile)) rows.push(record);
      if (rows.length) await insertCollections(tx, rows);
      const current = await tx.query<{ uuid: string; name: string }>(`SELECT uuid::text AS uuid, name FROM ${COLLECTION_TABLE}`);
      const byName = new Map(current.map((c) => [c.name, c.uuid]));
      for (const row of rows) {
        const uuid = byName.get(row.name ?? '');
        if (row.uuid && uuid) collectionIds.set(row.uuid, uuid);
      }
      results[COLLECTION_TABLE] = await restoreResult(collectionFile, rows.length, started);
    }
    const embeddingFile = files[EMBEDDING_TABLE];
    if (embeddingFile) {
      const started = Date.now();
      let restored = 0;
      let batch: Record<string, string>[] = [];
      for await (const record of csvRecords(embeddingFile)) {
        batch.push(record);
        if (batch.length >= RESTORE_BATCH) {
          await insertEmbeddings(tx, batch, collectionIds);
          restored += batch.length;
          batch = [];
        }
      }
      if (batch.length) {
        await insertEmbeddings(tx, batch, collectionIds);
        restored += batch.length;
      }
      results[EMBEDDING_TABLE] = await restoreResult(embeddingFile, restored, started);
    }
    return results;
  });
}

async function restoreResult(file: string, rows: number, started: number): Promise<RestoreTableResult> {
  return {
    success: true,
    source_file: path.basename(file),
    rows_restored: rows,
    file_size: (await fs.stat(file)).size,
    duration: (Date.now() - started) / 1000,
  };
}
