/**
 * bench:llm — the workflow on the bundled sample database against our scripted OpenAI-compatible
 * server (in its own process) answering every chat request after a fixed 200 ms. Prints the LLM
 * calls per phase, the wall time and the ideal time: the sum over phases of
 * ceil(calls / concurrency) × 200 ms. Targets: wall time at most 1.2× the ideal; fewer LLM calls
 * per table than the reference's 2.
 *
 * Measured: ddl_generation, qa_generation and sql_validation of a complete run, the median of three
 * runs after one warm-up run, with the sample database already open (as a server keeps it).
 * training_load makes no LLM call and is left out.
 */
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { loadSettings } from '../src/config/settings.js';
import { SAMPLE_TABLES, SAMPLE_VIEWS } from '../src/source/sample/index.js';
import { openSource } from '../src/source/source-database.js';
import { runWorkflow, type WorkflowResult } from '../src/workflow/orchestrator.js';
import { TaskDirectory } from '../src/task-directory/task-dir.js';
import { workflowOptions } from '../src/workflow/run-options.js';

const LATENCY_MS = 200;
const CONCURRENCY = Number(process.env.LLM_CONCURRENCY ?? 4);
const REFERENCE_CALLS_PER_TABLE = 2;
const TARGET_RATIO = 1.2;
const MEASURED_RUNS = 3;
const PHASES = ['table_comments', 'themes', 'pairs', 'repair'];

// The scripted server, in a child process.
const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./support/scripted-llm-process.ts', import.meta.url)), String(LATENCY_MS)], {
  stdio: ['pipe', 'pipe', 'inherit'],
});
const lines = readline.createInterface({ input: child.stdout });
const replies: ((line: string) => void)[] = [];
lines.on('line', (line) => replies.shift()?.(line));
const nextLine = () => new Promise<string>((resolve) => replies.push(resolve));
const ask = async <T>(command: string): Promise<T> => {
  const reply = nextLine();
  child.stdin.write(`${command}\n`);
  return JSON.parse(await reply) as T;
};
const { baseURL } = JSON.parse(await nextLine()) as { baseURL: string };

const root = await fs.mkdtemp(path.join(os.tmpdir(), 'dp-bench-llm-'));
const cacheDir = path.resolve(process.env.DP_CACHE_DIR ?? './data_pipeline/cache');
const source = await openSource('sample', { cacheDir, statementTimeoutMs: 30_000, maxConnections: 5 });
const settings = loadSettings(
  {
    LLM_PROVIDER: 'openai',
    LLM_BASE_URL: baseURL,
    LLM_MODEL: 'scripted-model',
    LLM_CONCURRENCY: String(CONCURRENCY),
    DP_TRAINING_DATA_DIR: path.join(root, 'training_data'),
    DP_STORE_DIR: path.join(root, 'store'),
    DP_CACHE_DIR: cacheDir,
  },
  root,
);

async function run(taskId: string): Promise<{ result: WorkflowResult; wallMs: number; started: number }> {
  const dir = await TaskDirectory.open(path.join(settings.trainingDataDir, taskId), { create: true });
  await dir.writeFile('table_list.txt', [...SAMPLE_TABLES, ...SAMPLE_VIEWS].join('\n'));
  const started = Date.now();
  const result = await runWorkflow({
    dir,
    settings,
    mode: 'complete',
    sharedSource: source,
    options: workflowOptions({ task_id: taskId, db_connection: 'sample', business_context: 'Outdoor gear retailer', enable_training_data_load: false }),
  });
  if (result.status !== 'completed') throw new Error(`the workflow did not complete: ${result.error_message}`);
  return { result, wallMs: Date.now() - started, started };
}

await run('warm_up');
// Three measured runs; the median one is reported with the requests it made.
const measured: { result: WorkflowResult; wallMs: number; started: number; requests: { kind: string; receivedAt: number }[] }[] = [];
for (let i = 1; i <= MEASURED_RUNS; i += 1) {
  await ask('reset');
  const outcome = await run(`measured_${i}`);
  const { requests } = await ask<{ requests: { kind: string; receivedAt: number }[] }>('requests');
  measured.push({ ...outcome, requests });
}
measured.sort((a, b) => a.wallMs - b.wallMs);
const { result, wallMs, started, requests } = measured[Math.floor(MEASURED_RUNS / 2)] as (typeof measured)[number];
child.stdin.end();
await source.close();
await fs.rm(root, { recursive: true, force: true });

const calls = new Map<string, number>();
for (const r of requests) calls.set(r.kind, (calls.get(r.kind) ?? 0) + 1);
const idealMs = PHASES.reduce((sum, phase) => sum + Math.ceil((calls.get(phase) ?? 0) / CONCURRENCY) * LATENCY_MS, 0);
const ratio = wallMs / idealMs;
const perTable = requests.length / result.summary.tables;

const row = (label: string, value: string) => console.log(`${label.padEnd(46)} ${value}`);
console.log(`bench:llm — sample database (${result.summary.tables} tables), scripted LLM answering after ${LATENCY_MS} ms, LLM_CONCURRENCY=${CONCURRENCY}`);
for (const phase of PHASES) row(`LLM calls: ${phase}`, String(calls.get(phase) ?? 0));
row(
  'LLM calls: total',
  `${requests.length} = ${perTable.toFixed(2)} per table (reference: ${REFERENCE_CALLS_PER_TABLE}) ${perTable < REFERENCE_CALLS_PER_TABLE ? 'OK' : 'MISSED'}`,
);
row('pairs valid / total', `${result.summary.pairs_valid}/${result.summary.pairs}`);
row('ideal time: sum of ceil(calls / concurrency) x 200 ms', `${idealMs} ms`);
row('wall time (ddl + qa + validation), median', `${wallMs} ms (runs: ${measured.map((m) => m.wallMs).join(', ')} ms)`);
row('ratio wall / ideal', `${ratio.toFixed(2)}x (target <= ${TARGET_RATIO}x) ${ratio <= TARGET_RATIO ? 'MET' : 'MISSED'}`);
for (const step of result.steps.filter((s) => s.duration_ms !== null)) row(`  ${step.step_name}`, `${step.duration_ms} ms`);
if (process.env.BENCH_TIMELINE) for (const r of requests) console.log(`  ${String(r.receivedAt - started).padStart(6)} ms  ${r.kind}`);
