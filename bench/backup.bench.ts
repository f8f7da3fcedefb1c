/**
 * bench:backup — moving the earlier files of a task directory holding 10,000 small files aside,
 * against `mv` of the same files into a directory, in the same run (each on a fresh copy of the
 * files, interleaved). Two figures of ours, each against the same mv runs, target at most 1.5× mv:
 *
 * - the file backup alone (`backupTaskDirectory`, in this process);
 * - `POST /tasks/{id}/execute` of a complete run, timed by the client: the server (`data-pipeline
 *   serve`, its own process, embedded store, default settings and log level, its log read through a
 *   pipe) claims the task, backs its files up, records the statistics and answers 202 after the
 *   backup. Printed with it: the backup's own duration as the server reports it (`data.backup.duration_ms`)
 *   and the same execute without a backup (`backup_existing_files: false`, a task holding only its
 *   table list), i.e. what the request costs besides the backup. Each run is cancelled and waited
 *   for before the next measurement.
 *
 *   npm run bench:backup     (builds dist/ first when src/ changed)
 *
 * BENCH_FILES changes the number of files. A benchmark reports; it exits 0 even when the target is missed.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { listeningUrl } from './support/serve-process.js';
import { fileURLToPath } from 'node:url';
import { backupTaskDirectory } from '../src/backup/file-backup.js';

const FILES = Number(process.env.BENCH_FILES ?? 10_000);
const RUNS = 5;
const TARGET_RATIO = 1.5;
const BIN = fileURLToPath(new URL('../bin/data-pipeline.js', import.meta.url));
const BASE = '/api/v0/data_pipeline/tasks';

async function makeTaskDir(root: string, label: string): Promise<{ dir: string; names: string[] }> {
  const dir = path.join(root, label);
  await fs.mkdir(dir, { recursive: true });
  const names: string[] = [];
  for (let i = 0; i < FILES; i += 1) {
    const name = `f${String(i).padStart(5, '0')}.${['ddl', 'md', 'json', 'log'][i % 4]}`;
    names.push(name);
    await fs.writeFile(path.join(dir, name), `content of file ${i}\n`);
  }
  await fs.writeFile(path.join(dir, 'table_list.txt'), 'orders\n');
  return { dir, names };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

interface Server {
  url: string;
  child: ChildProcess;
  /** Bytes of log the server wrote (stdout), read and dropped by the bench. */
  logBytes: () => number;
}

/** `data-pipeline serve --port 0` with its data root, store and cache under `root`. */
async function startServer(root: string): Promise<Server> {
  const child = spawn(process.execPath, [BIN, 'serve', '--port', '0'], {
    env: {
      ...process.env,
      DP_TRAINING_DATA_DIR: path.join(root, 'training_data'),
      DP_STORE_DIR: path.join(root, 'store'),
      DP_CACHE_DIR: path.join(root, 'cache'),
      LOG_LEVEL: process.env.LOG_LEVEL ?? 'info',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let logBytes = 0;
  child.stdout?.on('data', (chunk: Buffer) => (logBytes += chunk.length));
  const url = await listeningUrl(child);
  return { url, child, logBytes: () => logBytes };
}

type Body = { code: number; message: string; data: Record<string, unknown> };

async function call(server: Server, method: string, route: string, body?: unknown): Promise<{ status: number; body: Body }> {
  const response = await fetch(`${server.url}${route}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Body };
}

async function expectStatus(server: Server, method: string, route: string, status: number, body?: unknown): Promise<Body> {
  const result = await call(server, method, route, body);
  if (result.status !== status) throw new Error(`${method} ${route}: ${result.status} (expected ${status}): ${JSON.stringify(result.body).slice(0, 500)}`);
  return result.body;
}

/** A task on the bundled sample database with a one-table list (runs stay short). */
async function createTask(server: Server, name: string): Promise<string> {
  const created = await expectStatus(server, 'POST', BASE, 201, { task_name: name, db_connection: 'sample', business_context: 'benchmark' });
  const taskId = created.data.task_id as string;
  await expectStatus(server, 'POST', `${BASE}/${taskId}/table-list`, 200, { tables: ['orders'] });
  return taskId;
}

/** Cancels the task's run (if still active) and waits until it has ended, so the next measurement runs alone. */
async function endRun(server: Server, taskId: string): Promise<void> {
  await call(server, 'POST', `${BASE}/${taskId}/cancel`);
  const deadline = Date.now() + 120_000;
  for (;;) {
    const task = await expectStatus(server, 'GET', `${BASE}/${taskId}`, 200);
    if (!task.data.active_run) return;
    if (Date.now() > deadline) throw new Error(`the run of ${taskId} did not end within 120 s`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Times `POST /execute` (complete) by the client; returns the ms and the response's `data.backup`. */
async function timeExecute(
  server: Server,
  taskId: string,
  body: Record<string, unknown>,
): Promise<{ ms: number; backup: Record<string, unknown> | undefined }> {
  const started = performance.now();
  const result = await call(server, 'POST', `${BASE}/${taskId}/execute`, { execution_mode: 'complete', ...body });
  const ms = performance.now() - started;
  if (result.status !== 202) throw new Error(`POST execute: ${result.status}: ${JSON.stringify(result.body).slice(0, 500)}`);
  return { ms, backup: result.body.data.backup as Record<string, unknown> | undefined };
}

function line(label: string, values: number[]): string {
  return `  ${label.padEnd(40)} ${median(values).toFixed(1).padStart(8)} ms   runs: ${values.map((v) => v.toFixed(0)).join(', ')}`;
}

const root = await fs.mkdtemp(path.join(os.tmpdir(), 'dp-bench-backup-'));
let server: Server | undefined;
try {
  server = await startServer(path.join(root, 'server'));
  const dataRoot = path.join(root, 'server', 'training_data');
  // The first run also builds the sample database's snapshot (cached for the others).
  const warm = await createTask(server, 'warm-up');
  await timeExecute(server, warm, {});
  await endRun(server, warm);

  const ours: number[] = [];
  const mv: number[] = [];
  const executes: number[] = [];
  const executeBackups: number[] = [];
  const executesWithoutBackup: number[] = [];
  for (let run = 0; run <= RUNS; run += 1) {
    // mv: one process moving every file, as a person would (`mv f* file_bak_x/`).
    const forMv = await makeTaskDir(root, `mv_${run}`);
    await fs.mkdir(path.join(forMv.dir, 'file_bak_mv'));
    let started = performance.now();
    execFileSync('mv', ['-t', path.join(forMv.dir, 'file_bak_mv'), ...forMv.names.map((n) => path.join(forMv.dir, n))]);
    const mvMs = performance.now() - started;

    const forUs = await makeTaskDir(root, `ours_${run}`);
    started = performance.now();
    const outcome = await backupTaskDirectory(forUs.dir, { taskId: 'bench', trigger: 'execute' });
    const ourMs = performance.now() - started;
    if (outcome.record?.moved_files.length !== FILES) throw new Error(`the backup moved ${outcome.record?.moved_files.length} of ${FILES} files`);

    // POST /execute of a complete run on a task holding the same files.
    const taskId = await createTask(server, `bench-${run}`);
    await makeTaskDir(dataRoot, taskId);
    const execute = await timeExecute(server, taskId, {});
    if (execute.backup?.moved_count !== FILES)
      throw new Error(`execute moved ${String(execute.backup?.moved_count)} of ${FILES} files: ${JSON.stringify(execute.backup)}`);
    await endRun(server, taskId);

    // The same request without a backup: what it costs besides the backup.
    const plainId = await createTask(server, `bench-plain-${run}`);
    const plain = await timeExecute(server, plainId, { backup_existing_files: false });
    await endRun(server, plainId);

    // The first run of each warms caches and is not counted.
    if (run > 0) {
      mv.push(mvMs);
      ours.push(ourMs);
      executes.push(execute.ms);
      executeBackups.push(Number(execute.backup.duration_ms));
      executesWithoutBackup.push(plain.ms);
    }
    await fs.rm(forMv.dir, { recursive: true, force: true });
    await fs.rm(forUs.dir, { recursive: true, force: true });
    await fs.rm(path.join(dataRoot, taskId), { recursive: true, force: true });
  }
  const ratio = median(ours) / median(mv);
  const executeRatio = median(executes) / median(mv);
  console.log(`bench:backup — ${FILES.toLocaleString('en-US')} small files, median of ${RUNS} runs after a warm-up`);
  console.log(line('mv (one process)', mv));
  console.log(line('our backup (journal, record)', ours));
  console.log(line('POST /execute, complete (client)', executes));
  console.log(line('  of which the backup (server-reported)', executeBackups));
  console.log(line('  the same execute without a backup', executesWithoutBackup));
  console.log(`  server log written during the benchmark: ${(server.logBytes() / 1024).toFixed(0)} KiB`);
  console.log(`  ratio our backup / mv: ${ratio.toFixed(2)}x (target <= ${TARGET_RATIO}x) ${ratio <= TARGET_RATIO ? 'MET' : 'MISSED'}`);
  console.log(`  ratio POST /execute / mv: ${executeRatio.toFixed(2)}x (target <= ${TARGET_RATIO}x) ${executeRatio <= TARGET_RATIO ? 'MET' : 'MISSED'}`);
} finally {
  server?.child.kill('SIGTERM');
  if (server && server.child.exitCode === null) await new Promise((resolve) => server?.child.once('exit', resolve));
  await fs.rm(root, { recursive: true, force: true });
}
