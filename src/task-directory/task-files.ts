/**
 * Names of the files in a task directory and the small formats that tie them together
 * (`filename_mapping.txt`, pair-file names). See ARCHITECTURE.md for who writes each file.
 */
import type { TaskDirectory } from './task-dir.js';

export const TABLE_LIST_FILE = 'table_list.txt';
export const MAPPING_FILE = 'filename_mapping.txt';
export const COMMENTS_SQL_FILE = 'comments.sql';
export const METADATA_FILE = 'metadata.txt';
export const METADATA_DETAIL_FILE = 'metadata_detail.md';
export const DECISION_PROMPT_FILE = 'db_query_decision_prompt.txt';
export const TASK_CONFIG_FILE = 'task_config.json';
export const TASK_RESULT_FILE = 'task_result.json';
export { VECTOR_BACKUP_DIR } from './task-id.js';

export const stepResultFile = (step: string) => `${step}_result.json`;

/**
 * An earlier version of an uploaded file, kept when an upload replaces it (overwrite mode
 * `backup`): `name_bak1`, `name_bak2`… Not a file backup (`file_bak_*`, backup/): one file's
 * earlier content, next to it.
 */
export const previousVersionName = (name: string, version: number) => `${name}_bak${version}`;

/** `qs_{db}_{YYYYMMDD_HHMMSS}_pair.json`; the database name made file-safe. */
export function pairFileName(dbName: string, timestamp: string): string {
  return `qs_${dbName.replace(/[^A-Za-z0-9_-]/g, '_')}_${timestamp}_pair.json`;
}

const PAIR_FILE = /^qs_.*_(\d{8}_\d{6})_pair\.json$/;

export function isPairFile(name: string): boolean {
  return PAIR_FILE.test(name);
}

/** The newest pair file by the timestamp in its name (then by name), or undefined. */
export async function newestPairFile(dir: TaskDirectory): Promise<string | undefined> {
  const names = await dir.fileNames(isPairFile);
  return names
    .sort((a, b) => {
      const ta = PAIR_FILE.exec(a)?.[1] ?? '';
      const tb = PAIR_FILE.exec(b)?.[1] ?? '';
      return ta.localeCompare(tb) || a.localeCompare(b);
    })
    .pop();
}

export interface TableFiles {
  /** `schema.table` as in the catalog. */
  table: string;
  ddl: string;
  md: string;
}

const MAPPING_HEADER = ['# Table → file name mapping, written by ddl_generation', '# Format: schema.table -> file name (one line per file)'];

export function renderMapping(entries: readonly TableFiles[]): string {
  const lines = entries.flatMap((e) => [`${e.table} -> ${e.ddl}`, `${e.table} -> ${e.md}`]);
  return `${[...MAPPING_HEADER, ...lines].join('\n')}\n`;
}

/** Reads `filename_mapping.txt` back into table → files, in file order. */
export function parseMapping(text: string): TableFiles[] {
  const byTable = new Map<string, { ddl?: string; md?: string }>();
  for (const line of text.split(/\r?\n/)) {
    if (line.startsWith('#') || !line.includes(' -> ')) continue;
    const at = line.lastIndexOf(' -> ');
    const table = line.slice(0, at).trim();
    const file = line.slice(at + 4).trim();
    const entry = byTable.get(table) ?? {};
    if (file.endsWith('.ddl')) entry.ddl = file;
    else if (file.endsWith('_detail.md')) entry.md = file;
    byTable.set(table, entry);
  }
  return [...byTable.entries()]
    .filter((e): e is [string, { ddl: string; md: string }] => Boolean(e[1].ddl && e[1].md))
    .map(([table, files]) => ({ table, ...files }));
}

/** The tables documented in the directory: from the mapping file, which lists this run's tables. */
export async function readTableFiles(dir: TaskDirectory): Promise<TableFiles[]> {
  const mapping = await dir.readTextIfExists(MAPPING_FILE);
  return mapping ? parseMapping(mapping) : [];
}
