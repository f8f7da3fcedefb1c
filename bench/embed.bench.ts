/**
 * bench:embed — the builtin embedder on 10,000 documents: the `.ddl` statements, `_detail.md`
 * sections and pair documents and questions that the builtin workflow writes for the sample
 * database, repeated with variations (a table suffix, a number) to 10,000 texts. Prints the time
 * of builtin-hashing-v2 (median of 5 runs) and its ratio against builtin-hashing-v1 on the same
 * texts in the same run. Target: under 2 s for the 10,000.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadSettings } from '../src/config/settings.js';
import type { Embedder } from '../src/embedding/embedder.js';
import { HashingEmbedder } from '../src/embedding/hashing-embedder.js';
import { HashingEmbedderV1 } from '../src/embedding/hashing-embedder-v1.js';
import { SAMPLE_TABLES, SAMPLE_VIEWS } from '../src/source/sample/index.js';
import { TaskDirectory } from '../src/task-directory/task-dir.js';
import { ddlDocuments, markdownDocuments } from '../src/vector/training-documents.js';
import { runWorkflow } from '../src/workflow/orchestrator.js';
import { workflowOptions } from '../src/workflow/run-options.js';

const DOCUMENTS = 10_000;
const DIM = 384;
const TARGET_MS = 2_000;
const RUNS = 5;

const root = await fs.mkdtemp(path.join(os.tmpdir(), 'dp-bench-embed-'));
try {
  // The texts a load embeds, as the builtin workflow writes them for the sample database.
  const settings = loadSettings({ DP_TRAINING_DATA_DIR: path.join(root, 'training_data'), DP_STORE_DIR: path.join(root, 'store'), LLM_CACHE: 'off' }, root);
  const dir = await TaskDirectory.open(path.join(settings.trainingDataDir, 'bench_embed'), { create: true });
  await dir.writeFile('table_list.txt', `${[...SAMPLE_TABLES, ...SAMPLE_VIEWS].join('\n')}\n`);
  const result = await runWorkflow({
    dir,
    settings,
    options: workflowOptions({ task_id: 'bench_embed', db_connection: 'sample', enable_sql_validation: false, enable_training_data_load: false }),
    mode: 'complete',
  });
  if (result.status !== 'completed') throw new Error(`the workflow failed: ${result.error_message}`);
  const base: string[] = [];
  for (const name of await dir.fileNames((n) => n.endsWith('.ddl'))) base.push(...(await ddlDocuments(await dir.readText(name), name)).map((d) => d.document));
  for (const name of await dir.fileNames((n) => n.endsWith('_detail.md')))
    base.push(...markdownDocuments(await dir.readText(name), name).map((d) => d.document));
  const pairFile = (await dir.fileNames((n) => n.endsWith('_pair.json')))[0] as string;
  for (const pair of JSON.parse(await dir.readText(pairFile)) as { question: string; sql: string }[]) {
    base.push(JSON.stringify({ question: pair.question, sql: pair.sql }), pair.question);
  }
  // Varied, so no two texts are equal: another table name and a number per copy.
  const texts = Array.from({ length: DOCUMENTS }, (_, i) => {
    const text = base[i % base.length] as string;
    const copy = Math.floor(i / base.length);
    return copy === 0 ? text : `${text.replace(/\b(orders|customers|products|stores|employees)\b/g, `$1_${copy}`)} ${copy}`;
  });
  const characters = texts.reduce((n, t) => n + t.length, 0);

  const time = async (embedder: Embedder): Promise<number> => {
    const runs: number[] = [];
    for (let r = 0; r < RUNS; r += 1) {
      const started = performance.now();
      await embedder.embed(texts);
      runs.push(performance.now() - started);
    }
    return runs.sort((a, b) => a - b)[Math.floor(RUNS / 2)] as number;
  };
  const v1 = await time(new HashingEmbedderV1(DIM));
  const v2 = await time(new HashingEmbedder(DIM));
  process.stdout.write(
    [
      `bench:embed — ${DOCUMENTS} documents (${base.length} distinct texts of the sample database, varied; ${(characters / DOCUMENTS).toFixed(0)} characters on average), ${DIM} dimensions, median of ${RUNS}`,
      `  builtin-hashing-v1 (baseline)  ${(v1 / 1000).toFixed(3)} s`,
      `  builtin-hashing-v2             ${(v2 / 1000).toFixed(3)} s   ${((DOCUMENTS / v2) * 1000).toFixed(0)} documents/s`,
      `  ratio v2 / v1: ${(v2 / v1).toFixed(2)}x; target: under ${TARGET_MS / 1000} s for ${DOCUMENTS} — ${v2 < TARGET_MS ? 'MET' : 'MISSED'}`,
      '',
    ].join('\n'),
  );
} finally {
  await fs.rm(root, { recursive: true, force: true });
}
