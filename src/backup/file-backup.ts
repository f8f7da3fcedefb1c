/**
 * The file backup of the specification: before a complete run, every top-level entry of the task
 * directory that is not a directory (a symlink moved as a link, never followed), except exactly
 * `table_list.txt`, is moved with its name unchanged into a new `file_bak_{YYYYMMDD_HHMMSS}`
 * directory (`_1`, `_2`… when taken), recorded in `backup_info.json`.
 *
 * Never losing a file: the planned list is written and fsynced to a journal before the first move
 * and the record is written atomically after the last; a backup interrupted in between (a crash)
 * is completed by `recoverInterruptedBackups`, run at server start and before every backup. A file
 * that cannot be moved is copied and the copy verified (the original stays); one that can be
 * neither moved nor copied is recorded in `failed_files` and the others go on.
 */
import { createHash } from 'node:crypto';
import { closeSync, fsyncSync, lstatSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmdirSync, rmSync, type Stats } from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../util/atomic-file.js';
import { compactTimestamp, isoLocalMicros } from '../util/time.js';
import {
  BACKUP_JOURNAL_FILE,
  BACKUP_RECORD_FILE,
  EXCLUDED_FILE,
  readBackupRecord,
  readJournal,
  statusOf,
  type BackupJournal,
  type BackupRecord,
  type BackupTrigger,
} from './backup-record.js';
import { backupName, isBackupName } from './backup-names.js';
import { defaultFileOps, type FileOps } from './file-ops.js';
import { sizeIn, sizesIn } from './file-sizes.js';

export interface BackupLogLine {
  level: 'INFO' | 'WARNING' | 'ERROR';
  message: string;
}

export interface BackupOutcome {
  /** True when a backup directory was created and files went into it. */
  performed: boolean;
  /** Absolute path of the backup directory, when one was created. */
  directory: string | null;
  record: BackupRecord | null;
  /** Why the backup as a whole failed (the directory could not be made, the record not written). */
  error: string | null;
  /** What to write to the task log and the server log. */
  log: BackupLogLine[];
}

export interface BackupOptions {
  taskId: string;
  trigger: BackupTrigger;
  ops?: FileOps;
  now?: () => Date;
}

/** Temp names of `tempPathFor` (`.{name}.{pid}-{n}.tmp`) and of the verified copy (`.{name}.copy.tmp`). */
const OUR_TEMP_FILE = /^\..+\.(\d+-\d+|copy)\.tmp$/;
/**
 * Temp names (`tempPathFor`) of `.backup_journal.json` and `backup_info.json`: all a backup writes
 * into its directory before the journal is in place.
 */
const PLANNING_TEMP_FILE = /^\.(\.backup_journal\.json|backup_info\.json)\.\d+-\d+\.tmp$/;

function errorText(error: unknown): string {
  const e = error as NodeJS.ErrnoException;
  return e?.code ? `${e.code}: ${e.message}` : String(error instanceof Error ? error.message : error);
}

function lstatOrUndefined(p: string): Stats | undefined {
  try {
    return lstatSync(p);
  } catch {
    return undefined;
  }
}

/** Makes a directory's entries (created, renamed) durable. */
function fsyncDirectory(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function sha256(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

/** What a backup would move now: every top-level non-directory but `table_list.txt`, by name. */
export function backupCandidates(taskDir: string): string[] {
  // The entry type comes with the listing, so directories are skipped without a stat.
  const names = readdirSync(taskDir, { withFileTypes: true })
    .filter((e) => e.name !== EXCLUDED_FILE && !e.isDirectory())
    .map((e) => e.name);
  // Code-point order: the same on every machine, and cheap for thousands of names.
  return names.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** Creates `file_bak_{ts}`, or `_1`, `_2`… when taken; mkdir fails if the name exists, so two backups never share one. */
function createBackupDirectory(taskDir: string, now: Date): string {
  const stamp = compactTimestamp(now);
  for (let n = 0; n < 10_000; n += 1) {
    const name = backupName(stamp, n);
    try {
      mkdirSync(path.join(taskDir, name));
      return name;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
  throw new Error(`no free backup directory name after ${backupName(stamp, 9_999)}`);
}

/** Copies a file (or a link, as a link) into the backup and checks the copy before naming it. */
function copyVerified(ops: FileOps, from: string, to: string, isLink: boolean): void {
  const temp = path.join(path.dirname(to), `.${path.basename(to)}.copy.tmp`);
  rmSync(temp, { force: true });
  try {
    if (isLink) {
      ops.copyLink(from, temp);
    } else {
      ops.copyFile(from, temp);
      if (lstatSync(temp).size !== lstatSync(from).size || sha256(temp) !== sha256(from)) {
        throw new Error('the copy differs from the original');
      }
    }
    renameSync(temp, to);
  } catch (error) {
    rmSync(temp, { force: true });
    throw error;
  }
}

interface MoveResult {
  moved: string[];
  copied: string[];
  failed: { file: string; error: string }[];
}

/** Moves one planned file; falls back to a verified copy; records what happened. */
function backupOne(ops: FileOps, taskDir: string, backupDir: string, file: string, result: MoveResult, log: BackupLogLine[]): void {
  const from = path.join(taskDir, file);
  const to = path.join(backupDir, file);
  if (file === BACKUP_RECORD_FILE || file === BACKUP_JOURNAL_FILE) {
    result.failed.push({ file, error: 'the name is reserved for the backup record; the file was left in place' });
    log.push({ level: 'WARNING', message: `backup: ${file} left in place (name reserved for the backup record)` });
    return;
  }
  try {
    ops.rename(from, to);
    result.moved.push(file);
  } catch (moveError) {
    // Looked at only when the move failed: the common path is one rename per file.
    const stat = lstatOrUndefined(from);
    if (!stat) {
      result.failed.push({ file, error: `the file disappeared before it could be moved (${errorText(moveError)})` });
      return;
    }
    try {
      copyVerified(ops, from, to, stat.isSymbolicLink());
      result.copied.push(file);
      log.push({ level: 'WARNING', message: `backup: could not move ${file} (${errorText(moveError)}); copied and verified instead, the original stays` });
    } catch (copyError) {
      const error = `move failed (${errorText(moveError)}); copy failed (${errorText(copyError)})`;
      result.failed.push({ file, error });
      log.push({ level: 'WARNING', message: `backup: ${file} could not be backed up: ${error}` });
    }
  }
}

async function writeRecord(backupDir: string, record: BackupRecord): Promise<void> {
  await writeFileAtomic(path.join(backupDir, BACKUP_RECORD_FILE), `${JSON.stringify(record, null, 2)}\n`, { fsync: true });
  rmSync(path.join(backupDir, BACKUP_JOURNAL_FILE), { force: true });
  fsyncDirectory(backupDir);
}

/** Bytes of the files that are now in the backup (a link counts 0: its target is not backed up). */
function bytesBackedUp(result: MoveResult, sizeOfName: (name: string) => number): number {
  let bytes = 0;
  for (const name of result.moved) bytes += sizeOfName(name);
  for (const name of result.copied) bytes += sizeOfName(name);
  return bytes;
}

function recordFrom(journal: BackupJournal, result: MoveResult, bytes: number, finishedAt: number): BackupRecord {
  const base = { moved_files: result.moved, copied_files: result.copied, failed_files: result.failed };
  return {
    backup_time: journal.backup_time,
    backup_directory: journal.backup_directory,
    ...base,
    task_id: journal.task_id,
    total_bytes: bytes,
    duration_ms: Math.max(0, Math.round(finishedAt - journal.started_at_ms)),
    trigger: journal.trigger,
    status: statusOf(base),
  };
}

/** Backs up the task directory's files; see the module comment. Never throws: failures are in the outcome. */
export async function backupTaskDirectory(taskDir: string, options: BackupOptions): Promise<BackupOutcome> {
  const ops = options.ops ?? defaultFileOps;
  const log: BackupLogLine[] = [];
  const started = (options.now ?? (() => new Date()))();
  const fail = (error: string): BackupOutcome => {
    log.push({ level: 'ERROR', message: `backup failed: ${error}` });
    return { performed: false, directory: null, record: null, error, log };
  };
  try {
    for (const line of await recoverInterruptedBackups(taskDir, { ops })) log.push(line);
  } catch (error) {
    log.push({ level: 'WARNING', message: `backup: could not check earlier backups: ${errorText(error)}` });
  }

  let candidates: string[];
  try {
    candidates = backupCandidates(taskDir);
  } catch (error) {
    return fail(`cannot read the task directory: ${errorText(error)}`);
  }
  if (candidates.length === 0) {
    log.push({ level: 'INFO', message: `backup: nothing to back up (no file besides ${EXCLUDED_FILE})` });
    return { performed: false, directory: null, record: null, error: null, log };
  }

  let name: string;
  try {
    name = createBackupDirectory(taskDir, started);
  } catch (error) {
    return fail(`cannot create the backup directory: ${errorText(error)}`);
  }
  const backupDir = path.join(taskDir, name);
  log.push({ level: 'INFO', message: `backup started at ${isoLocalMicros(started)}: ${candidates.length} file(s) into ${name}` });
  const journal: BackupJournal = {
    task_id: options.taskId,
    backup_directory: name,
    trigger: options.trigger,
    backup_time: isoLocalMicros(started),
    started_at_ms: started.getTime(),
    planned: candidates,
  };
  try {
    await writeFileAtomic(path.join(backupDir, BACKUP_JOURNAL_FILE), JSON.stringify(journal), { fsync: true });
    fsyncDirectory(backupDir);
    fsyncDirectory(taskDir);
  } catch (error) {
    rmSync(backupDir, { recursive: true, force: true });
    return fail(`cannot write the backup journal: ${errorText(error)}`);
  }

  // Measured before the moves: a file's size does not change by moving it.
  const sizeByName = sizesIn(taskDir, candidates);
  const result: MoveResult = { moved: [], copied: [], failed: [] };
  for (const file of candidates) backupOne(ops, taskDir, backupDir, file, result, log);
  const record = recordFrom(
    journal,
    result,
    bytesBackedUp(result, (file) => sizeByName.get(file) ?? 0),
    Date.now(),
  );
  try {
    fsyncDirectory(taskDir);
    await writeRecord(backupDir, record);
  } catch (error) {
    // The journal stays: the next recovery writes the record.
    return { ...fail(`cannot write ${BACKUP_RECORD_FILE}: ${errorText(error)}`), performed: true, directory: backupDir, record };
  }
  if (record.moved_files.length) log.push({ level: 'INFO', message: `backup: moved ${record.moved_files.join(', ')}` });
  log.push({
    level: record.status === 'completed' ? 'INFO' : 'WARNING',
    message: `backup finished at ${isoLocalMicros(new Date())} in ${record.duration_ms} ms: ${backupDir} — ${record.moved_files.length} moved, ${record.copied_files.length} copied, ${record.failed_files.length} failed, ${record.total_bytes} bytes`,
  });
  return { performed: true, directory: backupDir, record, error: null, log };
}

/**
 * Removes a backup directory a crash left while its journal was being written: it holds only the
 * temp files of its journal or record. Only those exact names go, and the directory itself only when
 * nothing else appeared in it (rmdir); a directory holding anything else, or nothing, is left alone.
 */
function removeUnplannedBackup(backupDir: string): boolean {
  const entries = readdirSync(backupDir, { withFileTypes: true });
  if (entries.length === 0 || !entries.every((e) => e.isFile() && PLANNING_TEMP_FILE.test(e.name))) return false;
  for (const entry of entries) rmSync(path.join(backupDir, entry.name), { force: true });
  try {
    rmdirSync(backupDir);
    return true;
  } catch {
    // Not empty any more (something was written into it meanwhile): it stays.
    return false;
  }
}

/**
 * Completes backups interrupted between their journal and their record: files still in the task
 * directory are moved now, files already moved are recorded, stray copies removed. A directory a
 * crash left while its journal was written (nothing moved into it, only our temp files) is removed
 * with them; one left empty by a crash before that stays (listed as invalid). Returns what it did.
 */
export async function recoverInterruptedBackups(taskDir: string, options: { ops?: FileOps } = {}): Promise<BackupLogLine[]> {
  const ops = options.ops ?? defaultFileOps;
  const log: BackupLogLine[] = [];
  for (const name of readdirSync(taskDir)) {
    if (!isBackupName(name)) continue;
    const backupDir = path.join(taskDir, name);
    if (!lstatOrUndefined(backupDir)?.isDirectory()) continue;
    const journal = readJournal(backupDir);
    if (readBackupRecord(backupDir)) {
      if (journal) rmSync(path.join(backupDir, BACKUP_JOURNAL_FILE), { force: true });
      continue;
    }
    // No journal: nothing was moved into it (files move only once the journal is in place). One a
    // crash left with only the journal's temp file goes; anything else (not ours) keeps it, listed as
    // invalid, and so does an empty one (earlier backup directories are never touched).
    if (!journal) {
      if (removeUnplannedBackup(backupDir)) log.push({ level: 'WARNING', message: `backup: removed ${name}, interrupted before anything was moved into it` });
      continue;
    }
    // Our own temp files of the interrupted backup (a copy, the record being written) never hold
    // anything moved; a moved file that merely looks like one is in the journal and stays.
    const planned = new Set(journal.planned);
    for (const stray of readdirSync(backupDir).filter((f) => OUR_TEMP_FILE.test(f) && !planned.has(f))) {
      rmSync(path.join(backupDir, stray), { force: true });
    }
    const result: MoveResult = { moved: [], copied: [], failed: [] };
    for (const file of journal.planned) {
      const inBackup = lstatOrUndefined(path.join(backupDir, file));
      const inTask = lstatOrUndefined(path.join(taskDir, file));
      if (inBackup && !inTask) {
        result.moved.push(file);
      } else if (inBackup && inTask) {
        // Both places: the copy fallback had completed (copies are renamed into place only once verified).
        result.copied.push(file);
      } else if (inTask) {
        backupOne(ops, taskDir, backupDir, file, result, log);
      } else {
        result.failed.push({ file, error: 'missing after an interrupted backup' });
      }
    }
    fsyncDirectory(taskDir);
    const bytes = bytesBackedUp(result, (file) => sizeIn(backupDir, file));
    await writeRecord(backupDir, recordFrom(journal, result, bytes, Date.now()));
    log.push({
      level: 'WARNING',
      message: `backup: completed ${name}, interrupted earlier (${result.moved.length} moved, ${result.copied.length} copied, ${result.failed.length} failed)`,
    });
  }
  return log;
}
