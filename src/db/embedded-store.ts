/**
 * The embedded store: PGlite with the pgvector extension in a data directory on disk. PGlite is
 * single-process, so the directory is locked while open; a second process gets a clear error.
 */
import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { pgliteBaseOptions, PgliteDatabase } from './pglite-database.js';
import { PostgresDatabase } from './postgres-database.js';
import { acquireProcessLock, LockHeldError } from './process-lock.js';
import type { SqlDatabase } from './sql-database.js';

export class StoreInUseError extends Error {
  constructor(dir: string, owner: string) {
    super(
      `the embedded store ${dir} is in use by another data-pipeline process (${owner}); ` +
        'wait for it to finish, stop it, or point DP_STORE_URL / --vector-db at a PostgreSQL server',
    );
    this.name = 'StoreInUseError';
  }
}

class EmbeddedStore extends PgliteDatabase {
  constructor(
    pglite: PGlite,
    private readonly release: () => Promise<void>,
  ) {
    super(pglite);
  }

  override async close(): Promise<void> {
    try {
      await super.close();
    } finally {
      await this.release().catch(() => undefined);
    }
  }
}

export async function openEmbeddedStore(dir: string): Promise<PgliteDatabase> {
  await fs.mkdir(dir, { recursive: true });
  let release: () => Promise<void>;
  try {
    release = await acquireProcessLock(path.join(dir, '..', `${path.basename(dir)}.lock`));
  } catch (error) {
    if (error instanceof LockHeldError) throw new StoreInUseError(dir, `process ${error.owner?.pid ?? '?'} on ${error.owner?.host ?? '?'}`);
    throw error;
  }
  try {
    const pglite = await PGlite.create({ ...pgliteBaseOptions(), dataDir: dir, extensions: { vector } });
    return new EmbeddedStore(pglite, release);
  } catch (error) {
    await release();
    throw error;
  }
}

/** The store database: PostgreSQL when a URL is given, else the embedded PGlite store. */
export async function openStoreDatabase(url: string | undefined, embeddedDir: string): Promise<SqlDatabase> {
  return url ? PostgresDatabase.connect(url, { maxConnections: 5 }) : openEmbeddedStore(embeddedDir);
}
