/**
 * The task's claim for a command-line process (no server in it): the same claim a server's restore
 * or delete takes, in the configured store, so a command never restores or deletes under a run.
 * - A PostgreSQL store (DP_STORE_URL) is shared: the claim is taken there, kept alive by a
 *   heartbeat while the work lasts, and released after.
 * - The embedded store can only be open in one process: when a server holds it, the command is
 *   refused (the API does the same thing safely); when nobody does, it is opened for the claim.
 * - Without a store, or for a directory the store does not know, no server can be running that
 *   task: the work goes ahead.
 */
import { existsSync } from 'node:fs';
import os from 'node:os';
import type { Settings } from '../config/settings.js';
import { openStoreDatabase, StoreInUseError } from '../db/embedded-store.js';
import type { SqlDatabase } from '../db/sql-database.js';
import { AppError, errorMessage, taskBusy } from '../errors.js';
import { migrate } from '../tasks/store/migrate.js';
import { CLAIM_ONLY_OPTIONS, TaskStore } from '../tasks/store/task-store.js';
import type { ClaimHolder } from './backups.js';

async function openStore(settings: Settings, action: string): Promise<SqlDatabase | undefined> {
  if (!settings.storeUrl && !existsSync(settings.embeddedStoreDir)) return undefined;
  try {
    const db = await openStoreDatabase(settings.storeUrl, settings.embeddedStoreDir);
    await migrate(db);
    return db;
  } catch (error) {
    if (error instanceof StoreInUseError) {
      throw new AppError(
        'TASK_RUNNING',
        `a server holds the task store (${error.message}); ${action} through its API instead (it answers 409 while the task's run holds it)`,
        {
          canRetry: true,
        },
      );
    }
    throw error;
  }
}

/** A claim holder for `taskId` in this process's configured store. */
export function localClaimHolder(settings: Settings, taskId: string): ClaimHolder {
  return async (action, mode, work) => {
    const db = await openStore(settings, action);
    if (!db) return work();
    try {
      const store = new TaskStore(db, 0);
      if (!(await store.getTask(taskId))) return await work();
      const claim = await store.claimRun({ taskId, mode, step: null, options: { ...CLAIM_ONLY_OPTIONS }, owner: `cli:${os.hostname()}:${process.pid}` });
      if ('conflict' in claim) throw taskBusy(taskId, claim.conflict, action);
      // Servers end claims whose heartbeat is older than DP_RUN_TTL_MS: keep this one alive.
      const beat = setInterval(() => void store.heartbeat([claim.run.run_id]).catch(() => undefined), settings.server.heartbeatMs);
      try {
        const result = await work();
        await store.releaseRun(claim.run, { status: 'completed', error: null });
        return result;
      } catch (error) {
        await store.releaseRun(claim.run, { status: 'failed', error: errorMessage(error) }).catch(() => undefined);
        throw error;
      } finally {
        clearInterval(beat);
      }
    } finally {
      await db.close();
    }
  };
}
