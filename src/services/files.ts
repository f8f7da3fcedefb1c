/**
 * A task's files: list them, open one for download (confined to the task directory, links
 * resolved), upload one (holding the task's claim; an existing file is kept as an earlier version,
 * replaced, or the upload skipped).
 */
import { promises as fs } from 'node:fs';
import { AppError, PathConfinementError } from '../errors.js';
import { assertFileName } from '../task-directory/task-dir.js';
import { previousVersionName, TABLE_LIST_FILE } from '../task-directory/task-files.js';
import { decodeText } from '../util/text-encoding.js';
import { formatSize } from '../util/format-size.js';
import type { ServiceContext } from './context.js';
import { withTaskClaim } from './task-claim.js';
import { checkTableListText, TABLE_LIST_MAX_BYTES } from './table-list-rules.js';
import type { UploadedFile } from './table-list.js';
import { requireTask } from './tasks.js';

export const FILE_UPLOAD_MAX_BYTES = 10 * 1024 * 1024;
export const UPLOAD_EXTENSIONS = ['.ddl', '.md', '.txt', '.json', '.sql', '.csv'] as const;
export const OVERWRITE_MODES = ['backup', 'replace', 'skip'] as const;
export type OverwriteMode = (typeof OVERWRITE_MODES)[number];

const TYPES: [RegExp, string, string][] = [
  [/\.ddl$/i, 'ddl', 'text/plain; charset=utf-8'],
  [/\.sql$/i, 'sql', 'text/plain; charset=utf-8'],
  [/\.md$/i, 'markdown', 'text/markdown; charset=utf-8'],
  [/\.json$/i, 'json', 'application/json; charset=utf-8'],
  [/\.txt$/i, 'text', 'text/plain; charset=utf-8'],
  [/\.log$/i, 'log', 'text/plain; charset=utf-8'],
  // The file types clients know have no csv; CSV is text.
  [/\.csv$/i, 'text', 'text/csv; charset=utf-8'],
];

/** A file's kind (as clients group files) and the content type it is served with. */
export function fileType(name: string): { type: string; contentType: string } {
  const match = TYPES.find(([pattern]) => pattern.test(name));
  return match ? { type: match[1], contentType: match[2] } : { type: 'other', contentType: 'application/octet-stream' };
}

export interface TaskFile {
  name: string;
  type: string;
  size: number;
  created_at: string;
  modified_at: string;
}

/** The task directory's top-level files, newest first (none when it has no directory yet). */
export async function listTaskFiles(ctx: ServiceContext, taskId: string): Promise<{ exists: boolean; files: TaskFile[] }> {
  await requireTask(ctx, taskId);
  const exists = await ctx.dataRoot.exists(taskId);
  const entries = exists ? await (await ctx.dataRoot.taskDir(taskId)).list() : [];
  const files = entries
    .filter((e) => e.kind === 'file')
    .sort((a, b) => b.modifiedAt.getTime() - a.modifiedAt.getTime() || a.name.localeCompare(b.name))
    .map((e) => ({ name: e.name, type: fileType(e.name).type, size: e.size, created_at: e.createdAt.toISOString(), modified_at: e.modifiedAt.toISOString() }));
  return { exists, files };
}

/** Where a file to download is (its real path, inside the task directory) and its size. */
export async function openTaskFile(ctx: ServiceContext, taskId: string, name: string): Promise<{ path: string; size: number; contentType: string }> {
  assertFileName(name, 'params.file_name');
  await requireTask(ctx, taskId);
  if (!(await ctx.dataRoot.exists(taskId))) throw new AppError('TASK_DIRECTORY_NOT_FOUND', `task ${taskId} has no directory yet`);
  const dir = await ctx.dataRoot.taskDir(taskId);
  // Links are resolved and must stay inside the task directory.
  const real = await dir.confinedRealPath(dir.filePath(name)).catch((error: unknown) => {
    if (error instanceof PathConfinementError) throw new PathConfinementError('params.file_name', name, 'resolves outside the task directory');
    throw error;
  });
  const stat = real ? await fs.stat(real) : undefined;
  if (!real || !stat?.isFile()) throw AppError.notFound(`file ${name} of task ${taskId}`, 'FILE_NOT_FOUND');
  return { path: real, size: stat.size, contentType: fileType(name).contentType };
}

/** Most a task archive holds (the top-level files' total size): a bigger one is refused (413). */
export const ARCHIVE_MAX_BYTES = 256 * 1024 * 1024;

/**
 * The task directory's top-level regular files (links and backups left out) as one zip archive,
 * read through the confined directory. Refused with 413 past ARCHIVE_MAX_BYTES.
 */
export async function taskArchive(ctx: ServiceContext, taskId: string): Promise<{ name: string; bytes: Uint8Array; files: number }> {
  await requireTask(ctx, taskId);
  if (!(await ctx.dataRoot.exists(taskId))) throw new AppError('TASK_DIRECTORY_NOT_FOUND', `task ${taskId} has no directory yet`);
  const dir = await ctx.dataRoot.taskDir(taskId);
  const files = (await dir.list()).filter((e) => e.kind === 'file');
  const total = files.reduce((sum, f) => sum + f.size, 0);
  if (total > ARCHIVE_MAX_BYTES) {
    throw new AppError(
      'PAYLOAD_TOO_LARGE',
      `task ${taskId}'s files hold ${formatSize(total)}, more than an archive takes (${formatSize(ARCHIVE_MAX_BYTES)}): download them one by one`,
    );
  }
  const { zipSync } = await import('fflate');
  const entries: Record<string, Uint8Array> = {};
  for (const file of files) {
    const real = await dir.confinedRealPath(dir.filePath(file.name));
    if (real) entries[file.name] = new Uint8Array(await fs.readFile(real));
  }
  return { name: `${taskId}.zip`, bytes: zipSync(entries, { level: 6 }), files: Object.keys(entries).length };
}

export type UploadOutcome =
  | { skipped: true; name: string }
  | { skipped: false; name: string; size: number; previous_version: { name: string; version: number; created_at: string } | null };

/** Stores an uploaded file in the task directory, holding the task's claim. */
export async function uploadTaskFile(ctx: ServiceContext, taskId: string, upload: UploadedFile, mode: OverwriteMode): Promise<UploadOutcome> {
  await requireTask(ctx, taskId);
  const name = upload.name;
  if (!UPLOAD_EXTENSIONS.some((ext) => name.toLowerCase().endsWith(ext))) {
    throw AppError.invalid('body.file', `has the name ${JSON.stringify(name)}`, `a file ending in ${UPLOAD_EXTENSIONS.join(', ')}`);
  }
  assertFileName(name, 'body.file');
  if (name === TABLE_LIST_FILE) {
    // The table list has the same limits whichever route writes it.
    if (upload.bytes.length > TABLE_LIST_MAX_BYTES) {
      throw new AppError('PAYLOAD_TOO_LARGE', `body.file (${TABLE_LIST_FILE}) is ${upload.bytes.length} bytes; at most ${TABLE_LIST_MAX_BYTES} are accepted`);
    }
    checkTableListText(decodeText(upload.bytes).text, 'body.file', ctx.settings.maxTables);
  }
  return withTaskClaim(ctx, taskId, 'upload', 'upload', async (): Promise<UploadOutcome> => {
    const dir = await ctx.dataRoot.taskDir(taskId, { create: true });
    // A link in the task directory is none of our files (we never make one): the upload replaces
    // the link itself (writeFile renames over it); it is neither kept as a version nor followed.
    const isLink = (await fs.lstat(dir.filePath(name)).catch(() => undefined))?.isSymbolicLink() ?? false;
    const exists = !isLink && (await dir.exists(name));
    if (exists && mode === 'skip') return { skipped: true, name };
    let previous: { name: string; version: number; created_at: string } | null = null;
    if (exists && mode === 'backup') {
      let version = 1;
      while (await dir.exists(previousVersionName(name, version))) version += 1;
      await dir.copyFile(name, previousVersionName(name, version));
      previous = { name: previousVersionName(name, version), version, created_at: new Date().toISOString() };
    }
    await dir.writeFile(name, upload.bytes);
    return { skipped: false, name, size: upload.bytes.length, previous_version: previous };
  });
}
