/**
 * Test environment: the real PostgreSQL server (a database per suite, created and dropped), temp
 * directories, settings pointing at them, and the shared sample-database snapshot cache.
 */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { loadSettings, type Settings } from '../../src/config/settings.js';
import { sampleDatabaseScript } from '../../src/source/sample/index.js';

export const PROJECT_ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** The server every PostgreSQL test uses; `.ci/run` exports it. */
export const TEST_SERVER_URL = process.env.DP_TEST_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
/** Shared between test files and runs: the sample snapshot is built once. */
export const TEST_CACHE_DIR = path.join(PROJECT_ROOT, 'test-output', 'cache');

export function urlForDatabase(name: string): string {
  const url = new URL(TEST_SERVER_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

async function adminQuery(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: TEST_SERVER_URL, connectionTimeoutMillis: 5_000 });
  try {
    await client.connect();
  } catch (error) {
    // Never skip: a suite that needs PostgreSQL fails loudly when it is missing.
    throw new Error(
      `PostgreSQL at ${TEST_SERVER_URL} is unreachable (${(error as Error).message}); start it ` +
        '(pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start) or set DP_TEST_DATABASE_URL',
    );
  }
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

export interface ScratchDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

/** A new, empty database on the test server. */
export async function createScratchDatabase(prefix = 'dp_test'): Promise<ScratchDatabase> {
  const name = `${prefix}_${randomBytes(4).toString('hex')}`;
  await adminQuery(`CREATE DATABASE "${name}"`);
  return { name, url: urlForDatabase(name), drop: () => adminQuery(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`) };
}

/** A new database on the test server holding the sample database. */
export async function createSampleDatabaseOnServer(): Promise<ScratchDatabase> {
  const db = await createScratchDatabase('dp_sample');
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  try {
    await client.query(sampleDatabaseScript());
  } finally {
    await client.end();
  }
  return db;
}

export async function makeTempDir(prefix = 'dp-test-'): Promise<string> {
  return fs.mkdtemp(path.join(os.tmpdir(), prefix));
}

/** Settings as loaded from an environment, with data under `root` and the shared sample cache. */
export function testSettings(root: string, env: Record<string, string> = {}): Settings {
  return loadSettings(
    {
      DP_TRAINING_DATA_DIR: path.join(root, 'training_data'),
      DP_STORE_DIR: path.join(root, 'store'),
      DP_CACHE_DIR: TEST_CACHE_DIR,
      EMBEDDING_DIM: '64',
      ...env,
    },
    root,
  );
}
