/**
 * bench:llm — the workflow on the bundled sample database against our scripted OpenAI-compatible
 * server answering every chat request after a fixed 200 ms. Prints the LLM calls per phase, the
 * wall time, and the ideal time: the sum over phases of ceil(calls / concurrency) × 200 ms.
 * Targets: wall time at most 1.2× the ideal; fewer LLM calls per table than the reference's 2.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadSettings } from '../src/config/settings.js';
import { SAMPLE_TABLES, SAMPLE_VIEWS } from '../src/source/sample/index.js';
import { openSource } from '../src/source/source-database.js';
import { runWorkflow } from '../src/workflow/orchestrator.js';
import { TaskDirectory } from '../src/workflow/task-dir.js';
import { answerWell, detectPromptKind } from '../test/support/openai-answers.js';
import { startScriptedOpenAI } from '../test/support/scripted-openai-server.js';

const LATENCY_MS = 200;
const CONCURRENCY = Number(process.env.LLM_CONCURRENCY ?? 4);
const REFERENCE_CALLS_PER_TABLE = 2;
const TARGET_RATIO = 1.2;

const root = await fs.mkdtemp(path.join(os.tmpdir(), 'dp-bench-llm-'));
const cacheDir = path.resolve(process.env.DP_CACHE_DIR ?? './data_pipeline/cache');
// The sample database is opened before the clock starts (a server keeps it open across runs), so
// the figure measures the workflow, not PGlite loading its snapshot.
const source = await openSource('sample', { cacheDir, statementTimeoutMs: 30_000, maxConnections: 5 });

const server = await startScriptedOpenAI({ latencyMs: LATENCY_MS, defaultChat: answerWell });
const settings = loadSettings(
  {
    LLM_PROVIDER: 'openai',
    LLM_BASE_URL: server.baseURL,
    LLM_MODEL: 'scripted-model',
    LLM_CONCURRENCY: String(CONCURRENCY),
    DP_TRAINING_DATA_DIR: path.join(root, 'training_data'),
    DP_STORE_DIR: path.join(root, 'store'),
    DP_CACHE_DIR: cacheDir,
  },
  root,
);
const tables = [...SAMPLE_TABLES, ...SAMPLE_VIEWS];
const dir = await TaskDirectory.open(path.join(settings.trainingDataDir, 'bench_llm'), { create: true });
await dir.writeFile('table_list.txt', tables.join('\n'));

const phaseTimes = new Map<string, number>();
const started = Date.now();
const result = await runWorkflow({
  dir,
  settings,
  mode: 'complete',
  options: {
    taskId: 'bench_llm',
    dbConnection: 'sample',
    businessContext: 'Outdoor gear retailer',
    language: 'en',
    overwriteComments: false,
    enableSqlValidation: true,
    enableLlmRepair: true,
    modifyOriginalFile: true,
    executeCheck: false,
    // Loading vectors makes no LLM call; it is left out of this measurement.
    enableTrainingDataLoad: false,
    backupVectorTables: false,
    truncateVectorTables: false,
    skipTraining: false,
  },
  sharedSource: source,
  onEvent: (event) => {
    if (event.type === 'step_finished') phaseTimes.set(event.step, Date.now() - started);
  },
});
const wallMs = Date.now() - started;
await server.close();
await source.close();

if (result.status !== 'completed') {
  console.error(`the workflow did not complete: ${result.error_message}`);
  process.exit(1);
}

const calls = new Map<string, number>();
for (const request of server.chatRequests) {
  const kind = detectPromptKind(request) ?? 'other';
  calls.set(kind, (calls.get(kind) ?? 0) + 1);
}
const phases = ['table_comments', 'themes', 'pairs', 'repair'];
const idealMs = phases.reduce((sum, phase) => sum + Math.ceil((calls.get(phase) ?? 0) / CONCURRENCY) * LATENCY_MS, 0);
const totalCalls = server.chatRequests.length;
// The LLM-bound part of the run: from the first request sent to the last answer received.
const firstRequest = Math.min(...server.chatRequests.map((r) => r.receivedAt));
const llmSpanMs = Math.max(...server.chatRequests.map((r) => r.receivedAt)) + LATENCY_MS - firstRequest;
const ratio = wallMs / idealMs;
const spanRatio = llmSpanMs / idealMs;
const perTable = totalCalls / result.summary.tables;

const row = (label: string, value: string) => console.log(`${label.padEnd(42)} ${value}`);
console.log(`bench:llm — sample database (${result.summary.tables} tables), scripted LLM at ${LATENCY_MS} ms, LLM_CONCURRENCY=${CONCURRENCY}`);
for (const phase of phases) row(`LLM calls: ${phase}`, String(calls.get(phase) ?? 0));
row('LLM calls: total', `${totalCalls} (${perTable.toFixed(2)} per table; reference: ${REFERENCE_CALLS_PER_TABLE}) ${perTable < REFERENCE_CALLS_PER_TABLE ? 'OK' : 'MISSED'}`);
row('pairs valid / total', `${result.summary.pairs_valid}/${result.summary.pairs}`);
row('ideal time (sum of ceil(calls/conc) x 200 ms)', `${idealMs} ms`);
row('wall time of the workflow', `${wallMs} ms  (ratio ${ratio.toFixed(2)}x; target <= ${TARGET_RATIO}x ${ratio <= TARGET_RATIO ? 'MET' : 'MISSED'})`);
row('  of which LLM span (first request → last answer)', `${llmSpanMs} ms  (ratio ${spanRatio.toFixed(2)}x)`);
for (const [step, at] of phaseTimes) row(`  ${step} finished at`, `${at} ms`);
if (process.env.BENCH_TIMELINE) {
  for (const r of server.chatRequests) console.log(`  ${String(r.receivedAt - started).padStart(6)} ms  ${detectPromptKind(r)}`);
}
await fs.rm(root, { recursive: true, force: true });
