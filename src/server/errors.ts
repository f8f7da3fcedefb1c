/**
 * Every failure becomes the error envelope with the right status: schema violations name the
 * field, the problem and what is accepted (400); unknown routes 404; oversized bodies and uploads
 * 413; anything unexpected 500 (logged, with secrets masked).
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { PathConfinementError } from '../workflow/task-dir.js';
import { redactSecrets } from '../util/redact.js';
import { ApiError, errorBody, type InvalidParam } from './envelope.js';

interface AjvError {
  instancePath: string;
  keyword: string;
  params: Record<string, unknown>;
  message?: string;
  data?: unknown;
}

/** Fields whose value must never be echoed back (they may carry a password). */
const SECRET_FIELDS = /db_connection|password|token|url/i;

function shown(field: string, value: unknown): string {
  if (value === undefined || SECRET_FIELDS.test(field)) return '';
  const text = JSON.stringify(value) ?? String(value);
  return ` (got ${text.length > 60 ? `${text.slice(0, 60)}…` : text})`;
}

/** Turns Ajv's errors into the fields, problems and accepted values of the envelope. */
export function describeValidation(context: string, errors: AjvError[]): { missing: string[]; invalid: InvalidParam[] } {
  const missing: string[] = [];
  const invalid: InvalidParam[] = [];
  for (const e of errors) {
    const path = e.instancePath.replace(/^\//, '').replace(/\//g, '.');
    const field = [context, path].filter(Boolean).join('.');
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
      case 'anyOf':
      case 'oneOf':
        // The branches' own errors say more; keep the summary only when alone.
        if (errors.length === 1) invalid.push({ field, problem: `has no accepted form${shown(field, e.data)}` });
        break;
      default:
        invalid.push({ field, problem: `${e.message ?? 'is invalid'}${shown(field, e.data)}` });
    }
  }
  // anyOf alternatives repeat the same field; keep one line per field and problem.
  const unique = invalid.filter((p, i) => invalid.findIndex((q) => q.field === p.field && q.problem === p.problem) === i);
  return { missing: [...new Set(missing)], invalid: unique };
}

function toApiError(error: FastifyError & { validation?: AjvError[]; validationContext?: string }): ApiError {
  if (error instanceof ApiError) return error;
  if (error instanceof PathConfinementError) return new ApiError(400, 'INVALID_PATH', error.message, { invalid: [{ field: error.field, problem: error.message }] });
  if (error.validation) {
    const { missing, invalid } = describeValidation(error.validationContext ?? 'request', error.validation);
    const parts = [
      ...(missing.length ? [`missing ${missing.join(', ')}`] : []),
      ...invalid.map((p) => `${p.field} ${p.problem}`),
    ];
    return new ApiError(400, missing.length && !invalid.length ? 'MISSING_PARAMS' : 'INVALID_PARAMS', `Invalid request: ${parts.join('; ')}`, { missing, invalid });
  }
  const status = error.statusCode ?? 500;
  if (status === 413 || error.code === 'FST_REQ_FILE_TOO_LARGE' || error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
    return new ApiError(413, 'PAYLOAD_TOO_LARGE', `the request is too large: ${error.message}`);
  }
  if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
    return new ApiError(415, 'UNSUPPORTED_MEDIA_TYPE', `${error.message}; send application/json (or multipart/form-data for uploads)`);
  }
  if (status >= 400 && status < 500) return new ApiError(status, error.code ?? 'BAD_REQUEST', error.message);
  return new ApiError(500, 'INTERNAL_ERROR', 'internal error: the server log has the details', { canRetry: true });
}

export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    const apiError = toApiError(error);
    if (apiError.status >= 500) request.log.error({ err: { message: redactSecrets(error.message), stack: redactSecrets(error.stack ?? '') } }, 'request failed');
    void reply.status(apiError.status).send(errorBody(apiError));
  });
  app.setNotFoundHandler((request, reply) => {
    void reply.status(404).send(errorBody(new ApiError(404, 'NOT_FOUND', `no route ${request.method} ${request.url.split('?')[0]}`)));
  });
}
