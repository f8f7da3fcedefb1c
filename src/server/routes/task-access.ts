/** Looking up a task and its directory for a request, with the 404s a client can act on. */
import type { TaskRecord } from '../../tasks/store/task-store.js';
import type { TaskDirectory } from '../../workflow/task-dir.js';
import type { AppContext } from '../context.js';
import { ApiError } from '../envelope.js';

export async function requireTask(ctx: AppContext, taskId: string): Promise<TaskRecord> {
  const task = await ctx.store.getTask(taskId);
  if (!task) throw ApiError.notFound(`task ${taskId}`, 'TASK_NOT_FOUND');
  return task;
}

/** The directory of an existing task; created (only it) when `create` is set. */
export async function openTaskDir(ctx: AppContext, taskId: string, options: { create?: boolean } = {}): Promise<TaskDirectory> {
  await requireTask(ctx, taskId);
  if (!options.create && !(await ctx.dataRoot.exists(taskId))) {
    throw new ApiError(404, 'TASK_DIRECTORY_NOT_FOUND', `task ${taskId} has no directory yet`);
  }
  return ctx.dataRoot.taskDir(taskId, { create: options.create });
}

/** 409 while the task has an active run: its files are the run's until it ends. */
export async function refuseWhileRunning(ctx: AppContext, taskId: string, action: string): Promise<void> {
  const active = await ctx.store.activeRun(taskId);
  if (active) throw new ApiError(409, 'TASK_RUNNING', `task ${taskId} has an active run (${active.run_id}); ${action} after it ends`, { canRetry: true });
}
