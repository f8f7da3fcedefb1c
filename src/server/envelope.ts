/**
 * The reference's response envelope, with the body `code` equal to the HTTP status:
 *   success: {code, success: true, message, data: {..., response, timestamp}}
 *   error:   {code, success: false, message, data: {response, timestamp, error_type, missing_params?, invalid_params?, can_retry?}}
 */
import { redactSecrets } from '../util/redact.js';

export interface InvalidParam {
  /** Where the value came from and its name: `body.execution_mode`, `params.task_id`. */
  field: string;
  /** What is wrong with it. */
  problem: string;
  /** What would be accepted. */
  accepted?: string;
}

export interface SuccessBody<T> {
  code: number;
  success: true;
  message: string;
  data: T & { response: string; timestamp: string };
}

export interface ErrorBody {
  code: number;
  success: false;
  message: string;
  data: {
    response: string;
    timestamp: string;
    error_type: string;
    missing_params?: string[];
    invalid_params?: InvalidParam[];
    can_retry?: boolean;
  };
}

export function successBody<T extends object>(status: number, message: string, data: T): SuccessBody<T> {
  return { code: status, success: true, message, data: { ...data, response: message, timestamp: new Date().toISOString() } };
}

/** An error meant for the client: its status, a code, and what to fix. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly errorType: string,
    message: string,
    readonly details: { missing?: string[]; invalid?: InvalidParam[]; canRetry?: boolean } = {},
  ) {
    super(message);
    this.name = 'ApiError';
  }

  static notFound(what: string, errorType = 'NOT_FOUND'): ApiError {
    return new ApiError(404, errorType, `${what} not found`);
  }

  static invalid(field: string, problem: string, accepted?: string): ApiError {
    return new ApiError(400, 'INVALID_PARAMS', `${field} ${problem}${accepted ? `; accepted: ${accepted}` : ''}`, {
      invalid: [{ field, problem, ...(accepted ? { accepted } : {}) }],
    });
  }
}

export function errorBody(error: ApiError): ErrorBody {
  const message = redactSecrets(error.message);
  return {
    code: error.status,
    success: false,
    message,
    data: {
      response: message,
      timestamp: new Date().toISOString(),
      error_type: error.errorType,
      ...(error.details.missing?.length ? { missing_params: error.details.missing } : {}),
      ...(error.details.invalid?.length
        ? { invalid_params: error.details.invalid.map((p) => ({ ...p, problem: redactSecrets(p.problem) })) }
        : {}),
      ...(error.details.canRetry !== undefined ? { can_retry: error.details.canRetry } : {}),
    },
  };
}
