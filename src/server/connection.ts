/** The one rule for a `db_connection` given by a client: "sample", or a postgresql:// URL with a host. */
import { isPostgresUrl, SAMPLE_SOURCE } from '../source/source-database.js';
import { ApiError } from './envelope.js';

export function checkConnection(value: string, field = 'body.db_connection'): string {
  if (value === SAMPLE_SOURCE) return value;
  let valid = false;
  try {
    valid = isPostgresUrl(value) && Boolean(new URL(value).hostname);
  } catch {
    valid = false;
  }
  // (The accepted form is written without "user:password@": messages mask what looks like a password.)
  if (!valid) throw ApiError.invalid(field, 'is not a valid connection', 'a postgresql:// URL with a host and a database, or "sample"');
  return value;
}
