/**
 * Opening and closing everything the use cases need, once per process: the store (embedded PGlite
 * or PostgreSQL, migrated, its step rows synced with the step registry), the data root (backups a
 * crash interrupted completed first), the event hub, the shared sample database and the runner
 * (runs orphaned by an earlier stop ended). The server and the tests call it; closing it lets
 * running tasks reach a final status.
 */
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import { recoverInterruptedBackups } from '../backup/file-backup.js';
import type { FileOps } from '../backup/file-ops.js';

export type { FileOps };
import type { Settings } from '../config/settings.js';
import { openStoreDatabase } from '../db/embedded-store.js';
import { errorMessage } from '../errors.js';
import { openSource, SAMPLE_SOURCE, type SourceConnection } from '../source/source-database.js';
import { DataRoot } from '../task-directory/data-root.js';
import { TaskEventHub } from '../tasks/event-hub.js';
import { TaskRunner } from '../tasks/runner.js';
import { migrate } from '../tasks/store/migrate.js';
import { TaskStore } from '../tasks/store/task-store.js';
import type { ServiceContext, ServiceLog } from './context.js';

export interface Services extends ServiceContext {
  /** Stops taking work, lets running tasks record a final status, closes the store. */
  close(): Promise<void>;
}

/** Completes file backups a crash interrupted, in every task directory, before any new run. */
async function recoverBackups(dataRoot: DataRoot, log: ServiceLog): Promise<void> {
  for (const taskId of await dataRoot.taskIds()) {
    try {
      const dir = await dataRoot.taskDir(taskId);
      for (const line of await recoverInterruptedBackups(dir.path)) log.warn({ task_id: taskId }, line.message);
    } catch (error) {
      log.error({ task_id: taskId, error: errorMessage(error) }, 'cannot check the backups of this task');
    }
  }
}

export async function openServices(settings: Settings, options: { log: () => ServiceLog; backupOps?: FileOps }): Promise<Services> {
  const log: ServiceLog = {
    info: (o, m) => options.log().info(o, m),
    warn: (o, m) => options.log().warn(o, m),
    error: (o, m) => options.log().error(o, m),
  };
  const storeDb = await openStoreDatabase(settings.storeUrl, settings.embeddedStoreDir);
  try {
    await migrate(storeDb);
  } catch (error) {
    await storeDb.close();
    throw error;
  }
  // Only this process writes to an embedded store, so its cache never goes stale; a shared
  // PostgreSQL store may be changed by another process, seen here within the TTL.
  const store = new TaskStore(storeDb, settings.storeUrl ? 250 : Number.POSITIVE_INFINITY);
  // A step added to the registry gets its rows in the tasks created before it.
  await store.syncStepRows();
  const dataRoot = await DataRoot.open(settings.trainingDataDir);
  const events = new TaskEventHub(store);

  let sample: Promise<SourceConnection> | undefined;
  const sampleSource = () => {
    sample ??= openSource(SAMPLE_SOURCE, { cacheDir: settings.cacheDir, statementTimeoutMs: settings.statementTimeoutMs, maxConnections: 1 });
    return sample;
  };

  const runner = new TaskRunner({
    store,
    dataRoot,
    settings,
    events,
    log,
    owner: `${os.hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`,
    maxConcurrent: settings.server.maxConcurrentTasks,
    heartbeatMs: settings.server.heartbeatMs,
    runTtlMs: settings.server.runTtlMs,
    // The embedded store is held open by this process: vectors must go through the same handle.
    sharedStore: settings.storeUrl ? undefined : storeDb,
    sampleSource,
  });
  await recoverBackups(dataRoot, log);
  await runner.start({ exclusiveStore: !settings.storeUrl });

  let closing: Promise<void> | undefined;
  return {
    settings,
    store,
    storeDb,
    dataRoot,
    runner,
    events,
    sampleSource,
    backupOps: options.backupOps,
    close() {
      closing ??= (async () => {
        await runner.shutdown(settings.server.shutdownGraceMs);
        if (sample) await (await sample).close().catch(() => undefined);
        await storeDb.close();
      })();
      return closing;
    },
  };
}
