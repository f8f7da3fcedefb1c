/**
 * What the use cases work with: settings, the task store, the data root, the runner and the event
 * hub, built once by `runtime.ts` (the server) or by a test. The edges (routes, CLI) hold one and
 * pass it to the service functions; they never reach the parts directly.
 */
import type { FileOps } from '../backup/file-ops.js';
import type { Settings } from '../config/settings.js';
import type { SqlDatabase } from '../db/sql-database.js';
import type { SourceConnection } from '../source/source-database.js';
import type { DataRoot } from '../task-directory/data-root.js';
import type { TaskEventHub } from '../tasks/event-hub.js';
import type { TaskRunner } from '../tasks/runner.js';
import type { TaskStore } from '../tasks/store/task-store.js';

/** Where a use case reports what it did (the server's request log). */
export interface ServiceLog {
  info(obj: Record<string, unknown>, msg: string): void;
  warn(obj: Record<string, unknown>, msg: string): void;
  error(obj: Record<string, unknown>, msg: string): void;
}

export interface ServiceContext {
  settings: Settings;
  store: TaskStore;
  /** The database behind `store` (vectors go there too unless a task says otherwise). */
  storeDb: SqlDatabase;
  dataRoot: DataRoot;
  runner: TaskRunner;
  events: TaskEventHub;
  /** The bundled sample database, opened on first use and shared. */
  sampleSource: () => Promise<SourceConnection>;
  /** The file operations of backups (a test makes one fail to see the failure handled). */
  backupOps?: FileOps;
}

export const SILENT_LOG: ServiceLog = { info: () => undefined, warn: () => undefined, error: () => undefined };
