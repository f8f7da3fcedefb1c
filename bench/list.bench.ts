/**
 * bench:list — the task list when the data root holds many task folders. Every list first scans the
 * data root for folders without a record (adoption, services/adopt.ts), so its cost grows with the
 * folders there. BENCH_FOLDERS (default 1000) folders in the existing service's layout are written
 * before the server starts, which adopts them in the background once listening; the first list,
 * sent at once, waits for that scan (timed: the adoption of every folder), then autocannon measures
 * `GET /tasks?limit=50` (a scan that finds nothing new) against the trivial `GET /api/v0/health`
 * of the same server, in the same run. The server runs as its own process (`data-pipeline serve`,
 * embedded store by default, or DP_STORE_URL).
 */
import autocannon, { type Result } from 'autocannon';
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { listeningUrl } from './support/serve-process.js';

const FOLDERS = Number(process.env.BENCH_FOLDERS ?? 1000);
const DURATION_S = Number(process.env.BENCH_DURATION ?? 8);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10);

const root = await fs.mkdtemp(path.join(os.tmpdir(), 'dp-bench-list-'));
const dataRoot = path.join(root, 'training_data');

/** A folder as the existing service left it: config with a password, table list, one step's result, a log. */
async function writeFolder(index: number): Promise<void> {
  const day = String(1 + (index % 28)).padStart(2, '0');
  const taskId = `task_202506${day}_${String(100000 + index).slice(-6)}`;
  const dir = path.join(dataRoot, taskId);
  await fs.mkdir(dir, { recursive: true });
  const config = {
    task_id: taskId,
    created_at: `2025-06-${day}T10:00:00`,
    parameters: { db_connection: 'postgresql://app:Bench-Secret@127.0.0.1:5432/shop', business_context: 'shop' },
    output_directory: `data_pipeline/training_data/${taskId}`,
  };
  await fs.writeFile(path.join(dir, 'task_config.json'), JSON.stringify(config, null, 2));
  await fs.writeFile(path.join(dir, 'table_list.txt'), 'orders\ncustomers\n');
  await fs.writeFile(path.join(dir, 'ddl_generation_result.json'), JSON.stringify({ success: true }));
  await fs.writeFile(path.join(dir, 'data_pipeline.log'), '2025-06-01 10:00:01 [INFO] DDLGenerator: documenting 2 tables\n');
}

for (let i = 0; i < FOLDERS; i += 50) await Promise.all(Array.from({ length: Math.min(50, FOLDERS - i) }, (_, j) => writeFolder(i + j)));

const bin = fileURLToPath(new URL('../bin/data-pipeline.js', import.meta.url));
const server = spawn(process.execPath, [bin, 'serve', '--port', '0'], {
  env: { ...process.env, DP_TRAINING_DATA_DIR: dataRoot, DP_STORE_DIR: path.join(root, 'store'), LOG_LEVEL: 'warn' },
  stdio: ['ignore', 'inherit', 'pipe'],
});

try {
  const url = await listeningUrl(server);

  const LIST = '/api/v0/data_pipeline/tasks?limit=50';
  const started = performance.now();
  const first = await fetch(`${url}${LIST}`);
  const adoptMs = performance.now() - started;
  const total = ((await first.json()) as { data: { total: number } }).data.total;
  if (total !== FOLDERS) throw new Error(`the first list counted ${total} tasks, not the ${FOLDERS} folders`);

  const run = (route: string): Promise<Result> =>
    new Promise((resolve, reject) => {
      autocannon({ url: `${url}${route}`, connections: CONNECTIONS, duration: DURATION_S }, (error, result) => (error ? reject(error) : resolve(result)));
    });
  await run('/api/v0/health');
  await run(LIST);
  const trivial = await run('/api/v0/health');
  const list = await run(LIST);
  if (list.non2xx > 0 || trivial.non2xx > 0) throw new Error(`non-2xx answers: list ${list.non2xx}, trivial ${trivial.non2xx}`);

  const row = (label: string, r: Result) =>
    console.log(`${label.padEnd(44)} ${r.requests.average.toFixed(0).padStart(7)} req/s   p99 ${String(r.latency.p99).padStart(4)} ms`);
  console.log(
    `bench:list — ${FOLDERS} task folders, ${CONNECTIONS} connections, ${DURATION_S} s per route, store: ${process.env.DP_STORE_URL ? 'PostgreSQL' : 'embedded PGlite'}`,
  );
  console.log(
    `first list, sent when the server listens (waits for the adoption of every folder): ${(adoptMs / 1000).toFixed(2)} s, ${(adoptMs / FOLDERS).toFixed(2)} ms per folder`,
  );
  row('GET /api/v0/health (trivial)', trivial);
  row('GET /tasks?limit=50 (scan finds nothing new)', list);
  console.log(`ratio list / trivial: ${(list.requests.average / trivial.requests.average).toFixed(2)}x`);
} finally {
  server.kill('SIGTERM');
  await fs.rm(root, { recursive: true, force: true }).catch(() => undefined);
}
