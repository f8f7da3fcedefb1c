/**
 * bench:api — autocannon against `GET /api/v0/data_pipeline/tasks/{id}` and a trivial route
 * (`GET /api/v0/health`) of the same server, in the same run. The server runs as its own process
 * (`data-pipeline serve`, embedded store by default, or DP_STORE_URL) so the load generator does not
 * share its event loop. Prints requests/s and p99 latency of both and the ratio.
 * Target: the task route at least 0.5× the trivial route's requests/s.
 */
import autocannon, { type Result } from 'autocannon';
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { listeningUrl } from './support/serve-process.js';

const DURATION_S = Number(process.env.BENCH_DURATION ?? 8);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10);
const TARGET_RATIO = 0.5;

const root = await fs.mkdtemp(path.join(os.tmpdir(), 'dp-bench-api-'));
const bin = fileURLToPath(new URL('../bin/data-pipeline.js', import.meta.url));
const server = spawn(process.execPath, [bin, 'serve', '--port', '0'], {
  env: {
    ...process.env,
    DP_TRAINING_DATA_DIR: path.join(root, 'training_data'),
    DP_STORE_DIR: path.join(root, 'store'),
    LOG_LEVEL: 'warn',
  },
  stdio: ['ignore', 'inherit', 'pipe'],
});
const cleanup = async () => {
  server.kill('SIGTERM');
  await fs.rm(root, { recursive: true, force: true }).catch(() => undefined);
};

try {
  // `serve` prints "listening on <url>" on stderr once it accepts connections.
  const url = await listeningUrl(server);

  const created = await fetch(`${url}/api/v0/data_pipeline/tasks`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ task_name: 'bench', business_context: 'benchmark' }),
  });
  const taskId = ((await created.json()) as { data: { task_id: string } }).data.task_id;

  const run = (route: string): Promise<Result> =>
    new Promise((resolve, reject) => {
      autocannon({ url: `${url}${route}`, connections: CONNECTIONS, duration: DURATION_S }, (error, result) => (error ? reject(error) : resolve(result)));
    });

  // Warm-up of both routes, then the measured runs.
  await run('/api/v0/health');
  await run(`/api/v0/data_pipeline/tasks/${taskId}`);
  const trivial = await run('/api/v0/health');
  const task = await run(`/api/v0/data_pipeline/tasks/${taskId}`);
  if (task.non2xx > 0 || trivial.non2xx > 0) throw new Error(`non-2xx answers: task ${task.non2xx}, trivial ${trivial.non2xx}`);

  const ratio = task.requests.average / trivial.requests.average;
  const row = (label: string, r: Result) =>
    console.log(`${label.padEnd(38)} ${r.requests.average.toFixed(0).padStart(7)} req/s   p99 ${String(r.latency.p99).padStart(4)} ms`);
  console.log(`bench:api — ${CONNECTIONS} connections, ${DURATION_S} s per route, store: ${process.env.DP_STORE_URL ? 'PostgreSQL' : 'embedded PGlite'}`);
  row('GET /api/v0/health (trivial)', trivial);
  row('GET /api/v0/data_pipeline/tasks/{id}', task);
  console.log(`ratio task / trivial: ${ratio.toFixed(2)}x (target >= ${TARGET_RATIO}x) ${ratio >= TARGET_RATIO ? 'MET' : 'MISSED'}`);
} finally {
  await cleanup();
}
