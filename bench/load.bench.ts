/**
 * bench:load — training_load of a training set of 1,000 documents (pairs) into the embedded store,
 * with an OpenAI-compatible embedder (our scripted server, 20 ms per request, in this process),
 * then the same set loaded again unchanged. Prints both times, the embedding requests of each, and
 * the ratio. Target: the reload makes no embedding request and takes at most 0.2× the first load.
 */
import path from 'node:path';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import { loadSettings } from '../src/config/settings.js';
import { TaskDirectory } from '../src/task-directory/task-dir.js';
import { runWorkflow } from '../src/workflow/orchestrator.js';
import { workflowOptions } from '../src/workflow/run-options.js';
import { startScriptedOpenAI } from '../test/support/scripted-openai-server.js';

const DOCUMENTS = 1_000;
const DIM = 384;
const TARGET = 0.2;

const root = await fs.mkdtemp(path.join(os.tmpdir(), 'dp-bench-load-'));
const server = await startScriptedOpenAI({ embeddingDim: DIM, latencyMs: 20 });
try {
  const settings = loadSettings(
    {
      DP_TRAINING_DATA_DIR: path.join(root, 'training_data'),
      DP_STORE_DIR: path.join(root, 'store'),
      DP_CACHE_DIR: path.join(root, 'cache'),
      EMBEDDING_PROVIDER: 'openai',
      EMBEDDING_BASE_URL: server.baseURL,
      EMBEDDING_MODEL: 'bench-embedding',
      EMBEDDING_DIM: String(DIM),
    },
    root,
  );
  const dir = await TaskDirectory.open(path.join(settings.trainingDataDir, 'bench_load'), { create: true });
  const pairs = Array.from({ length: DOCUMENTS }, (_, i) => ({
    question: `How many orders did customer ${i} place?`,
    sql: `SELECT COUNT(*) FROM public.orders WHERE customer_id = ${i}`,
  }));
  await dir.writeFile('qs_bench_20250101_000000_pair.json', JSON.stringify(pairs));
  const options = workflowOptions({ task_id: 'bench_load', db_connection: 'sample' });
  const load = async () => {
    server.reset();
    const started = performance.now();
    const result = await runWorkflow({ dir, settings, options, mode: 'step', step: 'training_load' });
    if (result.status !== 'completed') throw new Error(`training_load failed: ${result.error_message}`);
    return { ms: performance.now() - started, requests: server.embeddingRequests.length, sync: result.steps[0]?.result.sync };
  };
  const first = await load();
  const reloads = [await load(), await load(), await load()];
  const reload = reloads.map((r) => r.ms).sort((a, b) => a - b)[1] as number;
  const ratio = reload / first.ms;
  const requests = reloads.reduce((n, r) => n + r.requests, 0);
  process.stdout.write(
    [
      `bench:load — ${DOCUMENTS} documents, embedded store, scripted embedder (20 ms per request of ${settings.embedding.batchSize})`,
      `  first load          ${(first.ms / 1000).toFixed(3)} s   ${first.requests} embedding request(s)   ${JSON.stringify(first.sync)}`,
      `  reload, unchanged   ${(reload / 1000).toFixed(3)} s   ${requests} embedding request(s) in 3 reloads (median time)   ${JSON.stringify(reloads[1]?.sync)}`,
      `  ratio reload / first load: ${ratio.toFixed(3)}x (target <= ${TARGET}x, and no embedding request) ${ratio <= TARGET && requests === 0 ? 'MET' : 'MISSED'}`,
      '',
    ].join('\n'),
  );
} finally {
  await server.close();
  await fs.rm(root, { recursive: true, force: true });
}
