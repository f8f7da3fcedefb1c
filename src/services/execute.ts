/**
 * Executing a task: the complete workflow or one step. Checks the step's prerequisites, claims the
 * task (409 while another run, restore, delete or upload holds it), backs up the earlier files of
 * a complete run under that claim, and queues the run; it answers before the run starts.
 */
import { AppError, errorMessage, taskBusy } from '../errors.js';
import { TABLE_LIST_FILE } from '../task-directory/task-files.js';
import { backupBeforeRun, disabledBackup, type BackupStats } from '../tasks/pre-run-backup.js';
import type { RunRecord } from '../tasks/store/task-store.js';
import { connectionSecrets, redactSecrets } from '../util/redact.js';
import { executionOptionsOf, perRunOverridesOf, resolveRunOptions, type ExecutionOptions, type PerRunOverrides } from '../workflow/run-options.js';
import type { StepName } from '../workflow/steps/catalog.js';
import { missingPrerequisites } from '../workflow/steps/registry.js';
import type { ServiceContext, ServiceLog } from './context.js';
import { claimTask } from './task-claim.js';
import { requireTask } from './tasks.js';

export interface ExecuteInput extends Partial<ExecutionOptions>, PerRunOverrides {
  execution_mode?: 'complete' | 'step';
  step_name?: StepName;
  /** Complete mode: move the earlier files into file_bak_{timestamp} first (when backups are enabled). */
  backup_existing_files?: boolean;
}

export interface ExecuteOutcome {
  run: RunRecord;
  mode: 'complete' | 'step';
  step: StepName | null;
  /** The backup before a complete run (null in step mode). */
  backup: BackupStats | null;
  /** Set when the backup failed and backups are set to abort: the run was recorded failed, not queued. */
  abortedBy: string | null;
}

/** Validates the request: a step run names its step, a complete run names none. */
function modeAndStep(input: ExecuteInput): { mode: 'complete' | 'step'; step: StepName | null } {
  const mode = input.execution_mode ?? 'complete';
  if (mode === 'step' && !input.step_name) throw AppError.missing(['body.step_name'], 'body.step_name is required when execution_mode is "step"');
  // A step named with a complete run is a contradiction, not something to ignore silently.
  if (mode === 'complete' && input.step_name) {
    throw AppError.invalid(
      'body.step_name',
      `is ${JSON.stringify(input.step_name)} but execution_mode is "complete" (which runs every step)`,
      'no step_name, or execution_mode "step"',
    );
  }
  return { mode, step: mode === 'step' ? (input.step_name as StepName) : null };
}

/**
 * The backup of the earlier files before a complete run, under the claim and before anything is
 * written; its statistics go into the run's options (the run logs them) and the task's record.
 */
async function backUpEarlierFiles(
  ctx: ServiceContext,
  claimed: RunRecord,
  input: ExecuteInput,
  log: ServiceLog,
): Promise<{ run: RunRecord; backup: BackupStats }> {
  let run = claimed;
  let backup: BackupStats;
  if (!ctx.settings.backup.enabled) backup = disabledBackup('backup.enabled is false (DP_BACKUP_ENABLED)');
  else if (input.backup_existing_files === false) backup = disabledBackup('backup_existing_files was false in the request');
  else {
    const made = await backupBeforeRun({ dataRoot: ctx.dataRoot, taskId: run.task_id, settings: ctx.settings.backup, ops: ctx.backupOps });
    backup = made.stats;
    for (const line of made.log) log[line.level === 'ERROR' ? 'error' : line.level === 'WARNING' ? 'warn' : 'info']({ task_id: run.task_id }, line.message);
    run = await ctx.store.addRunOptions(run, { backup: { ...backup }, backup_log: made.log });
  }
  await ctx.store.setLastBackup(run.task_id, { ...backup });
  return { run, backup };
}

export async function executeTask(ctx: ServiceContext, taskId: string, input: ExecuteInput, log: ServiceLog): Promise<ExecuteOutcome> {
  const { mode, step } = modeAndStep(input);
  const task = await requireTask(ctx, taskId);
  const dir = (await ctx.dataRoot.exists(task.task_id)) ? await ctx.dataRoot.taskDir(task.task_id) : undefined;
  // A task another holds is busy, whatever its files say (a running ddl_generation has not written
  // what qa_generation needs yet): 409, not a prerequisite error. The claim below is what guarantees it.
  const holder = await ctx.store.activeRun(task.task_id);
  if (holder) throw taskBusy(task.task_id, holder, 'execute it');
  // Step mode checks what the step reads. A complete run is always accepted (the backup
  // scenarios start from an empty directory); without a table list its first step fails and says so.
  if (step) {
    const missing = await missingPrerequisites(dir, step, { skip_training: input.skip_training });
    if (missing.length) throw new AppError('PREREQUISITES_MISSING', `cannot run ${step} yet: ${missing.join('; ')}`);
  } else if (dir) {
    // A table list that is a link leading outside the task directory is refused (400) before
    // any claim or backup: the run would read it.
    await dir.exists(TABLE_LIST_FILE);
  }
  const claim = await claimTask(ctx, {
    taskId: task.task_id,
    mode,
    step,
    action: 'execute it',
    // Task options given with the execute (execute_check) hold for this run only.
    options: { ...executionOptionsOf(resolveRunOptions(input)), ...perRunOverridesOf({ ...input }) },
  });
  if (mode === 'step') {
    ctx.runner.enqueue(claim);
    return { run: claim, mode, step, backup: null, abortedBy: null };
  }
  // Between the claim and the queue the heartbeat keeps the claim alive while the backup runs,
  // and anything failing here must not leave it behind.
  let prepared: { run: RunRecord; backup: BackupStats };
  try {
    prepared = await ctx.runner.holding(claim, () => backUpEarlierFiles(ctx, claim, input, log));
  } catch (error) {
    await ctx.store
      .finishRun(claim, {
        status: 'failed',
        reason: 'error',
        error: `could not start the run: ${redactSecrets(errorMessage(error), connectionSecrets(task.db_connection))}`,
        taskStatus: 'failed',
        result: null,
        llmUsage: null,
      })
      .catch(() => undefined);
    throw error;
  }
  const { run, backup } = prepared;
  if (backup.status === 'failed' && ctx.settings.backup.onFailure === 'abort') {
    const error = `backup failed, run aborted (backup.on_failure = abort): ${backup.error}`;
    await ctx.store.finishRun(run, { status: 'failed', reason: 'error', error, taskStatus: 'failed', result: { backup }, llmUsage: null });
    return { run, mode, step, backup, abortedBy: error };
  }
  ctx.runner.enqueue(run);
  return { run, mode, step, backup, abortedBy: null };
}
