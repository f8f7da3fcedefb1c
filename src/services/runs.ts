/** A task's run history: every run (and claim) with its mode, outcome, duration and counts. */
import type { RunRecord } from '../tasks/store/task-store.js';
import type { ServiceContext } from './context.js';
import { requireTask } from './tasks.js';

export interface RunHistoryEntry {
  run_id: string;
  execution_mode: RunRecord['execution_mode'];
  step_name: string | null;
  status: RunRecord['status'];
  /** `completed`, `completed_with_warnings`, `failed`, `cancelled`, `interrupted`, or the run's status while it goes. */
  outcome: string;
  reason: string | null;
  error_message: string | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  duration_ms: number | null;
  summary: Record<string, number | null> | null;
  llm_calls: number | null;
}

export async function taskRunHistory(ctx: ServiceContext, taskId: string, limit = 50): Promise<{ task_id: string; runs: RunHistoryEntry[] }> {
  await requireTask(ctx, taskId);
  const runs = await ctx.store.listRuns(taskId, limit);
  return {
    task_id: taskId,
    runs: runs.map((run) => {
      const result = run.result as { summary?: Record<string, number | null>; warnings?: unknown } | null;
      const ended = run.status === 'completed' || run.status === 'failed';
      const outcome = !ended
        ? run.status
        : run.status === 'failed'
          ? run.reason === 'cancelled' || run.reason === 'interrupted'
            ? run.reason
            : 'failed'
          : result?.warnings
            ? 'completed_with_warnings'
            : 'completed';
      const start = run.started_at ?? run.created_at;
      return {
        run_id: run.run_id,
        execution_mode: run.execution_mode,
        step_name: run.step_name,
        status: run.status,
        outcome,
        reason: run.reason,
        error_message: run.error_message,
        created_at: run.created_at,
        started_at: run.started_at,
        finished_at: run.finished_at,
        duration_ms: run.finished_at ? Date.parse(run.finished_at) - Date.parse(start) : null,
        summary: result?.summary ?? null,
        llm_calls: run.llm_usage?.calls ?? null,
      };
    }),
  };
}
