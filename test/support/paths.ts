/**
 * Paths shared by the test files and the global setup. Kept apart from env.ts, which reads the
 * test database URL handed to the workers and so cannot be loaded by the global setup itself.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const PROJECT_ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** Shared between test files and runs: the sample snapshot is built once. */
export const TEST_CACHE_DIR = path.join(PROJECT_ROOT, 'test-output', 'cache');
