/**
 * bench:rerun — the sample database on a PostgreSQL server, the scripted OpenAI-compatible LLM
 * answering after 200 ms (embeddings too): a first complete run, a re-run on the unchanged schema,
 * then a re-run after one table changed (a column added). Prints wall times, LLM calls and
 * embedding requests of each, and the figures against the targets:
 * - unchanged: at most 0.1× the first run's wall time, with 0 LLM calls;
 * - one table changed: LLM calls at most that table's share of the first run's calls (its comment
 *   call) plus the pairs calls of the themes that involve it.
 *
 * Environment: DP_BENCH_SERVER_URL (default postgresql://postgres@127.0.0.1:5432/postgres).
 */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { loadSettings } from '../src/config/settings.js';
import { sampleDatabaseScript } from '../src/source/sample/index.js';
import { TaskDirectory } from '../src/task-directory/task-dir.js';
import type { ThemesFile } from '../src/workflow/incremental/theme-plan.js';
import { runWorkflow } from '../src/workflow/orchestrator.js';
import { workflowOptions } from '../src/workflow/run-options.js';
import { answerWell } from '../test/support/openai-answers.js';
import { startScriptedOpenAI } from '../test/support/scripted-openai-server.js';

const SERVER_URL = process.env.DP_BENCH_SERVER_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const TABLES = ['regions', 'stores', 'product_categories', 'products', 'customers', 'inventory', 'orders', 'order_items', 'payments'];
const CHANGED = 'inventory';
const LATENCY_MS = 200;
const TARGET_RATIO = 0.1;

async function admin(url: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

const dbName = `dp_bench_rerun_${randomBytes(3).toString('hex')}`;
const dbUrl = (() => {
  const url = new URL(SERVER_URL);
  url.pathname = `/${dbName}`;
  return url.toString();
})();
const root = await fs.mkdtemp(path.join(os.tmpdir(), 'dp-bench-rerun-'));
const llm = await startScriptedOpenAI({ defaultChat: answerWell, latencyMs: LATENCY_MS, embeddingDim: 64 });
await admin(SERVER_URL, `CREATE DATABASE ${dbName}`);
try {
  await admin(dbUrl, sampleDatabaseScript());
  const settings = loadSettings(
    {
      LLM_PROVIDER: 'openai',
      LLM_BASE_URL: llm.baseURL,
      LLM_MODEL: 'bench-model',
      EMBEDDING_PROVIDER: 'openai',
      EMBEDDING_MODEL: 'bench-embedding',
      EMBEDDING_DIM: '64',
      DP_TRAINING_DATA_DIR: path.join(root, 'training_data'),
      DP_STORE_DIR: path.join(root, 'store'),
      DP_CACHE_DIR: path.join(root, 'cache'),
    },
    root,
  );
  const dir = await TaskDirectory.open(path.join(settings.trainingDataDir, 'bench_rerun'), { create: true });
  await dir.writeFile('table_list.txt', `${TABLES.join('\n')}\n`);
  const options = workflowOptions({ task_id: 'bench_rerun', db_connection: dbUrl, business_context: 'Outdoor gear retailer' });
  const run = async () => {
    const chats = llm.chatRequests.length;
    const embeddings = llm.embeddingRequests.length;
    const started = performance.now();
    const result = await runWorkflow({ dir, settings, options, mode: 'complete' });
    if (result.status !== 'completed') throw new Error(`the run failed: ${result.error_message}`);
    return {
      ms: performance.now() - started,
      calls: llm.chatRequests.length - chats,
      embeddings: llm.embeddingRequests.length - embeddings,
      reuse: result.reuse,
    };
  };

  const first = await run();
  const unchanged = await run();
  const themes = JSON.parse(await dir.readText('qa_themes.json')) as ThemesFile;
  const involving = themes.themes.filter((t) => t.theme.related_tables.includes(CHANGED)).length;
  await admin(dbUrl, `ALTER TABLE public.${CHANGED} ADD COLUMN bench_note text`);
  const changed = await run();

  const ratio = unchanged.ms / first.ms;
  // The changed table's share of the first run: its one comment call; plus a pairs call per theme involving it.
  const allowed = 1 + involving;
  const line = (label: string, r: typeof first) =>
    `  ${label.padEnd(26)} ${(r.ms / 1000).toFixed(3)} s   ${String(r.calls).padStart(3)} LLM call(s)   ${String(r.embeddings).padStart(3)} embedding request(s)   cache ${r.reuse.llm.hits} hit(s)`;
  process.stdout.write(
    [
      `bench:rerun — ${TABLES.length} tables of the sample database on ${new URL(SERVER_URL).host}, scripted LLM answering after ${LATENCY_MS} ms`,
      line('first run', first),
      line('re-run, unchanged', unchanged),
      line(`re-run, ${CHANGED} changed`, changed),
      `  unchanged / first: ${ratio.toFixed(3)}x with ${unchanged.calls} LLM call(s) (target <= ${TARGET_RATIO}x and 0 calls) ${ratio <= TARGET_RATIO && unchanged.calls === 0 ? 'MET' : 'MISSED'}`,
      `  one table changed: ${changed.calls} LLM call(s) of ${first.calls} in the first run; allowed ${allowed} (its comment call + ${involving} theme(s) involving it) ` +
        `${changed.calls <= allowed ? 'MET' : 'MISSED'}; regenerated: ${changed.reuse.regenerated_tables?.join(', ')}`,
      '',
    ].join('\n'),
  );
} finally {
  await llm.close();
  await admin(SERVER_URL, `DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`).catch(() => undefined);
  await fs.rm(root, { recursive: true, force: true });
}
