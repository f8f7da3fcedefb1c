/** Schemas shared by the routes (TypeBox → JSON Schema: validation, serialization and OpenAPI). */
import { Type, type TSchema, type TUnsafe } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import { STEP_NAMES } from '../workflow/workflow-types.js';

/**
 * A string from a fixed set, as a JSON Schema `enum`: validation errors then list the accepted
 * values, where a union of literals would only say "must be equal to constant" per branch.
 */
export function StringEnum<const T extends readonly string[]>(values: T, options: { default?: T[number]; description?: string } = {}): TUnsafe<T[number]> {
  return Type.Unsafe<T[number]>({ type: 'string', enum: [...values], ...options });
}

export const TASK_ID_PATTERN_SOURCE = '^[A-Za-z0-9_-]{1,64}$';

export const TaskIdParams = Type.Object({
  task_id: Type.String({ pattern: TASK_ID_PATTERN_SOURCE, description: '1-64 letters, digits, "_" or "-"' }),
});

export const StepName = StringEnum(STEP_NAMES);

export const TaskStatus = StringEnum(['pending', 'in_progress', 'partial_completed', 'completed', 'failed'] as const);

export const Language = StringEnum(['en', 'zh'] as const);

/**
 * `preValidation` hook of JSON routes whose fields are all optional (or that should report the
 * missing ones by name): a request without a body (or with `null`) is validated as `{}`, so its
 * defaults apply, as the reference's `request.get_json() or {}` did.
 */
export async function emptyBodyAsObject(request: FastifyRequest): Promise<void> {
  if (request.body === undefined || request.body === null) request.body = {};
}

/** The success envelope around `data`; `data` may carry more fields than listed. */
export function envelope(data: TSchema, description?: string) {
  return Type.Object(
    {
      code: Type.Integer(),
      success: Type.Literal(true),
      message: Type.String(),
      data,
    },
    { description },
  );
}

export const ErrorEnvelope = Type.Object(
  {
    code: Type.Integer(),
    success: Type.Literal(false),
    message: Type.String(),
    data: Type.Object(
      {
        response: Type.String(),
        timestamp: Type.String(),
        error_type: Type.String(),
        missing_params: Type.Optional(Type.Array(Type.String())),
        invalid_params: Type.Optional(
          Type.Array(Type.Object({ field: Type.String(), problem: Type.String(), accepted: Type.Optional(Type.String()) })),
        ),
        can_retry: Type.Optional(Type.Boolean()),
      },
      { additionalProperties: true },
    ),
  },
  { description: 'Error envelope' },
);

/** Open data object: documented fields, others passed through. */
export function data(properties: Record<string, TSchema>) {
  return Type.Object({ ...properties, response: Type.String(), timestamp: Type.String() }, { additionalProperties: true });
}

export const errorResponses = {
  400: ErrorEnvelope,
  401: ErrorEnvelope,
  404: ErrorEnvelope,
  409: ErrorEnvelope,
  413: ErrorEnvelope,
  500: ErrorEnvelope,
};

const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

export const StepView = Type.Object(
  {
    step_name: Type.String(),
    step_status: Type.String(),
    started_at: Nullable(Type.String()),
    completed_at: Nullable(Type.String()),
    error_message: Nullable(Type.String()),
    counters: Type.Object({}, { additionalProperties: true }),
    result: Nullable(Type.Object({}, { additionalProperties: true })),
  },
  { additionalProperties: true },
);

export const TaskView = data({
  task_id: Type.String(),
  task_name: Nullable(Type.String()),
  status: Type.String(),
  step_status: Type.Record(Type.String(), Type.String()),
  created_at: Type.String(),
  started_at: Nullable(Type.String()),
  completed_at: Nullable(Type.String()),
  updated_at: Type.String(),
  created_by: Nullable(Type.String()),
  db_name: Nullable(Type.String()),
  business_context: Type.String(),
  parameters: Type.Object({}, { additionalProperties: true }),
  result: Nullable(Type.Object({}, { additionalProperties: true })),
  error_message: Nullable(Type.String()),
  current_step: Nullable(Type.String()),
  total_steps: Type.Integer(),
  steps: Type.Array(StepView),
  active_run: Nullable(Type.Object({}, { additionalProperties: true })),
  last_backup: Nullable(Type.Object({}, { additionalProperties: true })),
});
