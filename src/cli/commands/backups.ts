/**
 * `data-pipeline backups list|show|diff|restore|delete --task-dir <dir>`: the file backups of one
 * task directory, through the same use cases as the API. A restore or a delete takes the task's
 * claim in the configured store, as the server does (refused while a run holds it, or while a
 * server holds the embedded store: then the API is the way). Reading commands change nothing: a
 * backup interrupted by a crash is listed as `interrupted` and completed by the next restore.
 */
import { lstatSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Settings } from '../../config/settings.js';
import { AppError, errorMessage } from '../../errors.js';
import { deleteTaskBackup, diffTaskBackup, listTaskBackups, restoreTaskBackup, showTaskBackup, type BackupScope } from '../../services/backups.js';
import { BACKUP_NAME_FORM, isBackupName } from '../../services/catalog.js';
import { SILENT_LOG } from '../../services/context.js';
import { localClaimHolder } from '../../services/local-claims.js';

const EXIT_OK = 0;
const EXIT_FAILED = 2;

export type BackupsAction = 'list' | 'show' | 'diff' | 'restore' | 'delete';

export interface BackupsFlags {
  taskDir: string;
  json?: boolean;
  yes?: boolean;
}

/** A problem with what was asked: printed as is, exit 2. */
class UsageError extends Error {}

function checkTaskDir(given: string): string {
  const dir = path.resolve(given);
  let isDir = false;
  try {
    isDir = lstatSync(dir).isDirectory();
  } catch {
    throw new UsageError(`--task-dir ${given}: no such directory`);
  }
  if (!isDir) throw new UsageError(`--task-dir ${given}: not a directory (a link or a file is in its place)`);
  return dir;
}

function checkName(name: string | undefined, action: BackupsAction): string {
  if (!name) throw new UsageError(`backups ${action} needs a backup name (${BACKUP_NAME_FORM}); "backups list" shows them`);
  if (!isBackupName(name)) throw new UsageError(`${name} is not a backup name: expected ${BACKUP_NAME_FORM}`);
  return name;
}

/** The task id recorded in task_config.json, else the directory's name. */
function taskIdOf(dir: string): string {
  try {
    const config = JSON.parse(readFileSync(path.join(dir, 'task_config.json'), 'utf8')) as { task_id?: unknown };
    if (typeof config.task_id === 'string' && config.task_id) return config.task_id;
  } catch {
    // no readable config: the directory's name is the task id by convention
  }
  return path.basename(dir);
}

function table(rows: string[][]): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows
    .map((r) =>
      r
        .map((cell, i) => cell.padEnd(widths[i] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

function print(value: unknown, flags: BackupsFlags, human: () => string): void {
  process.stdout.write(`${flags.json ? JSON.stringify(value, null, 2) : human()}\n`);
}

/** The same backup use cases as the API's, on the given directory, claiming the task in the configured store. */
function scopeOf(settings: Settings, dir: string): BackupScope {
  const taskId = taskIdOf(dir);
  return { taskId, dir, hold: localClaimHolder(settings, taskId) };
}

async function perform(settings: Settings, action: BackupsAction, name: string | undefined, flags: BackupsFlags): Promise<number> {
  const dir = checkTaskDir(flags.taskDir);
  const scope = scopeOf(settings, dir);
  switch (action) {
    case 'list': {
      const backups = listTaskBackups(scope);
      print({ task_dir: dir, backups, total: backups.length }, flags, () =>
        backups.length === 0
          ? `no backups in ${dir}`
          : table([
              ['NAME', 'TIME', 'TRIGGER', 'FILES', 'BYTES', 'STATUS'],
              ...backups.map((b) => [b.name, b.time, b.trigger ?? '-', String(b.file_count), String(b.bytes), b.status]),
            ]),
      );
      return EXIT_OK;
    }
    case 'show': {
      const backup = checkName(name, action);
      const shown = showTaskBackup(scope, backup);
      print({ name: backup, ...shown }, flags, () => {
        const record = shown.record;
        const head = record
          ? [
              `${backup}: ${record.status}, ${record.trigger}, ${record.backup_time}, ${record.total_bytes} bytes in ${record.duration_ms} ms`,
              `moved ${record.moved_files.length}, copied ${record.copied_files.length}, failed ${record.failed_files.length}`,
              ...record.failed_files.map((f) => `  failed ${f.file}: ${f.error}`),
            ]
          : [`${backup}: no valid backup_info.json (interrupted or not written by us)`];
        return [
          ...head,
          '',
          table([['FILE', 'BYTES', 'MODIFIED'], ...shown.files.map((f) => [f.is_link ? `${f.name} (link)` : f.name, String(f.size), f.modified_at])]),
        ].join('\n');
      });
      return EXIT_OK;
    }
    case 'diff': {
      const backup = checkName(name, action);
      const diff = diffTaskBackup(scope, backup);
      print(diff, flags, () =>
        [
          `${backup} against the current files of ${dir}:`,
          ...diff.added.map((f) => `  added    ${f}`),
          ...diff.removed.map((f) => `  removed  ${f}`),
          ...diff.changed.map((f) => `  changed  ${f}`),
          `${diff.unchanged.length} unchanged`,
          ...diff.pair_files.map((p) => `  pairs    ${p.file}: backup ${p.backup_pairs ?? '-'}, current ${p.current_pairs ?? '-'}`),
        ].join('\n'),
      );
      return EXIT_OK;
    }
    case 'restore': {
      const backup = checkName(name, action);
      const outcome = await restoreTaskBackup(scope, backup, SILENT_LOG);
      const pre = outcome.pre_restore_backup;
      print({ backup, restored_files: outcome.restored_files, skipped_files: outcome.skipped_files, pre_restore_backup: pre }, flags, () =>
        [
          pre.performed ? `the current files were backed up first into ${pre.backup_directory ?? ''}` : 'no current file to back up first',
          `restored ${outcome.restored_files.length} file(s) from ${backup} (the backup stays as it was)`,
          ...outcome.skipped_files.map((f) => `  kept ${f.file}: ${f.reason}`),
        ].join('\n'),
      );
      return EXIT_OK;
    }
    case 'delete': {
      const backup = checkName(name, action);
      if (!flags.yes) throw new UsageError(`backups delete removes ${backup} and its files for good: add --yes to confirm`);
      await deleteTaskBackup(scope, backup);
      print({ deleted: backup }, flags, () => `deleted ${backup}`);
      return EXIT_OK;
    }
  }
}

export async function backupsCommand(settings: Settings, action: string, name: string | undefined, flags: BackupsFlags): Promise<number> {
  try {
    if (!['list', 'show', 'diff', 'restore', 'delete'].includes(action)) {
      throw new UsageError(`unknown action "${action}": expected list, show, diff, restore or delete`);
    }
    return await perform(settings, action as BackupsAction, name, flags);
  } catch (error) {
    if (error instanceof UsageError || (error instanceof AppError && error.code === 'BACKUP_NOT_FOUND')) {
      process.stderr.write(`data-pipeline backups: ${error.message}\n`);
      return EXIT_FAILED;
    }
    process.stderr.write(`data-pipeline backups ${action}: ${errorMessage(error)}\n`);
    return EXIT_FAILED;
  }
}
