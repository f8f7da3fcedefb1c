/**
 * A task's claim: at most one of a run, a restore, a delete or a file change holds a task at a
 * time (an atomic insert in the store, so it holds across processes sharing it). Every use case
 * that changes a task's files takes it here, the same way: claim → hold (the heartbeat keeps it
 * alive) → release, and 409 naming the holder when another has it.
 */
import { errorMessage, taskBusy } from '../errors.js';
import { CLAIM_ONLY_OPTIONS, type ExecutionMode, type RunOptions, type RunRecord } from '../tasks/store/task-store.js';
import type { StepName } from '../workflow/steps/catalog.js';
import type { ServiceContext } from './context.js';

/** What a claim is taken for, as the store records it. */
export type ClaimMode = ExecutionMode;

/** Takes the task's claim or throws 409 (`action` says what must wait). The caller owns the claim. */
export async function claimTask(
  ctx: ServiceContext,
  input: { taskId: string; mode: ClaimMode; action: string; step?: StepName | null; options?: RunOptions },
): Promise<RunRecord> {
  const claim = await ctx.store.claimRun({
    taskId: input.taskId,
    mode: input.mode,
    step: input.step ?? null,
    options: input.options ?? { ...CLAIM_ONLY_OPTIONS },
    owner: ctx.runner.owner,
  });
  if ('conflict' in claim) throw taskBusy(input.taskId, claim.conflict, input.action);
  return claim.run;
}

/** Runs `work` holding the task's claim; released as completed, or failed with the error, after. */
export async function withTaskClaim<T>(
  ctx: ServiceContext,
  taskId: string,
  mode: ClaimMode,
  action: string,
  work: (claim: RunRecord) => Promise<T>,
): Promise<T> {
  const claim = await claimTask(ctx, { taskId, mode, action });
  let result: T;
  try {
    result = await ctx.runner.holding(claim, () => work(claim));
  } catch (error) {
    await ctx.store.releaseRun(claim, { status: 'failed', error: errorMessage(error) }).catch(() => undefined);
    throw error;
  }
  await ctx.store.releaseRun(claim, { status: 'completed', error: null });
  return result;
}
