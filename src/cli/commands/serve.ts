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
  await startServer(effective, { logger: { level: process.env.LOG_LEVEL ?? 'info' }, port, handleSignals: true });
  // The server keeps the process alive; SIGTERM/SIGINT stop it gracefully.
  return new Promise<number>(() => undefined);
}
