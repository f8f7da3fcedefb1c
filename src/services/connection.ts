/** The one rule for a `db_connection` given by a client: "sample", or a postgresql:// URL with a host. */
import { AppError } from '../errors.js';
import { SAMPLE_SOURCE } from '../source/source-database.js';
import { connectionUrlProblem } from '../util/connection-url.js';

/** Parameters with which `pg` reads a file on the server's disk: a client may not name server files. */
const FILE_PARAMETERS = ['sslcert', 'sslkey', 'sslrootcert'];

export interface ConnectionRule {
  /** Whether `sample` (the bundled sample database) is accepted. */
  sample: boolean;
  /** What a valid value is, for the error. */
  accepted: string;
}

const SOURCE_RULE: ConnectionRule = { sample: true, accepted: 'a postgresql:// URL with a host and a database, or "sample"' };

/**
 * Checks a client's connection string (never quoting it: it may hold a password that does not
 * parse) and refuses parameters that would make the server read its own files. Returns it unchanged.
 */
export function checkConnection(value: string, field = 'body.db_connection', rule: ConnectionRule = SOURCE_RULE): string {
  if (rule.sample && value === SAMPLE_SOURCE) return value;
  // (The accepted form is written without "user:password@": messages mask what looks like a password.)
  if (connectionUrlProblem(value, { sample: rule.sample })) throw AppError.invalid(field, 'is not a valid connection', rule.accepted);
  const params = new URL(value).searchParams;
  const fileParameter = FILE_PARAMETERS.find((name) => params.has(name));
  if (fileParameter) {
    throw AppError.invalid(
      field,
      `names a file on the server (${fileParameter}), which the API does not read`,
      `${rule.accepted}, without ${FILE_PARAMETERS.join(', ')}`,
    );
  }
  return value;
}
