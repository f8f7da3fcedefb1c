/** A task's file backups: list, show, compare with the current files, restore, delete. */
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { BackupNotFoundError, deleteBackup, diffBackup, listBackups, restoreBackup, showBackup } from '../../backup/backup-catalog.js';
import { backupStats } from '../../tasks/pre-run-backup.js';
import { CLAIM_ONLY_OPTIONS } from '../../tasks/store/task-store.js';
import type { AppContext } from '../context.js';
import { ApiError, successBody } from '../envelope.js';
import { data, envelope, errorResponses, TaskIdParams } from '../schemas.js';
import { requireTask } from './task-access.js';

const BASE = '/api/v0/data_pipeline/tasks/:task_id/backups';

const BackupParams = Type.Object({
  task_id: TaskIdParams.properties.task_id,
  backup_name: Type.String({ pattern: '^file_bak_\\d{8}_\\d{6}(_\\d+)?$', description: 'file_bak_YYYYMMDD_HHMMSS[_N]' }),
});

/** The task directory of an existing task (404 when the task or its directory is missing). */
async function taskDirPath(ctx: AppContext, taskId: string): Promise<string> {
  await requireTask(ctx, taskId);
  if (!(await ctx.dataRoot.exists(taskId))) throw new ApiError(404, 'TASK_DIRECTORY_NOT_FOUND', `task ${taskId} has no directory, so no backups`);
  return (await ctx.dataRoot.taskDir(taskId)).path;
}

/** Turns "no such backup" into 404. */
function mapNotFound<T>(fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    if (error instanceof BackupNotFoundError) throw new ApiError(404, 'BACKUP_NOT_FOUND', error.message);
    throw error;
  }
}

const Open = Type.Object({}, { additionalProperties: true });

export function backupRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.get(
    BASE,
    {
      schema: {
        tags: ['backups'],
        summary: 'List the file backups of a task, newest first',
        params: TaskIdParams,
        response: { 200: envelope(data({ task_id: Type.String(), backups: Type.Array(Open), total: Type.Integer() })), ...errorResponses },
      },
    },
    async (request) => {
      const { task_id } = request.params as typeof TaskIdParams.static;
      const backups = listBackups(await taskDirPath(ctx, task_id));
      return successBody(200, `${backups.length} backup(s)`, { task_id, backups, total: backups.length });
    },
  );

  app.get(
    `${BASE}/:backup_name`,
    {
      schema: {
        tags: ['backups'],
        summary: 'A backup: its backup_info.json record and its files',
        params: BackupParams,
        response: { 200: envelope(data({ task_id: Type.String(), name: Type.String(), record: Type.Union([Open, Type.Null()]), files: Type.Array(Open) })), ...errorResponses },
      },
    },
    async (request) => {
      const { task_id, backup_name } = request.params as typeof BackupParams.static;
      const dir = await taskDirPath(ctx, task_id);
      const shown = mapNotFound(() => showBackup(dir, backup_name));
      return successBody(200, `backup ${backup_name}`, { task_id, name: backup_name, ...shown });
    },
  );

  app.get(
    `${BASE}/:backup_name/diff`,
    {
      schema: {
        tags: ['backups'],
        summary: 'Files added, removed and changed since the backup (pair counts of pair files)',
        params: BackupParams,
        response: { 200: envelope(data({ task_id: Type.String(), added: Type.Array(Type.String()), removed: Type.Array(Type.String()), changed: Type.Array(Type.String()) })), ...errorResponses },
      },
    },
    async (request) => {
      const { task_id, backup_name } = request.params as typeof BackupParams.static;
      const dir = await taskDirPath(ctx, task_id);
      const diff = mapNotFound(() => diffBackup(dir, backup_name));
      const same = diff.added.length + diff.removed.length + diff.changed.length === 0;
      return successBody(200, same ? 'no difference' : `${diff.added.length} added, ${diff.removed.length} removed, ${diff.changed.length} changed`, { task_id, ...diff });
    },
  );

  app.post(
    `${BASE}/:backup_name/restore`,
    {
      schema: {
        tags: ['backups'],
        summary: 'Restore a backup: the current files are backed up first (trigger restore), the backup stays',
        params: BackupParams,
        response: { 200: envelope(data({ task_id: Type.String(), restored_files: Type.Array(Type.String()), skipped_files: Type.Array(Open) })), ...errorResponses },
      },
    },
    async (request) => {
      const { task_id, backup_name } = request.params as typeof BackupParams.static;
      const dir = await taskDirPath(ctx, task_id);
      mapNotFound(() => showBackup(dir, backup_name));
      // A restore holds the task's execution claim: no run starts meanwhile, and none may be active.
      const claim = await ctx.store.claimRun({
        taskId: task_id,
        mode: 'restore',
        step: null,
        options: { ...CLAIM_ONLY_OPTIONS },
        owner: ctx.runner.owner,
      });
      if ('conflict' in claim) {
        throw new ApiError(409, 'TASK_RUNNING', `task ${task_id} has an active run (${claim.conflict.run_id}, ${claim.conflict.status}); restore after it ends`, { canRetry: true });
      }
      try {
        const outcome = await ctx.runner.holding(claim.run, () => restoreBackup(dir, backup_name, { taskId: task_id, ops: ctx.backupOps }));
        await ctx.store.releaseRun(claim.run, { status: 'completed', error: null });
        const pre = outcome.pre_restore_backup;
        const preStats = { ...backupStats(pre), trigger: 'restore' };
        if (pre.performed) await ctx.store.setLastBackup(task_id, preStats);
        for (const line of pre.log) request.log.info({ task_id }, line.message);
        request.log.info({ task_id, backup: backup_name, files: outcome.restored_files.length }, 'backup restored');
        const skipped = outcome.skipped_files.length ? `; ${outcome.skipped_files.length} kept as they were (could not be backed up first)` : '';
        return successBody(200, `restored ${outcome.restored_files.length} file(s) from ${backup_name}${skipped}`, {
          task_id,
          backup: backup_name,
          restored_files: outcome.restored_files,
          skipped_files: outcome.skipped_files,
          pre_restore_backup: preStats,
        });
      } catch (error) {
        await ctx.store.releaseRun(claim.run, { status: 'failed', error: error instanceof Error ? error.message : String(error) });
        throw error;
      }
    },
  );

  app.delete(
    `${BASE}/:backup_name`,
    {
      schema: {
        tags: ['backups'],
        summary: 'Delete a backup directory',
        params: BackupParams,
        response: { 200: envelope(data({ task_id: Type.String(), deleted: Type.String() })), ...errorResponses },
      },
    },
    async (request) => {
      const { task_id, backup_name } = request.params as typeof BackupParams.static;
      const dir = await taskDirPath(ctx, task_id);
      const active = await ctx.store.activeRun(task_id);
      if (active) throw new ApiError(409, 'TASK_RUNNING', `task ${task_id} has an active run (${active.run_id}); delete the backup after it ends`, { canRetry: true });
      mapNotFound(() => deleteBackup(dir, backup_name));
      return successBody(200, `backup ${backup_name} deleted`, { task_id, deleted: backup_name });
    },
  );
}
