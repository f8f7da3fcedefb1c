/** A task's drift: what changed in its source database since its files were made. */
import { detectDrift, type DriftReport } from '../workflow/incremental/drift.js';
import { AppError } from '../errors.js';
import type { ServiceContext } from './context.js';
import { withSource } from './database.js';
import { requireTask } from './tasks.js';

export type { DriftReport };

export async function taskDrift(ctx: ServiceContext, taskId: string): Promise<DriftReport & { task_id: string; database: string }> {
  const task = await requireTask(ctx, taskId);
  if (!(await ctx.dataRoot.exists(taskId))) throw new AppError('TASK_DIRECTORY_NOT_FOUND', `task ${taskId} has no directory yet: run it once`);
  const dir = await ctx.dataRoot.taskDir(taskId);
  return withSource(ctx, task.db_connection, async (source) => ({
    task_id: taskId,
    database: source.displayUrl,
    ...(await detectDrift(dir, source.db, { statementTimeoutMs: ctx.settings.statementTimeoutMs })),
  }));
}
