/**
 * The backup before a complete run through the API: make sure the task directory exists (create
 * it only), back its files up, apply the retention policy, and sum up what happened for the
 * execute response, the task record, the new task log and `task_result.json`.
 */
import path from 'node:path';
import type { BackupSettings } from '../config/settings.js';
import { applyRetention } from '../backup/backup-catalog.js';
import { backupTaskDirectory, type BackupLogLine, type BackupOutcome } from '../backup/file-backup.js';
import type { FileOps } from '../backup/file-ops.js';
import type { DataRoot } from '../task-directory/data-root.js';
import { errorMessage } from '../errors.js';

/** The statistics the execute response carries as `data.backup` (and GET task as `last_backup`). */
export interface BackupStats {
  performed: boolean;
  backup_directory: string | null;
  moved_count: number;
  copied_count: number;
  failed_count: number;
  failed_files: { file: string; error: string }[];
  total_bytes: number;
  duration_ms: number;
  status: 'completed' | 'partial' | 'failed' | 'nothing_to_back_up' | 'disabled';
  error: string | null;
  /** Backups removed by the retention policy after this one. */
  retention_deleted: string[];
  at: string;
}

/** The statistics of a complete run whose backup was switched off (by setting or request). */
export function disabledBackup(reason: string): BackupStats & { reason: string } {
  return {
    performed: false,
    backup_directory: null,
    moved_count: 0,
    copied_count: 0,
    failed_count: 0,
    failed_files: [],
    total_bytes: 0,
    duration_ms: 0,
    status: 'disabled',
    error: null,
    retention_deleted: [],
    at: new Date().toISOString(),
    reason,
  };
}

export async function backupBeforeRun(input: {
  dataRoot: DataRoot;
  taskId: string;
  settings: BackupSettings;
  ops?: FileOps;
}): Promise<{ stats: BackupStats; log: BackupLogLine[] }> {
  const started = Date.now();
  const dir = await input.dataRoot.taskDir(input.taskId, { create: true });
  const outcome = await backupTaskDirectory(dir.path, { taskId: input.taskId, trigger: 'execute', ops: input.ops });
  const log = [...outcome.log];
  let deleted: string[] = [];
  if (outcome.performed && !outcome.error) {
    try {
      deleted = applyRetention(dir.path, { keepLast: input.settings.keepLast, maxAgeDays: input.settings.maxAgeDays });
      if (deleted.length) log.push({ level: 'INFO', message: `backup retention removed ${deleted.join(', ')}` });
    } catch (error) {
      log.push({ level: 'WARNING', message: `backup retention failed: ${errorMessage(error)}` });
    }
  }
  return { stats: backupStats(outcome, deleted, started), log };
}

/** The statistics of a backup outcome. */
export function backupStats(outcome: BackupOutcome, retentionDeleted: string[] = [], started = Date.now()): BackupStats {
  const record = outcome.record;
  return {
    performed: outcome.performed,
    backup_directory: outcome.directory ? path.basename(outcome.directory) : null,
    moved_count: record?.moved_files.length ?? 0,
    copied_count: record?.copied_files.length ?? 0,
    failed_count: record?.failed_files.length ?? 0,
    failed_files: record?.failed_files ?? [],
    total_bytes: record?.total_bytes ?? 0,
    duration_ms: record?.duration_ms ?? Date.now() - started,
    status: outcome.error && !outcome.performed ? 'failed' : (record?.status ?? 'nothing_to_back_up'),
    error: outcome.error,
    retention_deleted: retentionDeleted,
    at: new Date(started).toISOString(),
  };
}
