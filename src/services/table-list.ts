/**
 * A task's table list: written from names or from an uploaded file (both holding the task's
 * claim, so never under a running step), and described as it is.
 */
import { promises as fs } from 'node:fs';
import { AppError } from '../errors.js';
import { parseTableList, parseTableName, qualifiedName, tableListTooLong, type TableListEntryError } from '../source/table-list.js';
import { TABLE_LIST_FILE } from '../task-directory/task-files.js';
import { decodeText } from '../util/text-encoding.js';
import type { ServiceContext } from './context.js';
import { withTaskClaim } from './task-claim.js';
import { checkTableListText } from './table-list-rules.js';
import { requireTask } from './tasks.js';

/** Comma-separated names (commas inside double quotes kept, as in the table-list format). */
function splitNames(text: string): string[] {
  const names: string[] = [];
  let current = '';
  let quoted = false;
  for (const char of text) {
    if (char === '"') quoted = !quoted;
    if (char === ',' && !quoted) {
      names.push(current);
      current = '';
    } else {
      current += char;
    }
  }
  return [...names, current];
}

export interface WrittenTableList {
  table_count: number;
  original_count: number;
  duplicates_dropped: number;
  file_size: number;
}

/** Writes table_list.txt from names (an array, or comma-separated strings); every name must be valid. */
export async function setTableListFromNames(ctx: ServiceContext, taskId: string, given: string | string[]): Promise<WrittenTableList> {
  const names = [given]
    .flat()
    .flatMap(splitNames)
    .map((n) => n.trim())
    .filter(Boolean);
  if (names.length === 0) throw AppError.invalid('body.tables', 'names no table', 'at least one table name');
  const tooLong = tableListTooLong({ originalCount: names.length }, ctx.settings.maxTables);
  if (tooLong) throw AppError.invalid('body.tables', tooLong, `a table list of at most ${ctx.settings.maxTables} names`);
  const invalid = names.flatMap((name) => {
    const parsed = parseTableName(name);
    return 'error' in parsed ? [{ name, error: parsed.error }] : [];
  });
  if (invalid.length) {
    throw new AppError('INVALID_PARAMS', `body.tables has invalid names: ${invalid.map((x) => JSON.stringify(x.name)).join(', ')}`, {
      invalid: invalid.map((x) => ({ field: 'body.tables', problem: `${JSON.stringify(x.name)} ${x.error}`, accepted: 'table or schema.table' })),
    });
  }
  await requireTask(ctx, taskId);
  const parsed = parseTableList(names.join('\n'));
  const text = `${parsed.tables.map(qualifiedName).join('\n')}\n`;
  await withTaskClaim(ctx, taskId, 'upload', 'replace the table list', async () => {
    const dir = await ctx.dataRoot.taskDir(taskId, { create: true });
    await dir.writeFile(TABLE_LIST_FILE, text);
  });
  return { table_count: parsed.tables.length, original_count: names.length, duplicates_dropped: parsed.duplicates.length, file_size: Buffer.byteLength(text) };
}

export interface UploadedFile {
  /** The client's file name, reduced to its base name. */
  name: string;
  bytes: Buffer;
}

/** Writes table_list.txt from an uploaded .txt file (UTF-8 or GBK, stored as UTF-8). */
export async function setTableListFromUpload(ctx: ServiceContext, taskId: string, upload: UploadedFile): Promise<{ encoding: string; file_size: number }> {
  await requireTask(ctx, taskId);
  if (!upload.name.toLowerCase().endsWith('.txt')) throw AppError.invalid('body.file', `has the name ${JSON.stringify(upload.name)}`, 'a .txt file');
  if (upload.bytes.length === 0) throw AppError.invalid('body.file', 'is empty', 'a non-empty table list');
  const { text, encoding } = decodeText(upload.bytes);
  if (text.trim() === '') throw AppError.invalid('body.file', 'holds only blank space', 'at least one table name');
  checkTableListText(text, 'body.file', ctx.settings.maxTables);
  await withTaskClaim(ctx, taskId, 'upload', 'replace the table list', async () => {
    const dir = await ctx.dataRoot.taskDir(taskId, { create: true });
    await dir.writeFile(TABLE_LIST_FILE, text);
  });
  return { encoding, file_size: Buffer.byteLength(text) };
}

export interface TableListInfo {
  exists: boolean;
  file_size: number;
  modified_at: string | null;
  created_at: string | null;
  table_names: string[];
  invalid_entries: TableListEntryError[];
}

/** What the task's table_list.txt holds (nothing when it has none). */
export async function tableListInfo(ctx: ServiceContext, taskId: string): Promise<TableListInfo> {
  await requireTask(ctx, taskId);
  const dir = (await ctx.dataRoot.exists(taskId)) ? await ctx.dataRoot.taskDir(taskId) : undefined;
  const text = dir ? await dir.readTextIfExists(TABLE_LIST_FILE) : undefined;
  if (!dir || text === undefined) return { exists: false, file_size: 0, modified_at: null, created_at: null, table_names: [], invalid_entries: [] };
  const stat = await fs.stat(dir.filePath(TABLE_LIST_FILE));
  const parsed = parseTableList(text);
  return {
    exists: true,
    file_size: stat.size,
    modified_at: stat.mtime.toISOString(),
    created_at: stat.birthtime.toISOString(),
    table_names: parsed.tables.map(qualifiedName),
    invalid_entries: parsed.invalid,
  };
}
