/**
 * Runs once before all test files (in vitest's main process): builds dist/ when src/ changed since
 * the last build (the CLI and server tests spawn bin/data-pipeline.js, which runs dist/; about
 * 0.1 s when nothing changed), chooses the PostgreSQL server of the
 * run — starting one of its own when there is none (test/support/test-database.ts) —, checks that it
 * answers (tests never skip when it does not), hands its URL to the test files, and builds the
 * sample-database snapshot every test file then loads in about a second. The teardown it returns
 * stops the server it started, if any.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { openSampleDatabase } from '../../src/source/source-database.js';
import { PROJECT_ROOT, TEST_CACHE_DIR } from './paths.js';
import { assertTestDatabaseAnswers, planTestDatabase, startEmbeddedPostgres, TEST_DATABASE_URL_KEY, type EmbeddedServer } from './test-database.js';

/**
 * `scripts/build.mjs --if-stale`: what the spawned CLI runs must be the code under test. Type errors
 * are reported but do not stop the run (vitest runs the sources without type-checking them either;
 * `npm test` type-checks first).
 */
function buildDist(): void {
  const result = spawnSync(process.execPath, [path.join(PROJECT_ROOT, 'scripts', 'build.mjs'), '--if-stale', '--allow-type-errors'], {
    cwd: PROJECT_ROOT,
    encoding: 'utf8',
  });
  const output = `${result.stdout ?? ''}${result.stderr ?? ''}`.trim();
  if (result.error || result.status !== 0)
    throw new Error(`building dist/ failed (${result.error?.message ?? `exit ${result.status ?? result.signal}`}):\n${output}`);
  if (output) console.log(`[test setup] ${output}`);
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  buildDist();
  const plan = await planTestDatabase();
  let embedded: EmbeddedServer | undefined;
  try {
    let url: string;
    if (plan.kind === 'embedded') {
      const started = Date.now();
      embedded = await startEmbeddedPostgres();
      url = embedded.url;
      console.log(
        `[test setup] ${plan.reason}: started an embedded PostgreSQL server on 127.0.0.1:${embedded.port} ` +
          `for this run (${Date.now() - started} ms); it is stopped at the end`,
      );
    } else {
      url = plan.url;
    }
    await assertTestDatabaseAnswers(url, plan);
    project.provide(TEST_DATABASE_URL_KEY, url);
    // Also for anything that reads the variable, or a child process of a test.
    process.env.DP_TEST_DATABASE_URL = url;

    const sample = await openSampleDatabase(TEST_CACHE_DIR);
    await sample.close();
  } catch (error) {
    // vitest runs no teardown when the setup fails: stop what we started before failing.
    await embedded?.stop();
    throw error;
  }
  return async () => {
    await embedded?.stop();
  };
}
