/**
 * Temporary directories of a test file, removed when the file is done: `makeTempDir()` registers
 * each one, and `removeTempDirsOfThisFile()` runs after every test file (test/support/cleanup-setup.ts,
 * vitest's `setupFiles`: its `afterAll` runs after the file's own, once its servers and stores are
 * closed). Each test file runs in its own module context, so the list is that file's only.
 * Kept apart from env.ts (the test database) so that the setup file stays light.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const made = new Set<string>();

/** A new directory under the system's temp directory, removed after the test file. */
export async function makeTempDir(prefix = 'dp-test-'): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), prefix));
  made.add(dir);
  return dir;
}

/** Removes the directories `makeTempDir()` made in this test file; returns those it could not remove (with why). */
export async function removeTempDirsOfThisFile(): Promise<string[]> {
  const dirs = [...made];
  made.clear();
  const failures = await Promise.all(
    dirs.map((dir) =>
      fs.rm(dir, { recursive: true, force: true, maxRetries: 3 }).then(
        () => undefined,
        (error: unknown) => `${dir}: ${error instanceof Error ? error.message : String(error)}`,
      ),
    ),
  );
  return failures.filter((f): f is string => f !== undefined);
}
