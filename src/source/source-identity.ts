/**
 * Which database a training set describes: host, port and database name (never a user or a
 * password), and a key made of them. Rows of the vector store carry it, so that the same question
 * asked of two databases is two rows, and a database's rows can be found, filtered and replaced.
 */
import { SAMPLE_DB_NAME } from './sample/sample-names.js';
import { databaseNameOf, SAMPLE_SOURCE } from './source-database.js';

export interface SourceIdentity {
  host: string;
  port: number | null;
  database: string;
}

/** The identity of a connection (`sample` or a postgresql:// URL). */
export function sourceIdentity(connection: string): SourceIdentity {
  if (connection === SAMPLE_SOURCE) return { host: SAMPLE_SOURCE, port: null, database: SAMPLE_DB_NAME };
  const url = new URL(connection);
  // A socket directory given as a `host` parameter names the server as well as a host name does.
  const host = (url.hostname || url.searchParams.get('host') || 'localhost').toLowerCase();
  return { host, port: url.port ? Number(url.port) : 5432, database: databaseNameOf(connection) };
}

/** `host:port/database`: one string per database, for ids and filters. */
export function identityKey(identity: SourceIdentity): string {
  return `${identity.host}:${identity.port ?? ''}/${identity.database}`;
}
