/** The one rule for a `db_connection` given by a client: "sample", or a postgresql:// URL with a host. */
import { isPostgresUrl, SAMPLE_SOURCE } from '../source/source-database.js';
import { registerUrlSecret } from '../util/redact.js';
import { ApiError } from './envelope.js';

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
 * Checks a client's connection string and registers its password (every form: userinfo,
 * `password=`, `sslpassword=`) so that no later message can show it. Returns it unchanged.
 */
export function checkConnection(value: string, field = 'body.db_connection', rule: ConnectionRule = SOURCE_RULE): string {
  if (rule.sample && value === SAMPLE_SOURCE) return value;
  let url: URL | undefined;
  try {
    url = isPostgresUrl(value) ? new URL(value) : undefined;
  } catch {
    url = undefined;
  }
  // (The accepted form is written without "user:password@": messages mask what looks like a password.)
  if (!url?.hostname) throw ApiError.invalid(field, 'is not a valid connection', rule.accepted);
  registerUrlSecret(value);
  const fileParameter = FILE_PARAMETERS.find((name) => url.searchParams.has(name));
  if (fileParameter) {
    throw ApiError.invalid(field, `names a file on the server (${fileParameter}), which the API does not read`, `${rule.accepted}, without ${FILE_PARAMETERS.join(', ')}`);
  }
  return value;
}
