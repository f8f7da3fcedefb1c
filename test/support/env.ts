/**
 * Test environment: the PostgreSQL test server (a database per suite, created and dropped), temp
 * directories, settings pointing at them, and the shared sample-database snapshot cache.
 */
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import pg from 'pg';
import { inject } from 'vitest';
import { loadSettings, type Settings } from '../../src/config/settings.js';
import { sampleDatabaseScript } from '../../src/source/sample/index.js';
import { PROJECT_ROOT, TEST_CACHE_DIR } from './paths.js';
import { makeTempDir } from './temp-dirs.js';
import { redactUrl, TEST_DATABASE_URL_KEY } from './test-database.js';

export { PROJECT_ROOT, TEST_CACHE_DIR };
/** Temporary directories are removed after each test file (test/support/temp-dirs.ts). */
export { makeTempDir };

/**
 * The server every PostgreSQL test uses, chosen (and, when there is none, started) once per run by
 * the global setup: `DP_TEST_DATABASE_URL`, else 127.0.0.1:5432, else a server of the suite's own
 * (test/support/test-database.ts).
 */
export const TEST_SERVER_URL: string = providedServerUrl();

function providedServerUrl(): string {
  const url = inject(TEST_DATABASE_URL_KEY);
  if (!url)
    throw new Error('No test database URL was provided: run the tests with vitest, whose global setup (test/support/global-setup.ts) chooses the server');
  return url;
}

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
      `PostgreSQL at ${redactUrl(TEST_SERVER_URL)} is unreachable (${(error as Error).message}); it answered when the run ` +
        'began. Set DP_TEST_DATABASE_URL to a server that answers, or DP_TEST_DATABASE_URL=embedded to have the suite start its own',
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

/** Settings as loaded from an environment, with data under `root` and the shared sample cache. */
export function testSettings(root: string, env: Record<string, string> = {}): Settings {
  return loadSettings(
    {
      DP_TRAINING_DATA_DIR: path.join(root, 'training_data'),
      DP_STORE_DIR: path.join(root, 'store'),
      DP_CACHE_DIR: TEST_CACHE_DIR,
      EMBEDDING_DIM: '64',
      // Tests that count LLM calls expect every run to ask; those of the cache turn it on.
      LLM_CACHE: 'off',
      ...env,
    },
    root,
  );
}
