/**
 * A task's file backups (`file_bak_*`): list, show, compare with the current files, restore,
 * delete. The API and the CLI both come here with a scope: the task, its directory and how its
 * claim is taken (a restore or a delete holds it, so neither overlaps a run).
 */
import path from 'node:path';
import {
  deleteBackup,
  diffBackup,
  diffBackupFile,
  listBackups,
  restoreBackup,
  showBackup,
  type BackupFile,
  type BackupSummary,
} from '../backup/backup-catalog.js';
import { assertFileName } from '../task-directory/task-dir.js';
import type { BackupRecord } from '../backup/backup-record.js';
import type { FileOps } from '../backup/file-ops.js';
import { AppError } from '../errors.js';
import { backupStats, type BackupStats } from '../tasks/pre-run-backup.js';
import type { ServiceContext, ServiceLog } from './context.js';
import { withTaskClaim } from './task-claim.js';
import { requireTask } from './tasks.js';

export type { BackupFile, BackupRecord, BackupSummary, BackupStats };

/** How a change to a task's files waits for no one: takes the task's claim around `work`. */
export type ClaimHolder = <T>(action: string, mode: 'restore' | 'delete' | 'upload', work: () => Promise<T>) => Promise<T>;

export interface BackupScope {
  taskId: string;
  /** The task directory (absolute). */
  dir: string;
  hold: ClaimHolder;
  ops?: FileOps;
  /** Told of the backup a restore made of the current files first. */
  onBackup?: (stats: BackupStats) => Promise<void>;
}

/** The scope of a task known to the server: 404 when the task or its directory is missing. */
export async function taskBackupScope(ctx: ServiceContext, taskId: string): Promise<BackupScope> {
  await requireTask(ctx, taskId);
  if (!(await ctx.dataRoot.exists(taskId))) throw new AppError('TASK_DIRECTORY_NOT_FOUND', `task ${taskId} has no directory, so no backups`);
  return {
    taskId,
    dir: (await ctx.dataRoot.taskDir(taskId)).path,
    hold: (action, mode, work) => withTaskClaim(ctx, taskId, mode, action, work),
    ops: ctx.backupOps,
    onBackup: (stats) => ctx.store.setLastBackup(taskId, { ...stats }),
  };
}

export function listTaskBackups(scope: BackupScope): BackupSummary[] {
  return listBackups(scope.dir);
}

export function showTaskBackup(scope: BackupScope, name: string): { record: BackupRecord | null; files: BackupFile[] } {
  return showBackup(scope.dir, name);
}

export function diffTaskBackup(scope: BackupScope, name: string): ReturnType<typeof diffBackup> {
  return diffBackup(scope.dir, name);
}

/** One file's changes since the backup, as a unified diff (a top-level name only). */
export function diffTaskBackupFile(scope: BackupScope, name: string, file: string): ReturnType<typeof diffBackupFile> {
  assertFileName(file, 'params.file_name');
  return diffBackupFile(scope.dir, name, file);
}

export interface RestoreOutcome {
  backup: string;
  restored_files: string[];
  skipped_files: { file: string; reason: string }[];
  /** The backup of the current files made first (trigger `restore`). */
  pre_restore_backup: BackupStats & { trigger: 'restore' };
}

/** Restores a backup: the current files are backed up first; the backup itself stays. */
export async function restoreTaskBackup(scope: BackupScope, name: string, log: ServiceLog): Promise<RestoreOutcome> {
  showBackup(scope.dir, name);
  const outcome = await scope.hold('restore', 'restore', () => restoreBackup(scope.dir, name, { taskId: scope.taskId, ops: scope.ops }));
  const pre = outcome.pre_restore_backup;
  const preStats = { ...backupStats(pre), trigger: 'restore' as const };
  if (pre.performed) await scope.onBackup?.(preStats);
  for (const line of pre.log) log.info({ task_id: scope.taskId }, line.message);
  log.info({ task_id: scope.taskId, backup: name, files: outcome.restored_files.length }, 'backup restored');
  return { backup: name, restored_files: outcome.restored_files, skipped_files: outcome.skipped_files, pre_restore_backup: preStats };
}

/** Deletes a backup directory, holding the task's claim. */
export async function deleteTaskBackup(scope: BackupScope, name: string): Promise<void> {
  showBackup(scope.dir, name);
  await scope.hold('delete the backup', 'delete', async () => deleteBackup(scope.dir, name));
}

/** The directory name of a backup path (for messages). */
export function backupDirectoryName(directory: string | null): string | null {
  return directory ? path.basename(directory) : null;
}
