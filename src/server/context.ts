import type { FileOps } from '../backup/file-ops.js';
import type { Settings } from '../config/settings.js';
import type { SqlDatabase } from '../db/sql-database.js';
import type { SourceConnection } from '../source/source-database.js';
import type { DataRoot } from '../tasks/data-root.js';
import type { TaskEventHub } from '../tasks/event-hub.js';
import type { TaskRunner } from '../tasks/runner.js';
import type { TaskStore } from '../tasks/store/task-store.js';

/** What the routes use; built once by `serve.ts` (or a test). */
export interface AppContext {
  settings: Settings;
  store: TaskStore;
  /** The database behind `store` (vectors go there too unless a task says otherwise). */
  storeDb: SqlDatabase;
  dataRoot: DataRoot;
  runner: TaskRunner;
  events: TaskEventHub;
  /** The bundled sample database, opened on first use and shared. */
  sampleSource: () => Promise<SourceConnection>;
  /** Aborted when the server starts stopping: long-lived responses (SSE) end. */
  shutdown: AbortSignal;
  /** The file operations of backups (a test makes one fail to see the failure handled). */
  backupOps?: FileOps;
}
