/**
 * Runs once before all test files: checks that PostgreSQL answers (tests never skip when it does
 * not) and builds the sample-database snapshot every test file then loads in about a second.
 */
import pg from 'pg';
import { openSampleDatabase } from '../../src/source/source-database.js';
import { TEST_CACHE_DIR, TEST_SERVER_URL } from './env.js';

export default async function setup(): Promise<void> {
  const client = new pg.Client({ connectionString: TEST_SERVER_URL, connectionTimeoutMillis: 5_000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
  } catch (error) {
    throw new Error(`PostgreSQL at ${TEST_SERVER_URL} is unreachable (${(error as Error).message}); the test suite needs it and never skips`);
  } finally {
    await client.end().catch(() => undefined);
  }
  const sample = await openSampleDatabase(TEST_CACHE_DIR);
  await sample.close();
}
