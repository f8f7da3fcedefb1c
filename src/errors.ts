/**
 * The error registry: every error a client (or a command-line user) can act on has a code here,
 * with the HTTP status the API answers it with. Code anywhere below the edges throws an AppError
 * carrying its code, the field it is about and what would be accepted; the API maps it to its
 * envelope in one place (server/errors.ts), the CLI prints its message.
 */

export const ERROR_CODES = {
  // The request is wrong: what to fix is in the message and `invalid` / `missing`.
  INVALID_PARAMS: 400,
  MISSING_PARAMS: 400,
  INVALID_PATH: 400,
  INVALID_JSON: 400,
  EMPTY_JSON_BODY: 400,
  INVALID_MULTIPART: 400,
  BAD_REQUEST: 400,
  INVALID_URL: 400,
  PREREQUISITES_MISSING: 400,
  DB_CONNECTION_FAILED: 400,
  UNAUTHORIZED: 401,
  // Something named does not exist.
  NOT_FOUND: 404,
  TASK_NOT_FOUND: 404,
  TASK_DIRECTORY_NOT_FOUND: 404,
  FILE_NOT_FOUND: 404,
  BACKUP_NOT_FOUND: 404,
  TABLE_NOT_FOUND: 404,
  // The state does not allow it now.
  TASK_RUNNING: 409,
  NO_ACTIVE_RUN: 409,
  INVALID_BACKUP_DIRECTORY: 409,
  EMBEDDER_MISMATCH: 409,
  INVALID_PAIR_FILE: 409,
  PAYLOAD_TOO_LARGE: 413,
  URL_TOO_LONG: 414,
  UNSUPPORTED_MEDIA_TYPE: 415,
  // Ours.
  INTERNAL_ERROR: 500,
  VECTOR_BACKUP_FAILED: 500,
  DELETE_FAILED: 500,
  TOO_MANY_CREATES: 503,
  VECTOR_STORE_UNAVAILABLE: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

/**
 * The `error_type` the existing Python service answers for the same case (its clients branch on
 * it): every bad request was `missing_required_params` there (too large or of the wrong type
 * included), every missing thing `resource_not_found`, every failure of a database or of the
 * server `database_error`. Cases it had no value for (a run holding the task, authentication,
 * too many creates) keep our code. Our code is always in `error_code` as well.
 */
const EXISTING_SERVICE_ERROR_TYPES: Partial<Record<ErrorCode, string>> = {
  INVALID_PARAMS: 'missing_required_params',
  MISSING_PARAMS: 'missing_required_params',
  INVALID_PATH: 'missing_required_params',
  INVALID_JSON: 'missing_required_params',
  EMPTY_JSON_BODY: 'missing_required_params',
  INVALID_MULTIPART: 'missing_required_params',
  BAD_REQUEST: 'missing_required_params',
  INVALID_URL: 'missing_required_params',
  PREREQUISITES_MISSING: 'missing_required_params',
  PAYLOAD_TOO_LARGE: 'missing_required_params',
  UNSUPPORTED_MEDIA_TYPE: 'missing_required_params',
  NOT_FOUND: 'resource_not_found',
  TASK_NOT_FOUND: 'resource_not_found',
  TASK_DIRECTORY_NOT_FOUND: 'resource_not_found',
  FILE_NOT_FOUND: 'resource_not_found',
  BACKUP_NOT_FOUND: 'resource_not_found',
  TABLE_NOT_FOUND: 'resource_not_found',
  DB_CONNECTION_FAILED: 'database_error',
  INTERNAL_ERROR: 'database_error',
  VECTOR_BACKUP_FAILED: 'database_error',
  DELETE_FAILED: 'database_error',
  VECTOR_STORE_UNAVAILABLE: 'database_error',
};

/** The `error_type` of an error response: the existing service's value for the case, else our code. */
export function existingServiceErrorType(code: ErrorCode): string {
  return EXISTING_SERVICE_ERROR_TYPES[code] ?? code;
}

export interface InvalidParam {
  /** Where the value came from and its name: `body.execution_mode`, `params.task_id`. */
  field: string;
  /** What is wrong with it. */
  problem: string;
  /** What would be accepted. */
  accepted?: string;
}

export interface ErrorDetails {
  missing?: string[];
  invalid?: InvalidParam[];
  /** Whether the same request may succeed later (a run ends, a server comes back). */
  canRetry?: boolean;
}

/** An error with a registered code: the message says what happened and, where it can, what to do. */
export class AppError extends Error {
  readonly status: number;

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: ErrorDetails = {},
  ) {
    super(message);
    this.name = 'AppError';
    this.status = ERROR_CODES[code];
  }

  /** `field` has a value that is not accepted (400). */
  static invalid(field: string, problem: string, accepted?: string): AppError {
    return new AppError('INVALID_PARAMS', `${field} ${problem}${accepted ? `; accepted: ${accepted}` : ''}`, {
      invalid: [{ field, problem, ...(accepted ? { accepted } : {}) }],
    });
  }

  /** Required fields are absent (400). */
  static missing(fields: string[], message = `missing ${fields.join(', ')}`): AppError {
    return new AppError('MISSING_PARAMS', message, { missing: fields });
  }

  /** `what` does not exist (404 with the given code). */
  static notFound(what: string, code: ErrorCode = 'NOT_FOUND'): AppError {
    return new AppError(code, `${what} not found`);
  }
}

/** The run that holds a task's claim, as much of it as a message needs. */
export interface ClaimHolder {
  run_id: string;
  status: string;
  execution_mode: string;
  step_name: string | null;
  created_at: string;
}

/** 409: the task's claim is held (a run, a restore, a delete), so `action` must wait. The one way to say it. */
export function taskBusy(taskId: string, holder: ClaimHolder, action: string): AppError {
  const what = `${holder.execution_mode}${holder.step_name ? ` ${holder.step_name}` : ''}`;
  return new AppError(
    'TASK_RUNNING',
    `task ${taskId} has an active run: ${holder.run_id} (${holder.status}, ${what}, since ${holder.created_at}); ${action} after it ends`,
    {
      canRetry: true,
    },
  );
}

/**
 * A path that would leave its directory (traversal, a link leading out, a separator in a name),
 * or a name that is not one file's: refused before anything is read or written.
 */
export class PathConfinementError extends AppError {
  constructor(
    readonly field: string,
    readonly value: string,
    readonly reason: string,
  ) {
    super('INVALID_PATH', `${field} ${JSON.stringify(value)} ${reason}`, { invalid: [{ field, problem: `${JSON.stringify(value)} ${reason}` }] });
    this.name = 'PathConfinementError';
  }
}

/** The registered code for a client error the HTTP layer raised itself with only a status. */
export function codeForStatus(status: number): ErrorCode {
  const byStatus: Partial<Record<number, ErrorCode>> = {
    401: 'UNAUTHORIZED',
    404: 'NOT_FOUND',
    413: 'PAYLOAD_TOO_LARGE',
    414: 'URL_TOO_LONG',
    415: 'UNSUPPORTED_MEDIA_TYPE',
  };
  return byStatus[status] ?? 'BAD_REQUEST';
}

/** The message of anything thrown. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
