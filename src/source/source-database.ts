/**
 * Opening a source database: a `postgresql://` URL through one small `pg` pool for the whole run,
 * or `sample`, the bundled sample database in an in-process PGlite. Access is read-only: every
 * statement we send runs in a READ ONLY transaction with a statement timeout, and the pg sessions
 * default to read-only as a second guard. Nothing is ever created in a source database.
 */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { PgliteDatabase } from '../db/pglite-database.js';
import { PostgresDatabase } from '../db/postgres-database.js';
import type { SqlDatabase } from '../db/sql-database.js';
import { redactUrl } from '../util/redact.js';
import { SAMPLE_DB_NAME } from './sample/sample-names.js';

export const SAMPLE_SOURCE = 'sample';

export interface SourceConnection {
  db: SqlDatabase;
  /** Database name: the URL's last path segment, or the sample's name. */
  dbName: string;
  /** What to show and store: the URL with its password masked, or `sample`. */
  displayUrl: string;
  close(): Promise<void>;
}

export interface SourceOptions {
  cacheDir: string;
  statementTimeoutMs: number;
  maxConnections: number;
}

/** Name of the database in a connection URL (its last path segment). */
export function databaseNameOf(url: string): string {
  try {
    const name = decodeURIComponent(new URL(url).pathname.replace(/^\/+/, '').split('/').pop() ?? '');
    return name || 'postgres';
  } catch {
    return 'postgres';
  }
}

export function isPostgresUrl(text: string): boolean {
  return /^postgres(ql)?:\/\/./i.test(text);
}

export async function openSource(spec: string, options: SourceOptions): Promise<SourceConnection> {
  if (spec === SAMPLE_SOURCE) {
    const db = await openSampleDatabase(options.cacheDir);
    return { db, dbName: SAMPLE_DB_NAME, displayUrl: SAMPLE_SOURCE, close: () => db.close() };
  }
  if (!isPostgresUrl(spec)) {
    throw new Error(`the source database must be "sample" or a postgresql:// URL (got ${JSON.stringify(spec.slice(0, 40))})`);
  }
  const displayUrl = redactUrl(spec);
  const db = await PostgresDatabase.connect(spec, {
    maxConnections: options.maxConnections,
    sessionReadOnly: true,
    sessionStatementTimeoutMs: options.statementTimeoutMs,
    applicationName: 'data-pipeline (read-only)',
  });
  return { db, dbName: databaseNameOf(spec), displayUrl, close: () => db.close() };
}

/**
 * The sample database in memory. Building it takes seconds, so a snapshot of the built data
 * directory is kept in the cache (keyed by the script's hash) and later runs load that.
 */
export async function openSampleDatabase(cacheDir: string): Promise<PgliteDatabase> {
  // PGlite and the script are loaded here only: a run on a postgresql:// source never needs them.
  const [{ PGlite }, { pgliteBaseOptions, PgliteDatabase }, { SAMPLE_SCRIPT_VERSION, sampleDatabaseScript }] = await Promise.all([
    import('@electric-sql/pglite'),
    import('../db/pglite-database.js'),
    import('./sample/index.js'),
  ]);
  const snapshot = path.join(cacheDir, `sample-${SAMPLE_SCRIPT_VERSION}.tar.gz`);
  const cached = await fs.readFile(snapshot).catch(() => undefined);
  if (cached) {
    try {
      const pglite = await PGlite.create({ ...pgliteBaseOptions(), loadDataDir: new Blob([cached]) });
      return new PgliteDatabase(pglite);
    } catch {
      // A damaged snapshot is rebuilt below.
    }
  }
  const pglite = await PGlite.create(pgliteBaseOptions());
  await pglite.exec(sampleDatabaseScript());
  const dump = await pglite.dumpDataDir('gzip');
  await fs.mkdir(cacheDir, { recursive: true });
  const temp = `${snapshot}.${randomBytes(6).toString('hex')}.tmp`;
  await fs.writeFile(temp, new Uint8Array(await dump.arrayBuffer()));
  await fs.rename(temp, snapshot);
  return new PgliteDatabase(pglite);
}
