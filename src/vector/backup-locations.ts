/**
 * Where vector table backups are: the data root's global `vector_bak/` and each task's
 * `vector_bak/`. A backup is the pair of CSV files sharing one `YYYYMMDD_HHMMSS` timestamp.
 * Only real directories and regular files count: links are never followed.
 */
import { lstatSync, readdirSync, type Stats } from 'node:fs';
import path from 'node:path';
import { COLLECTION_TABLE, EMBEDDING_TABLE } from './vector-store.js';
import { VECTOR_BACKUP_LOG } from './csv-backup.js';

export const VECTOR_BACKUP_FILE = /^(langchain_pg_collection|langchain_pg_embedding)_(\d{8}_\d{6})\.csv$/;

export interface VectorBackupEntry {
  timestamp: string;
  collection_file: string | null;
  embedding_file: string | null;
  /** Bytes of each file (null when that file is missing). */
  collection_size: number | null;
  embedding_size: number | null;
  /** The timestamp as ISO 8601 local time. */
  backup_date: string;
  has_log: boolean;
  log_file: string | null;
}

export interface VectorBackupLocation {
  type: 'global' | 'task';
  /** Relative to the data root: what `backup_path` of a restore takes. */
  relative_path: string;
  task_id?: string;
  backups: VectorBackupEntry[];
}

function lstatOrUndefined(p: string): Stats | undefined {
  try {
    return lstatSync(p);
  } catch {
    return undefined;
  }
}

/** `YYYYMMDD_HHMMSS` as ISO 8601 local time. */
export function isoFromTimestamp(ts: string): string {
  return `${ts.slice(0, 4)}-${ts.slice(4, 6)}-${ts.slice(6, 8)}T${ts.slice(9, 11)}:${ts.slice(11, 13)}:${ts.slice(13, 15)}`;
}

/** The backups in one directory, newest first; undefined when it is not a real directory. */
export function scanVectorBackups(directory: string): VectorBackupEntry[] | undefined {
  if (!lstatOrUndefined(directory)?.isDirectory()) return undefined;
  const byTimestamp = new Map<string, VectorBackupEntry>();
  const hasLog = Boolean(lstatOrUndefined(path.join(directory, VECTOR_BACKUP_LOG))?.isFile());
  for (const name of readdirSync(directory)) {
    const match = VECTOR_BACKUP_FILE.exec(name);
    if (!match) continue;
    const stat = lstatOrUndefined(path.join(directory, name));
    if (!stat?.isFile()) continue;
    const [, table, timestamp] = match as unknown as [string, string, string];
    const entry = byTimestamp.get(timestamp) ?? {
      timestamp,
      collection_file: null,
      embedding_file: null,
      collection_size: null,
      embedding_size: null,
      backup_date: isoFromTimestamp(timestamp),
      has_log: hasLog,
      log_file: hasLog ? VECTOR_BACKUP_LOG : null,
    };
    if (table === COLLECTION_TABLE) {
      entry.collection_file = name;
      entry.collection_size = stat.size;
    } else if (table === EMBEDDING_TABLE) {
      entry.embedding_file = name;
      entry.embedding_size = stat.size;
    }
    byTimestamp.set(timestamp, entry);
  }
  return [...byTimestamp.values()].sort((a, b) => (a.timestamp < b.timestamp ? 1 : a.timestamp > b.timestamp ? -1 : 0));
}
