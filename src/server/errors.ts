/**
 * Every failure becomes the error envelope with the right status: schema violations name the
 * field, the problem and what is accepted (400); unknown routes 404; oversized bodies and uploads
 * 413; anything unexpected 500 (logged, with secrets masked).
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { redactSecrets } from '../util/redact.js';
import { errorBody } from './envelope.js';
import { AppError, codeForStatus, type InvalidParam } from '../errors.js';

interface AjvError {
  instancePath: string;
  keyword: string;
  params: Record<string, unknown>;
  message?: string;
  data?: unknown;
  /** The schema holding the failed keyword (Ajv's `verbose` option). */
  parentSchema?: Record<string, unknown>;
}

/** Fields whose value must never be echoed back (they may carry a password). */
const SECRET_FIELDS = /db_connection|password|token|url/i;

function shown(field: string, value: unknown): string {
  if (value === undefined || SECRET_FIELDS.test(field)) return '';
  const text = JSON.stringify(value) ?? String(value);
  return ` (got ${text.length > 60 ? `${text.slice(0, 60)}…` : text})`;
}

const FORMATS: Record<string, string> = {
  'date-time': 'an ISO 8601 date-time with a time zone, e.g. 2025-01-31T08:00:00Z',
  date: 'an ISO 8601 date, e.g. 2025-01-31',
  'date-time-zone-optional': "an ISO 8601 date-time, e.g. 2025-01-31T08:00:00Z, or without a zone (the server's): 2025-01-31T08:00:00",
};

/** What a schema accepts, for the bounds keywords: "an integer from 1 to 100", "1 to 200 characters"… */
function acceptedBy(e: AjvError): string | undefined {
  const s = e.parentSchema ?? {};
  const range = (min: unknown, max: unknown, unit: string) =>
    typeof min === 'number' && typeof max === 'number'
      ? `${min} to ${max}${unit}`
      : typeof min === 'number'
        ? `at least ${min}${unit}`
        : typeof max === 'number'
          ? `at most ${max}${unit}`
          : undefined;
  switch (e.keyword) {
    case 'pattern':
      return typeof s.description === 'string' ? s.description : `text matching ${String(e.params.pattern)}`;
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum': {
      const r = range(s.minimum, s.maximum, '');
      return (
        r && `${s.type === 'integer' ? 'an integer' : 'a number'}${typeof s.minimum === 'number' && typeof s.maximum === 'number' ? ` from ${r}` : ` ${r}`}`
      );
    }
    case 'minLength':
    case 'maxLength':
      return range(s.minLength, s.maxLength, ' characters');
    case 'minItems':
    case 'maxItems':
      return range(s.minItems, s.maxItems, ' items');
    case 'format':
      return FORMATS[String(e.params.format)] ?? `a ${String(e.params.format)} value`;
    case 'const':
      return JSON.stringify(e.params.allowedValue);
    default:
      return undefined;
  }
}

/** Turns Ajv's errors into the fields, problems and accepted values of the envelope. */
export function describeValidation(context: string, errors: AjvError[]): { missing: string[]; invalid: InvalidParam[] } {
  const missing: string[] = [];
  const invalid: InvalidParam[] = [];
  const fieldOf = (e: AjvError) => [context, e.instancePath.replace(/^\//, '').replace(/\//g, '.')].filter(Boolean).join('.');
  // A nullable field (`string | null`) that fails as a string also fails "must be null": that
  // second line says nothing new; the accepted values of the first say "or null" instead.
  const isNullBranch = (e: AjvError) => e.keyword === 'type' && e.params.type === 'null';
  const nullable = new Set(
    errors.filter((e) => isNullBranch(e) && errors.some((o) => o !== e && !isNullBranch(o) && o.keyword !== 'anyOf' && fieldOf(o) === fieldOf(e))).map(fieldOf),
  );
  for (const e of errors) {
    const field = fieldOf(e);
    if (nullable.has(field) && isNullBranch(e)) continue;
    switch (e.keyword) {
      case 'required':
        missing.push([field, String(e.params.missingProperty)].join('.'));
        break;
      case 'enum': {
        const allowed = (e.params.allowedValues as unknown[]).map(String).join(', ');
        invalid.push({ field, problem: `must be one of ${allowed}${shown(field, e.data)}`, accepted: allowed });
        break;
      }
      case 'type':
        invalid.push({ field, problem: `must be ${String(e.params.type)}${shown(field, e.data)}`, accepted: String(e.params.type) });
        break;
      case 'additionalProperties': {
        const known = Object.keys((e.parentSchema?.properties ?? {}) as Record<string, unknown>);
        invalid.push({
          field: `${field}.${String(e.params.additionalProperty)}`,
          problem: 'is not a known field',
          accepted: known.length ? known.join(', ') : 'no fields',
        });
        break;
      }
      case 'anyOf':
      case 'oneOf':
        // The branches' own errors say more; keep the summary only when alone.
        if (errors.length === 1) invalid.push({ field, problem: `has no accepted form${shown(field, e.data)}` });
        break;
      default: {
        const accepted = acceptedBy(e);
        invalid.push({ field, problem: `${e.message ?? 'is invalid'}${shown(field, e.data)}`, ...(accepted ? { accepted } : {}) });
      }
    }
  }
  // anyOf alternatives repeat the same field; keep one line per field and problem.
  const unique = invalid
    .filter((p, i) => invalid.findIndex((q) => q.field === p.field && q.problem === p.problem) === i)
    .map((p) => (nullable.has(p.field) ? { ...p, accepted: p.accepted ? `${p.accepted}, or null` : 'null' } : p));
  return { missing: [...new Set(missing)], invalid: unique };
}

function toAppError(error: FastifyError & { validation?: AjvError[]; validationContext?: string }, jsonBodyLimit: number): AppError {
  if (error instanceof AppError) return error;
  if (error.validation) {
    const { missing, invalid } = describeValidation(error.validationContext ?? 'request', error.validation);
    const parts = [
      ...(missing.length ? [`missing ${missing.join(', ')}`] : []),
      ...invalid.map((p) => `${p.field} ${p.problem}${p.accepted ? ` (accepted: ${p.accepted})` : ''}`),
    ];
    return new AppError(missing.length && !invalid.length ? 'MISSING_PARAMS' : 'INVALID_PARAMS', `Invalid request: ${parts.join('; ')}`, { missing, invalid });
  }
  const status = error.statusCode ?? 500;
  if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
    const limit = `${jsonBodyLimit / 2 ** 20} MiB`;
    return new AppError('PAYLOAD_TOO_LARGE', `the request body is larger than the ${limit} accepted`, {
      invalid: [{ field: 'body', problem: 'is too large', accepted: `a JSON body of at most ${limit}` }],
    });
  }
  if (status === 413 || error.code === 'FST_REQ_FILE_TOO_LARGE') {
    return new AppError('PAYLOAD_TOO_LARGE', `the request is too large: ${error.message}`);
  }
  // Fastify's JSON parser also refuses `__proto__` and `constructor.prototype` keys (prototype poisoning).
  if (error.code === 'FST_ERR_CTP_INVALID_JSON_BODY') {
    return new AppError('INVALID_JSON', 'the request body is not valid JSON (or holds a "__proto__" or "constructor.prototype" key)', {
      invalid: [{ field: 'body', problem: 'is not valid JSON', accepted: 'a JSON object without "__proto__" or "constructor" keys' }],
    });
  }
  if (error.code === 'FST_ERR_CTP_EMPTY_JSON_BODY') {
    return new AppError('EMPTY_JSON_BODY', 'the request body is empty while its Content-Type says application/json', {
      invalid: [{ field: 'body', problem: 'is empty', accepted: 'a JSON object such as {}, or no Content-Type header when there is no body' }],
    });
  }
  if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
    return new AppError('UNSUPPORTED_MEDIA_TYPE', `${error.message}; send application/json (or multipart/form-data for uploads)`);
  }
  if (status >= 400 && status < 500) return new AppError(codeForStatus(status), error.message);
  return new AppError('INTERNAL_ERROR', 'internal error: the server log has the details', { canRetry: true });
}

export function installErrorHandling(app: FastifyInstance, limits: { jsonBodyBytes: number }): void {
  app.setErrorHandler((error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    const apiError = toAppError(error, limits.jsonBodyBytes);
    if (apiError.status >= 500)
      request.log.error({ err: { message: redactSecrets(error.message), stack: redactSecrets(error.stack ?? '') } }, 'request failed');
    void reply.status(apiError.status).send(errorBody(apiError));
  });
  app.setNotFoundHandler((request, reply) => {
    void reply.status(404).send(errorBody(new AppError('NOT_FOUND', `no route ${request.method} ${request.url.split('?')[0]}`)));
  });
}
