/**
 * The embedded store: PGlite with the pgvector extension in a data directory on disk. PGlite is
 * single-process, so the directory is locked while open; a second process gets a clear error.
 *
 * The lock lives inside the store directory (`<store>/.dp-lock/`, which PGlite does not use), so
 * every path that reaches the directory — a bind mount or a Docker volume at DP_STORE_DIR, a
 * symbolic link, another spelling — finds the same lock. Earlier versions locked beside it
 * (`<parent>/<name>.lock`): a live lock there still refuses, for one release.
 */
import type { PGlite } from '@electric-sql/pglite';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { pgliteBaseOptions, PgliteDatabase } from './pglite-database.js';
import { PostgresDatabase } from './postgres-database.js';
import { acquireProcessLock, liveLockOwner, LockHeldError, type LockOwner } from './process-lock.js';
import type { SqlDatabase } from './sql-database.js';

export class StoreInUseError extends Error {
  constructor(dir: string, owner: string) {
    super(
      `the embedded store ${dir} is in use by another data-pipeline process (${owner}); ` +
        'wait for it to finish, stop it, or point DP_STORE_URL at a PostgreSQL server (and, for a run, --vector-db)',
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

/** The lock's directory inside the store (claims and their sockets). */
export const STORE_LOCK_DIR = '.dp-lock';
const LOCK_NAME = 'store.lock';

/** The file system errors PGlite reports by number (WASI/Emscripten numbering), by name. */
const WASM_ERRNO: Record<number, string> = {
  2: 'EACCES',
  20: 'EEXIST',
  28: 'EINVAL',
  29: 'EIO',
  31: 'EISDIR',
  32: 'ELOOP',
  44: 'ENOENT',
  51: 'ENOSPC',
  54: 'ENOTDIR',
  55: 'ENOTEMPTY',
  63: 'EPERM',
  69: 'EROFS',
};

/**
 * A failure to open the store as an Error saying what failed. PGlite throws its file system's
 * ErrnoError, an object without a message (printed as `[object Object]`).
 */
export class StoreOpenError extends Error {
  constructor(dir: string, cause: unknown) {
    super(`cannot open the embedded store ${dir}: ${describeOpenFailure(cause)}`, { cause });
    this.name = 'StoreOpenError';
  }
}

function describeOpenFailure(cause: unknown): string {
  if (cause instanceof Error && cause.message) return cause.message;
  const errno = (cause as { errno?: unknown } | null)?.errno;
  if (typeof errno === 'number') return `file system error ${WASM_ERRNO[errno] ?? 'errno'} (${errno}) in PGlite`;
  const text = String(cause);
  return text === '[object Object]' ? 'unknown error' : text;
}

function ownerText(owner: LockOwner | undefined): string {
  return `process ${owner?.pid ?? '?'} on ${owner?.host ?? '?'}`;
}

/**
 * Whether another live process holds the embedded store at `dir`, without opening it: a command
 * that will need the store late (a run's training_load) says so before hours of work, not after.
 */
export async function embeddedStoreInUse(dir: string): Promise<StoreInUseError | undefined> {
  const real = await fs.realpath(dir).catch(() => undefined);
  if (!real) return undefined;
  const held = await liveLockOwner(path.join(real, STORE_LOCK_DIR, LOCK_NAME));
  return held ? new StoreInUseError(dir, ownerText(held.owner)) : undefined;
}

export async function openEmbeddedStore(dir: string): Promise<PgliteDatabase> {
  // PGlite cannot open its data directory through a symbolic link (ErrnoError 44): the real path.
  let real: string;
  try {
    await fs.mkdir(dir, { recursive: true });
    real = await fs.realpath(dir);
    await fs.mkdir(path.join(real, STORE_LOCK_DIR), { recursive: true });
  } catch (error) {
    throw new StoreOpenError(dir, error);
  }
  let release: () => Promise<void>;
  try {
    release = await acquireProcessLock(path.join(real, STORE_LOCK_DIR, LOCK_NAME));
  } catch (error) {
    if (error instanceof LockHeldError) throw new StoreInUseError(dir, ownerText(error.owner));
    throw new StoreOpenError(dir, error);
  }
  try {
    // Where earlier versions locked it, beside the directory (by the path given, and the real one).
    for (const legacy of new Set([dir, real].map((d) => path.join(path.dirname(path.resolve(d)), `${path.basename(d)}.lock`)))) {
      const held = await liveLockOwner(legacy);
      if (held) throw new StoreInUseError(dir, ownerText(held.owner));
    }
    // Loaded here only: a process on a PostgreSQL store (or none) never pays for PGlite.
    const [{ PGlite: PGliteClass }, { vector }] = await Promise.all([import('@electric-sql/pglite'), import('@electric-sql/pglite-pgvector')]);
    const pglite = await PGliteClass.create({ ...pgliteBaseOptions(), dataDir: real, extensions: { vector } }).catch((error: unknown) => {
      throw new StoreOpenError(dir, error);
    });
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
