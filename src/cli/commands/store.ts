/**
 * `data-pipeline store serve|push|export`: the training data where its consumers read it. `serve`
 * puts the embedded store on the PostgreSQL wire (what Vanna's PG_VectorStore connects to), `push`
 * copies it into a pgvector server, `export` writes the pairs as chat examples for fine-tuning.
 */
import type { Settings } from '../../config/settings.js';
import { errorMessage } from '../../errors.js';
import { exportTrainingPairs, pushEmbeddedStore, serveEmbeddedStore } from '../../services/store-tools.js';
import { redactUrl } from '../../util/redact.js';

const EXIT_OK = 0;
const EXIT_FAILED = 2;

export type StoreAction = 'serve' | 'push' | 'export';

export interface StoreFlags {
  host: string;
  port: string;
  maxConnections: string;
  to?: string;
  format: string;
  db?: string;
  task?: string;
  out: string;
  json?: boolean;
}

/** A problem with what was asked: printed as is, exit 2. */
class UsageError extends Error {}

function portOf(text: string): number {
  const port = Number(text);
  if (!/^\d+$/.test(text) || port > 65535) throw new UsageError(`--port ${text}: expected a port number, 0 (any free port) to 65535`);
  return port;
}

function checkTarget(url: string | undefined): string {
  if (!url) throw new UsageError('store push needs --to <postgresql://…>, the pgvector database to copy the store into');
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UsageError(`--to ${redactUrl(url)}: not a URL; expected postgresql://user@host:port/database`);
  }
  if (parsed.protocol !== 'postgresql:' && parsed.protocol !== 'postgres:') {
    throw new UsageError(`--to ${redactUrl(url)}: expected a postgresql:// URL`);
  }
  return url;
}

function maxConnectionsOf(text: string): number {
  const count = Number(text);
  if (!/^\d+$/.test(text) || count < 1 || count > 64) throw new UsageError(`--max-connections ${text}: expected a whole number from 1 to 64`);
  return count;
}

/** Serves until SIGINT or SIGTERM; resolves with the exit code once the store is closed. */
async function serve(settings: Settings, flags: StoreFlags): Promise<number> {
  const served = await serveEmbeddedStore(
    settings,
    {
      host: flags.host,
      port: portOf(flags.port),
      maxConnections: maxConnectionsOf(flags.maxConnections),
    },
    (message) => process.stderr.write(`data-pipeline store serve: warning: ${message}\n`),
  );
  const ready = flags.json
    ? JSON.stringify({ url: served.url, rows: served.rows })
    : `The training data (${served.rows} rows, a copy taken now) is served at ${served.url}\n` +
      '  tables langchain_pg_collection and langchain_pg_embedding (collections ddl, documentation, sql); what clients write is not kept\n' +
      `  ${flags.maxConnections === '1' ? 'one client connection at a time' : `up to ${flags.maxConnections} client connections`}; Ctrl-C stops it`;
  process.stdout.write(`${ready}\n`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await served.stop();
  return EXIT_OK;
}

export async function storeCommand(settings: Settings, action: string, flags: StoreFlags): Promise<number> {
  try {
    switch (action) {
      case 'serve':
        return await serve(settings, flags);
      case 'push': {
        const target = checkTarget(flags.to);
        const outcome = await pushEmbeddedStore(settings, target);
        process.stdout.write(
          flags.json
            ? `${JSON.stringify(outcome, null, 2)}\n`
            : `Pushed ${outcome.rows} rows of ${outcome.databases.length} database(s) to ${redactUrl(target)}; ${outcome.deleted} row(s) no longer in the store removed there\n`,
        );
        return EXIT_OK;
      }
      case 'export': {
        if (flags.format !== 'jsonl') throw new UsageError(`--format ${flags.format}: expected jsonl`);
        const written = await exportTrainingPairs(settings, { db: flags.db, task: flags.task }, flags.out);
        // With --out - the examples are the output: the count goes to stderr.
        const report = `Exported ${written} question/SQL pair(s)${flags.out === '-' ? '' : ` to ${flags.out}`}\n`;
        if (flags.out === '-') process.stderr.write(report);
        else process.stdout.write(flags.json ? `${JSON.stringify({ written, out: flags.out })}\n` : report);
        return EXIT_OK;
      }
      default:
        throw new UsageError(`store ${action}: unknown action; expected serve, push or export`);
    }
  } catch (error) {
    // With --json, scripts read the failure as JSON too.
    process.stderr.write(
      flags.json ? `${JSON.stringify({ error: errorMessage(error), action })}\n` : `data-pipeline store ${action}: ${errorMessage(error)}\n`,
    );
    return EXIT_FAILED;
  }
}
