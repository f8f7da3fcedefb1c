/**
 * Runs in every test file (vitest `setupFiles`): after the file's tests and its own afterAll hooks
 * (hooks run in reverse order of registration, and these are registered first), removes the
 * temporary directories the file made with `makeTempDir()`, PGlite stores and task roots included.
 */
import { afterAll } from 'vitest';
import { removeTempDirsOfThisFile } from './temp-dirs.js';

afterAll(async () => {
  const left = await removeTempDirsOfThisFile();
  // Not a failure of the file's tests, but said: something still held a directory.
  if (left.length > 0) console.warn(`[test cleanup] could not remove:\n  ${left.join('\n  ')}`);
});
