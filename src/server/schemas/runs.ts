/** A task's run history. */
import { Type } from '@sinclair/typebox';
import { Closed, envelope, Nullable, StringEnum, Time } from './common.js';

export const RunsQuery = Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })) }, { additionalProperties: false });

export const RunsResponse = envelope({
  task_id: Type.String(),
  runs: Type.Array(
    Closed({
      run_id: Type.String(),
      execution_mode: StringEnum(['complete', 'step', 'restore', 'delete', 'upload'] as const),
      step_name: Nullable(Type.String()),
      status: StringEnum(['queued', 'running', 'completed', 'failed'] as const),
      outcome: Type.String({ description: 'completed, completed_with_warnings, failed, cancelled, interrupted, or queued/running' }),
      reason: Nullable(Type.String()),
      error_message: Nullable(Type.String()),
      created_at: Time,
      started_at: Nullable(Time),
      finished_at: Nullable(Time),
      duration_ms: Nullable(Type.Integer()),
      summary: Nullable(Type.Record(Type.String(), Nullable(Type.Number()))),
      llm_calls: Nullable(Type.Integer()),
    }),
  ),
});
