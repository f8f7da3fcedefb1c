/**
 * What the backups of a task directory are, and what can be done with them: list, show, compare
 * with the current files, restore, delete, and the retention policy. Every backup is a
 * `file_bak_*` directory (a real one, never a link) directly in the task directory.
 */
import { createHash } from 'node:crypto';
import {
  constants as fsConstants,
  copyFileSync,
  lstatSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  renameSync,
  rmSync,
  symlinkSync,
  type Stats,
} from 'node:fs';
import path from 'node:path';
import { AppError, errorMessage } from '../errors.js';
import { tempPathFor } from '../util/atomic-file.js';
import { backupTimeOf, isBackupName } from './backup-names.js';
import { BACKUP_JOURNAL_FILE, BACKUP_RECORD_FILE, EXCLUDED_FILE, readBackupRecord, readJournal, type BackupRecord } from './backup-record.js';
import { backupTaskDirectory, type BackupOutcome } from './file-backup.js';
import type { FileOps } from './file-ops.js';

export class BackupNotFoundError extends AppError {
  constructor(readonly backupName: string) {
    super('BACKUP_NOT_FOUND', `backup ${backupName} not found`);
    this.name = 'BackupNotFoundError';
  }
}

export interface BackupSummary {
  name: string;
  /** `backup_time` of the record (local ISO time), else the time in the directory's name. */
  time: string;
  trigger: string | null;
  file_count: number;
  bytes: number;
  /** completed | partial | failed from the record; `interrupted` (journal, no record) or `invalid` otherwise. */
  status: string;
  valid: boolean;
}

export interface BackupFile {
  name: string;
  size: number;
  modified_at: string;
  is_link: boolean;
}

function lstatOrUndefined(p: string): Stats | undefined {
  try {
    return lstatSync(p);
  } catch {
    return undefined;
  }
}

/** The absolute path of a backup directory, checked: a valid name, a real directory, in the task directory. */
export function backupPath(taskDir: string, name: string): string {
  if (!isBackupName(name)) throw new BackupNotFoundError(name);
  const dir = path.join(taskDir, name);
  if (!lstatOrUndefined(dir)?.isDirectory()) throw new BackupNotFoundError(name);
  return dir;
}

/** The files a backup holds (its record and journal excluded). */
export function backupFiles(backupDir: string): BackupFile[] {
  return readdirSync(backupDir)
    .filter((name) => name !== BACKUP_RECORD_FILE && name !== BACKUP_JOURNAL_FILE && !name.endsWith('.tmp'))
    .map((name) => ({ name, stat: lstatSync(path.join(backupDir, name)) }))
    .filter((e) => !e.stat.isDirectory())
    .map((e) => ({ name: e.name, size: e.stat.size, modified_at: e.stat.mtime.toISOString(), is_link: e.stat.isSymbolicLink() }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** Every backup of the task directory, newest first. */
export function listBackups(taskDir: string): BackupSummary[] {
  return readdirSync(taskDir)
    .filter((name) => isBackupName(name) && lstatOrUndefined(path.join(taskDir, name))?.isDirectory())
    .map((name): BackupSummary => {
      const dir = path.join(taskDir, name);
      const record = readBackupRecord(dir);
      const files = backupFiles(dir);
      return {
        name,
        time: record?.backup_time ?? backupTimeOf(name),
        trigger: record?.trigger ?? readJournal(dir)?.trigger ?? null,
        file_count: files.length,
        bytes: files.reduce((sum, f) => sum + f.size, 0),
        status: record?.status ?? (readJournal(dir) ? 'interrupted' : 'invalid'),
        valid: record !== undefined,
      };
    })
    .sort((a, b) => b.time.localeCompare(a.time) || b.name.localeCompare(a.name));
}

export function showBackup(taskDir: string, name: string): { record: BackupRecord | null; files: BackupFile[] } {
  const dir = backupPath(taskDir, name);
  return { record: readBackupRecord(dir) ?? null, files: backupFiles(dir) };
}

function digest(file: string, stat: Stats): string {
  return stat.isSymbolicLink() ? `link:${readlinkSync(file)}` : createHash('sha256').update(readFileSync(file)).digest('hex');
}

/** Number of pairs in a pair file, or null when it is not a JSON array. */
function pairCount(file: string): number | null {
  try {
    const data: unknown = JSON.parse(readFileSync(file, 'utf8'));
    return Array.isArray(data) ? data.length : null;
  } catch {
    return null;
  }
}

const isPairFile = (name: string) => /^qs_.*_pair\.json$/.test(name);

export interface BackupDiff {
  backup: string;
  /** In the current directory, not in the backup. */
  added: string[];
  /** In the backup, not in the current directory. */
  removed: string[];
  /** In both, with different content. */
  changed: string[];
  unchanged: string[];
  /** Pair counts of the pair files on either side. */
  pair_files: { file: string; backup_pairs: number | null; current_pairs: number | null }[];
  /** The newest pair file on each side compared pair by pair (by question), or null without one on both sides. */
  pairs: PairsDiff | null;
}

export interface PairsDiff {
  backup_file: string;
  current_file: string;
  /** Questions the current pairs have and the backup's do not. */
  added: string[];
  removed: string[];
  /** The same question with another SQL. */
  changed: { question: string; backup_sql: string; current_sql: string }[];
  /** The same question and SQL, reviewed differently (approved, rejected, or null: not reviewed). */
  review_changed: { question: string; backup_review: PairReview; current_review: PairReview }[];
  unchanged: number;
}

type PairReview = 'approved' | 'rejected' | null;

/** `{question → sql, review}` of a pair file (questions compared without case or surrounding space). */
function readPairMap(file: string): Map<string, { question: string; sql: string; review: PairReview }> {
  const pairs = new Map<string, { question: string; sql: string; review: PairReview }>();
  try {
    const data: unknown = JSON.parse(readFileSync(file, 'utf8'));
    if (Array.isArray(data)) {
      for (const item of data as { question?: unknown; sql?: unknown; review?: unknown }[]) {
        if (typeof item?.question === 'string' && typeof item.sql === 'string') {
          const review = item.review === 'approved' || item.review === 'rejected' ? item.review : null;
          pairs.set(item.question.trim().toLowerCase(), { question: item.question, sql: item.sql, review });
        }
      }
    }
  } catch {
    // an unreadable pair file compares as empty
  }
  return pairs;
}

function diffPairs(backupDir: string, backupNames: string[], taskDir: string, currentNames: string[]): PairsDiff | null {
  const newest = (names: string[]) => names.filter(isPairFile).sort().at(-1);
  const backupFile = newest(backupNames);
  const currentFile = newest(currentNames);
  if (!backupFile || !currentFile) return null;
  const before = readPairMap(path.join(backupDir, backupFile));
  const after = readPairMap(path.join(taskDir, currentFile));
  const diff: PairsDiff = { backup_file: backupFile, current_file: currentFile, added: [], removed: [], changed: [], review_changed: [], unchanged: 0 };
  for (const [key, pair] of after) {
    const old = before.get(key);
    if (!old) diff.added.push(pair.question);
    else if (old.sql.trim() !== pair.sql.trim()) diff.changed.push({ question: pair.question, backup_sql: old.sql, current_sql: pair.sql });
    else if (old.review !== pair.review) diff.review_changed.push({ question: pair.question, backup_review: old.review, current_review: pair.review });
    else diff.unchanged += 1;
  }
  for (const [key, pair] of before) if (!after.has(key)) diff.removed.push(pair.question);
  return diff;
}

/** A text file's changes between a backup and now, as a unified diff (empty when equal). */
export async function diffBackupFile(
  taskDir: string,
  name: string,
  file: string,
): Promise<{ file: string; in_backup: boolean; in_current: boolean; diff: string }> {
  const dir = backupPath(taskDir, name);
  if (file === BACKUP_RECORD_FILE || file === BACKUP_JOURNAL_FILE)
    throw new AppError('FILE_NOT_FOUND', `${file} is the backup's own record, not a file of the task: it has nothing to compare with`);
  const read = (p: string) => {
    const stat = lstatOrUndefined(p);
    // Links are not followed: their content is not the task's.
    return stat?.isFile() ? readFileSync(p, 'utf8') : undefined;
  };
  const before = read(path.join(dir, file));
  const after = read(path.join(taskDir, file));
  if (before === undefined && after === undefined) throw new AppError('FILE_NOT_FOUND', `${file} is neither in ${name} nor in the task directory`);
  const { createTwoFilesPatch } = await import('diff');
  const diff = before === after ? '' : createTwoFilesPatch(`${name}/${file}`, file, before ?? '', after ?? '', undefined, undefined, { context: 3 });
  return { file, in_backup: before !== undefined, in_current: after !== undefined, diff };
}

/** Compares a backup's files with the task directory's current top-level files (`table_list.txt` aside). */
export function diffBackup(taskDir: string, name: string): BackupDiff {
  const dir = backupPath(taskDir, name);
  const inBackup = new Map(backupFiles(dir).map((f) => [f.name, lstatSync(path.join(dir, f.name))]));
  const current = new Map(
    readdirSync(taskDir)
      .filter((n) => n !== EXCLUDED_FILE && !n.startsWith('.'))
      .map((n) => [n, lstatSync(path.join(taskDir, n))] as const)
      .filter(([, stat]) => !stat.isDirectory()),
  );
  const diff: BackupDiff = { backup: name, added: [], removed: [], changed: [], unchanged: [], pair_files: [], pairs: null };
  for (const [file, stat] of current) {
    const other = inBackup.get(file);
    if (!other) diff.added.push(file);
    else if (other.size !== stat.size || digest(path.join(dir, file), other) !== digest(path.join(taskDir, file), stat)) diff.changed.push(file);
    else diff.unchanged.push(file);
  }
  for (const file of inBackup.keys()) if (!current.has(file)) diff.removed.push(file);
  for (const file of new Set([...inBackup.keys(), ...current.keys()])) {
    if (!isPairFile(file)) continue;
    diff.pair_files.push({
      file,
      backup_pairs: inBackup.has(file) ? pairCount(path.join(dir, file)) : null,
      current_pairs: current.has(file) ? pairCount(path.join(taskDir, file)) : null,
    });
  }
  diff.pairs = diffPairs(dir, [...inBackup.keys()], taskDir, [...current.keys()]);
  for (const list of [diff.added, diff.removed, diff.changed, diff.unchanged]) list.sort();
  diff.pair_files.sort((a, b) => a.file.localeCompare(b.file));
  return diff;
}

export interface RestoreOutcome {
  backup: string;
  /** The backup of the current files made first (trigger `restore`). */
  pre_restore_backup: BackupOutcome;
  restored_files: string[];
  /** Files of the backup not put back: the current file of that name could not be backed up first. */
  skipped_files: { file: string; reason: string }[];
}

/**
 * Restores a backup: the current files are first backed up (trigger `restore`), then the backup's
 * files are copied back (atomically, links as links); the backup itself stays as it was.
 * The caller holds the task's execution claim.
 */
export async function restoreBackup(taskDir: string, name: string, options: { taskId: string; ops?: FileOps }): Promise<RestoreOutcome> {
  const dir = backupPath(taskDir, name);
  const pre = await backupTaskDirectory(taskDir, { taskId: options.taskId, trigger: 'restore', ops: options.ops });
  if (pre.error && !pre.performed) throw new Error(`the current files could not be backed up first, so nothing was restored: ${pre.error}`);
  // Listed after that backup: its recovery step may have completed this very backup.
  const files = backupFiles(dir);
  // A current file the backup could neither move nor copy is still the only copy: never overwritten.
  const unsaved = new Map((pre.record?.failed_files ?? []).map((f) => [f.file, f.error]));
  const restored: string[] = [];
  const skipped: { file: string; reason: string }[] = [];
  for (const file of files) {
    const notSaved = unsaved.get(file.name);
    if (notSaved !== undefined) {
      skipped.push({ file: file.name, reason: `the current ${file.name} could not be backed up first (${notSaved}); it was kept` });
      continue;
    }
    const target = path.join(taskDir, file.name);
    const temp = tempPathFor(target);
    try {
      if (file.is_link) symlinkSync(readlinkSync(path.join(dir, file.name)), temp);
      else copyFileSync(path.join(dir, file.name), temp, fsConstants.COPYFILE_EXCL);
      renameSync(temp, target);
      restored.push(file.name);
    } catch (error) {
      rmSync(temp, { force: true });
      throw new Error(
        `restoring ${file.name} failed after ${restored.length} file(s): ${errorMessage(error)}; the files from before the restore are in ${path.basename(pre.directory ?? '')}`,
      );
    }
  }
  return { backup: name, pre_restore_backup: pre, restored_files: restored, skipped_files: skipped };
}

/** Deletes one backup directory (checked to be a backup directory of this task). */
export function deleteBackup(taskDir: string, name: string): void {
  rmSync(backupPath(taskDir, name), { recursive: true, force: false });
}

export interface RetentionPolicy {
  /** Keep at most this many backups (the newest); undefined: no limit. */
  keepLast?: number;
  /** Delete backups older than this; undefined: no limit. */
  maxAgeDays?: number;
}

/**
 * Applies the retention policy to the backups that have a valid record; the newest of them is
 * never deleted, and directories without a valid record are never touched. Returns the deleted names.
 */
export function applyRetention(taskDir: string, policy: RetentionPolicy, now = new Date()): string[] {
  if (policy.keepLast === undefined && policy.maxAgeDays === undefined) return [];
  // Only backups that hold what they moved count; a failed one (nothing moved) never makes a good one go.
  const valid = listBackups(taskDir).filter((b) => b.valid && (b.status === 'completed' || b.status === 'partial'));
  const deleted: string[] = [];
  valid.forEach((backup, index) => {
    if (index === 0) return;
    const tooMany = policy.keepLast !== undefined && index >= policy.keepLast;
    const ageDays = (now.getTime() - new Date(backup.time).getTime()) / 86_400_000;
    const tooOld = policy.maxAgeDays !== undefined && ageDays > policy.maxAgeDays;
    if (tooMany || tooOld) {
      deleteBackup(taskDir, backup.name);
      deleted.push(backup.name);
    }
  });
  return deleted;
}
