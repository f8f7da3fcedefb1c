/**
 * Starting and stopping the service: opens the store (embedded PGlite or PostgreSQL) and applies
 * its migrations, ends runs orphaned by an earlier stop, starts the runner and the HTTP server, and
 * on SIGTERM/SIGINT stops taking work, lets running tasks reach a final status, and closes.
 */
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import { recoverInterruptedBackups } from '../backup/file-backup.js';
import type { FileOps } from '../backup/file-ops.js';
import type { Settings } from '../config/settings.js';
import { openStoreDatabase } from '../db/embedded-store.js';
import { openSource, SAMPLE_SOURCE, type SourceConnection } from '../source/source-database.js';
import { DataRoot } from '../tasks/data-root.js';
import { TaskEventHub } from '../tasks/event-hub.js';
import { TaskRunner, type RunnerLogger } from '../tasks/runner.js';
import { migrate } from '../tasks/store/migrate.js';
import { TaskStore } from '../tasks/store/task-store.js';
import { redactUrl } from '../util/redact.js';
import { buildApp } from './app.js';
import type { AppContext } from './context.js';

export interface RunningServer {
  app: FastifyInstance;
  ctx: AppContext;
  /** The address it listens on, e.g. http://127.0.0.1:8084. */
  url: string;
  /** Graceful stop: no new work, running tasks end with a final status, everything closed. */
  close(): Promise<void>;
}

export interface StartOptions {
  logger?: boolean | Record<string, unknown>;
  /** Listen here instead of settings.server.port (0: any free port). */
  port?: number;
  /** Install SIGTERM/SIGINT handlers (the CLI does; tests do not). */
  handleSignals?: boolean;
  /** File operations for backups (tests inject a failing one). */
  backupOps?: FileOps;
}

/** Completes file backups a crash interrupted, in every task directory, before any new run. */
async function recoverBackups(dataRoot: DataRoot, log: FastifyBaseLogger): Promise<void> {
  for (const taskId of await dataRoot.taskIds()) {
    try {
      const dir = await dataRoot.taskDir(taskId);
      for (const line of await recoverInterruptedBackups(dir.path)) log.warn({ task_id: taskId }, line.message);
    } catch (error) {
      log.error({ task_id: taskId, error: error instanceof Error ? error.message : String(error) }, 'cannot check the backups of this task');
    }
  }
}

export async function startServer(settings: Settings, options: StartOptions = {}): Promise<RunningServer> {
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
  const dataRoot = await DataRoot.open(settings.trainingDataDir);
  const events = new TaskEventHub(store);

  let sample: Promise<SourceConnection> | undefined;
  const sampleSource = () => {
    sample ??= openSource(SAMPLE_SOURCE, { cacheDir: settings.cacheDir, statementTimeoutMs: settings.statementTimeoutMs, maxConnections: 1 });
    return sample;
  };

  // Placeholder until the app (and its logger) exists: the runner logs through Fastify's logger.
  let log: RunnerLogger = { info: () => undefined, warn: () => undefined, error: () => undefined };
  const runner = new TaskRunner({
    store,
    dataRoot,
    settings,
    events,
    log: { info: (o, m) => log.info(o, m), warn: (o, m) => log.warn(o, m), error: (o, m) => log.error(o, m) },
    owner: `${os.hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`,
    maxConcurrent: settings.server.maxConcurrentTasks,
    heartbeatMs: settings.server.heartbeatMs,
    runTtlMs: settings.server.runTtlMs,
    // The embedded store is held open by this process: vectors must go through the same handle.
    sharedStore: settings.storeUrl ? undefined : storeDb,
    sampleSource,
  });
  const stopping = new AbortController();
  const ctx: AppContext = { settings, store, storeDb, dataRoot, runner, events, sampleSource, shutdown: stopping.signal, backupOps: options.backupOps };
  const app = await buildApp(ctx, { logger: options.logger });
  log = app.log;
  await recoverBackups(dataRoot, app.log);
  await runner.start({ exclusiveStore: !settings.storeUrl });

  const address = await app.listen({ host: settings.server.host, port: options.port ?? settings.server.port });
  app.log.info({ store: settings.storeUrl ? redactUrl(settings.storeUrl) : settings.embeddedStoreDir, data_root: dataRoot.path }, `listening on ${address}`);

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      app.log.info('stopping: no new work; running tasks are interrupted and recorded');
      stopping.abort();
      const appClosed = app.close();
      await runner.shutdown(settings.server.shutdownGraceMs);
      await appClosed;
      if (sample) await (await sample).close().catch(() => undefined);
      await storeDb.close();
    })();
    return closing;
  };
  if (options.handleSignals) {
    const onSignal = () => void close().then(() => process.exit(0));
    process.once('SIGTERM', onSignal);
    process.once('SIGINT', onSignal);
  }
  return { app, ctx, url: address, close };
}
