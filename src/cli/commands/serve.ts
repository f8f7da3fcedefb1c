/** `data-pipeline serve` (`npm start`): the REST API and task runner. */
import type { Settings } from '../../config/settings.js';
import { startServer } from '../../server/serve.js';

export async function serveCommand(settings: Settings, flags: { port?: string; host?: string }): Promise<number> {
  const port = flags.port !== undefined ? Number(flags.port) : undefined;
  if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65_535)) {
    process.stderr.write(`data-pipeline: --port must be an integer from 0 to 65535 (got ${JSON.stringify(flags.port)})\n`);
    return 2;
  }
  const effective = flags.host ? { ...settings, server: { ...settings.server, host: flags.host } } : settings;
  const server = await startServer(effective, { logger: { level: process.env.LOG_LEVEL ?? 'info' }, port, handleSignals: true, adoptFoldersAtStart: true });
  // A plain line whatever the log level, for people and for scripts that wait for the address.
  process.stderr.write(`data-pipeline: listening on ${server.url} (API docs: ${server.url}/docs)\n`);
  // The server keeps the process alive; SIGTERM/SIGINT stop it gracefully.
  return new Promise<number>(() => undefined);
}
