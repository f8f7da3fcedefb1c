/**
 * The API's shared schemas (TypeBox → JSON Schema: validation, serialization, OpenAPI, and the
 * TypeScript types of handlers and of the console). Response objects are closed: what a route
 * returns is exactly what its schema documents. Plain data: no server code, so the console's
 * type-check can read these files.
 */
import { Type, type TProperties, type TSchema, type TUnsafe } from '@sinclair/typebox';
import { RUN_OPTIONS, STEP_NAMES, TASK_ID_FORM, TASK_ID_PATTERN } from '../../services/catalog.js';

/**
 * A string from a fixed set, as a JSON Schema `enum`: validation errors then list the accepted
 * values, where a union of literals would only say "must be equal to constant" per branch.
 */
export function StringEnum<const T extends readonly string[]>(values: T, options: { default?: T[number]; description?: string } = {}): TUnsafe<T[number]> {
  return Type.Unsafe<T[number]>({ type: 'string', enum: [...values], ...options });
}

export const Nullable = <T extends TSchema>(schema: T, options: { description?: string } = {}) => Type.Union([schema, Type.Null()], options);

/** A closed object: the documented properties and nothing else. */
export const Closed = <T extends TProperties>(properties: T, options: { description?: string } = {}) =>
  Type.Object(properties, { additionalProperties: false, ...options });

/** An ISO 8601 time as text. */
export const Time = Type.String({ description: 'ISO 8601 date-time' });

export const TaskId = Type.String({ pattern: TASK_ID_PATTERN.source, description: TASK_ID_FORM });
export const TaskIdParams = Type.Object({ task_id: TaskId });

export const StepName = StringEnum(STEP_NAMES);
export const TaskStatus = StringEnum(['pending', 'in_progress', 'partial_completed', 'completed', 'failed'] as const);
export const Language = StringEnum(RUN_OPTIONS.language.choices);

/** The success envelope: `data` holds the route's fields plus `response` (the message again) and `timestamp`. */
export function envelope<T extends TProperties>(properties: T, description?: string) {
  return Type.Object(
    {
      code: Type.Integer(),
      success: Type.Literal(true),
      message: Type.String(),
      data: Closed({ ...properties, response: Type.String(), timestamp: Time }),
    },
    { additionalProperties: false, ...(description ? { description } : {}) },
  );
}

export const InvalidParam = Closed({ field: Type.String(), problem: Type.String(), accepted: Type.Optional(Type.String()) });

export const ErrorEnvelope = Type.Object(
  {
    code: Type.Integer(),
    success: Type.Literal(false),
    message: Type.String(),
    data: Closed({
      response: Type.String(),
      timestamp: Time,
      error_type: Type.String({
        description: "the existing service's value for the case (missing_required_params, resource_not_found, database_error), else the same as error_code",
      }),
      error_code: Type.String({ description: 'a code of the error registry (src/errors.ts): INVALID_PARAMS, TASK_NOT_FOUND, TASK_RUNNING…' }),
      missing_params: Type.Optional(Type.Array(Type.String())),
      invalid_params: Type.Optional(Type.Array(InvalidParam)),
      can_retry: Type.Optional(Type.Boolean()),
    }),
  },
  { additionalProperties: false, description: 'Error envelope' },
);

export const errorResponses = {
  400: ErrorEnvelope,
  401: ErrorEnvelope,
  404: ErrorEnvelope,
  409: ErrorEnvelope,
  413: ErrorEnvelope,
  414: ErrorEnvelope,
  415: ErrorEnvelope,
  500: ErrorEnvelope,
  503: ErrorEnvelope,
};

/**
 * A response that is not JSON (a download, an event stream), documented with its own content
 * type while the errors of the same route stay JSON envelopes.
 */
export function NonJson(contentType: string, description: string) {
  return Type.Unsafe<unknown>({ description, content: { [contentType]: { schema: { type: 'string', format: 'binary' } } } });
}
