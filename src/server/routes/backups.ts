/** A task's file backups: list, show, compare with the current files, restore, delete. */
import {
  deleteTaskBackup,
  diffTaskBackup,
  diffTaskBackupFile,
  listTaskBackups,
  restoreTaskBackup,
  showTaskBackup,
  taskBackupScope,
} from '../../services/backups.js';
import type { ApiServer, AppContext } from '../context.js';
import { successBody } from '../envelope.js';
import {
  BackupDeleteResponse,
  BackupDiffResponse,
  BackupFileDiffResponse,
  BackupFileParams,
  BackupListResponse,
  BackupParams,
  BackupShowResponse,
  RestoreResponse,
} from '../schemas/backups.js';
import { errorResponses, TaskIdParams } from '../schemas/common.js';

const BASE = '/api/v0/data_pipeline/tasks/:task_id/backups';

export function backupRoutes(app: ApiServer, ctx: AppContext): void {
  const services = ctx.services;

  app.get(
    BASE,
    {
      schema: {
        tags: ['backups'],
        summary: 'List the file backups of a task, newest first',
        params: TaskIdParams,
        response: { 200: BackupListResponse, ...errorResponses },
      },
    },
    async (request) => {
      const { task_id } = request.params;
      const backups = listTaskBackups(await taskBackupScope(services, task_id));
      return successBody(200, `${backups.length} backup(s)`, {
        task_id,
        backups: backups.map((b) => ({ ...b, status: b.status as 'completed' | 'partial' | 'failed' | 'interrupted' | 'invalid' })),
        total: backups.length,
      });
    },
  );

  app.get(
    `${BASE}/:backup_name`,
    {
      schema: {
        tags: ['backups'],
        summary: 'A backup: its backup_info.json record and its files',
        params: BackupParams,
        response: { 200: BackupShowResponse, ...errorResponses },
      },
    },
    async (request) => {
      const { task_id, backup_name } = request.params;
      const shown = showTaskBackup(await taskBackupScope(services, task_id), backup_name);
      return successBody(200, `backup ${backup_name}`, { task_id, name: backup_name, record: shown.record, files: shown.files });
    },
  );

  app.get(
    `${BASE}/:backup_name/diff`,
    {
      schema: {
        tags: ['backups'],
        summary: 'Files added, removed and changed since the backup (pair counts of pair files)',
        params: BackupParams,
        response: { 200: BackupDiffResponse, ...errorResponses },
      },
    },
    async (request) => {
      const { task_id, backup_name } = request.params;
      const diff = diffTaskBackup(await taskBackupScope(services, task_id), backup_name);
      const same = diff.added.length + diff.removed.length + diff.changed.length === 0;
      return successBody(200, same ? 'no difference' : `${diff.added.length} added, ${diff.removed.length} removed, ${diff.changed.length} changed`, {
        task_id,
        ...diff,
      });
    },
  );

  app.get(
    `${BASE}/:backup_name/diff/:file_name`,
    {
      schema: {
        tags: ['backups'],
        summary: "One file's changes since the backup, as a unified diff",
        params: BackupFileParams,
        response: { 200: BackupFileDiffResponse, ...errorResponses },
      },
    },
    async (request) => {
      const { task_id, backup_name, file_name } = request.params;
      const diff = await diffTaskBackupFile(await taskBackupScope(services, task_id), backup_name, file_name);
      return successBody(200, diff.diff ? `${file_name} changed` : `${file_name} is the same`, { task_id, backup: backup_name, ...diff });
    },
  );

  app.post(
    `${BASE}/:backup_name/restore`,
    {
      schema: {
        tags: ['backups'],
        summary: 'Restore a backup: the current files are backed up first (trigger restore), the backup stays',
        params: BackupParams,
        response: { 200: RestoreResponse, ...errorResponses },
      },
    },
    async (request) => {
      const { task_id, backup_name } = request.params;
      const outcome = await restoreTaskBackup(await taskBackupScope(services, task_id), backup_name, request.log);
      const skipped = outcome.skipped_files.length ? `; ${outcome.skipped_files.length} kept as they were (could not be backed up first)` : '';
      return successBody(200, `restored ${outcome.restored_files.length} file(s) from ${backup_name}${skipped}`, { task_id, ...outcome });
    },
  );

  app.delete(
    `${BASE}/:backup_name`,
    { schema: { tags: ['backups'], summary: 'Delete a backup directory', params: BackupParams, response: { 200: BackupDeleteResponse, ...errorResponses } } },
    async (request) => {
      const { task_id, backup_name } = request.params;
      await deleteTaskBackup(await taskBackupScope(services, task_id), backup_name);
      return successBody(200, `backup ${backup_name} deleted`, { task_id, deleted: backup_name });
    },
  );
}
