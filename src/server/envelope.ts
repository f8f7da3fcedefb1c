/**
 * The response envelope clients of the Python service this replaces already parse, with the body
 * `code` equal to the HTTP status:
 *   success: {code, success: true, message, data: {..., response, timestamp}}
 *   error:   {code, success: false, message, data: {response, timestamp, error_type, error_code, missing_params?, invalid_params?, can_retry?}}
 * `error_type` is the existing service's value for the case where it had one; `error_code` is always ours.
 */
import { existingServiceErrorType, type AppError, type ErrorCode, type InvalidParam } from '../errors.js';
import { redactSecrets } from '../util/redact.js';

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
    error_code: ErrorCode;
    missing_params?: string[];
    invalid_params?: InvalidParam[];
    can_retry?: boolean;
  };
}

export function successBody<T extends object>(status: number, message: string, data: T): SuccessBody<T> {
  return { code: status, success: true, message, data: { ...data, response: message, timestamp: new Date().toISOString() } };
}

export function errorBody(error: AppError): ErrorBody {
  const message = redactSecrets(error.message);
  return {
    code: error.status,
    success: false,
    message,
    data: {
      response: message,
      timestamp: new Date().toISOString(),
      error_type: existingServiceErrorType(error.code),
      error_code: error.code,
      ...(error.details.missing?.length ? { missing_params: error.details.missing } : {}),
      ...(error.details.invalid?.length ? { invalid_params: error.details.invalid.map((p) => ({ ...p, problem: redactSecrets(p.problem) })) } : {}),
      ...(error.details.canRetry !== undefined ? { can_retry: error.details.canRetry } : {}),
    },
  };
}
