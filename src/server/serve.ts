/**
 * Starting and stopping the service: opens the store (embedded PGlite or PostgreSQL) and applies
 * its migrations, ends runs orphaned by an earlier stop, starts the runner and the HTTP server, and
 * on SIGTERM/SIGINT stops taking work, lets running tasks reach a final status, and closes.
 */
import type { Settings } from '../config/settings.js';
import { SILENT_LOG, type ServiceLog } from '../services/context.js';
import { openServices, type FileOps } from '../services/runtime.js';
import { adoptUnknownFolders } from '../services/adopt.js';
import { redactUrl } from '../util/redact.js';
import { buildApp } from './app.js';
import type { ApiServer, AppContext } from './context.js';

export interface RunningServer {
  app: ApiServer;
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
  /** Called with the app before it listens (tests observe its responses). */
  configure?: (app: ApiServer) => void;
  /**
   * Adopt the task folders without a record in the background once listening (`data-pipeline
   * serve`): a data root of old folders is adopted before anyone lists it (about 10 ms a folder),
   * instead of during the first list. A list meanwhile waits for the same scan.
   */
  adoptFoldersAtStart?: boolean;
}

export async function startServer(settings: Settings, options: StartOptions = {}): Promise<RunningServer> {
  // The services log through the app's logger once it exists.
  let log: ServiceLog = SILENT_LOG;
  const services = await openServices(settings, { log: () => log, backupOps: options.backupOps });
  const stopping = new AbortController();
  const ctx: AppContext = { services, shutdown: stopping.signal };
  let app: ApiServer;
  try {
    app = await buildApp(ctx, { logger: options.logger });
  } catch (error) {
    await services.close();
    throw error;
  }
  log = app.log;
  options.configure?.(app);
  const address = await app.listen({ host: settings.server.host, port: options.port ?? settings.server.port });
  app.log.info(
    { store: settings.storeUrl ? redactUrl(settings.storeUrl) : settings.embeddedStoreDir, data_root: services.dataRoot.path },
    `listening on ${address}`,
  );
  if (options.adoptFoldersAtStart) {
    void adoptUnknownFolders(services).then(
      (adopted) => adopted.length > 0 && app.log.info({ adopted: adopted.length }, `adopted ${adopted.length} task folder(s) without a record`),
      (error: unknown) => app.log.warn({ err: error }, 'could not adopt the task folders at start; a list will try again'),
    );
  }

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      app.log.info('stopping: no new work; running tasks are interrupted and recorded');
      stopping.abort();
      const appClosed = app.close();
      await services.close();
      await appClosed;
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
