/**
 * Retrieval measured, not assumed: after training_load on the sample database the step's summary
 * (result and log) reports self-retrieval (@1, @5) and table retrieval (@5) with the builtin
 * embedder, and each pair row's provenance carries its SQL's difficulty; `data-pipeline eval`
 * reports table recall@k of a hand-written question file (per question and overall, text and
 * JSON) and names a bad line; a store of the v1 embedder is refused by v2 until re-embedded.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Settings } from '../src/config/settings.js';
import { openEmbeddedStore } from '../src/db/embedded-store.js';
import { SAMPLE_TABLES, SAMPLE_VIEWS } from '../src/source/sample/index.js';
import { ensureSqlParser } from '../src/sql/pg-parser.js';
import { sqlShape } from '../src/sql/sql-shape.js';
import { TaskDirectory } from '../src/task-directory/task-dir.js';
import { EMBEDDING_TABLE } from '../src/vector/vector-store.js';
import { parseQuestionFile } from '../src/vector/question-file.js';
import { evenSample, tableKey, tableQuestion } from '../src/vector/retrieval-check.js';
import { runWorkflow, type WorkflowResult } from '../src/workflow/orchestrator.js';
import { workflowOptions } from '../src/workflow/run-options.js';
import { makeTempDir, TEST_CACHE_DIR, testSettings } from './support/env.js';
import { runCli } from './support/run-helpers.js';

const DIM = '384';

describe('retrieval after training_load on the sample database, and data-pipeline eval', () => {
  let root: string;
  let settings: Settings;
  let dir: TaskDirectory;
  let result: WorkflowResult;
  let env: Record<string, string>;

  beforeAll(async () => {
    await ensureSqlParser();
    root = await makeTempDir('dp-retrieval-');
    settings = testSettings(root, { EMBEDDING_DIM: DIM });
    env = {
      DP_TRAINING_DATA_DIR: settings.trainingDataDir,
      DP_STORE_DIR: settings.embeddedStoreDir,
      DP_CACHE_DIR: TEST_CACHE_DIR,
      EMBEDDING_DIM: DIM,
      LLM_CACHE: 'off',
    };
    dir = await TaskDirectory.open(path.join(settings.trainingDataDir, 'task_retrieval'), { create: true });
    await dir.writeFile('table_list.txt', `${[...SAMPLE_TABLES, ...SAMPLE_VIEWS].join('\n')}\n`);
    result = await runWorkflow({
      dir,
      settings,
      options: workflowOptions({ task_id: 'task_retrieval', db_connection: 'sample', business_context: 'Outdoor gear retailer' }),
      mode: 'complete',
    });
  });

  it('reports self-retrieval @1 and @5 and table retrieval @5 in the step result and its log', async () => {
    expect(result.status, result.error_message ?? '').toBe('completed');
    const load = result.steps.find((s) => s.step_name === 'training_load');
    const retrieval = load?.result.retrieval as {
      embedder: string;
      self: { questions: number; questions_loaded: number; hit_at_1: number; hit_at_5: number; misses_at_5: string[] };
      tables: { tables: number; hit_at_5: number; misses: string[] };
    };
    expect(retrieval.embedder).toBe('builtin builtin-hashing-v2 (384 dimensions)');
    expect(retrieval.self.questions).toBe(result.summary.pairs_valid);
    expect(retrieval.self.questions_loaded).toBe(result.summary.pairs_valid);
    expect(retrieval.self.hit_at_5).toBe(1);
    expect(retrieval.self.misses_at_5).toEqual([]);
    expect(retrieval.self.hit_at_1).toBeGreaterThan(0.9);
    expect(retrieval.tables.tables).toBe(SAMPLE_TABLES.length + SAMPLE_VIEWS.length);
    expect(retrieval.tables.hit_at_5).toBeGreaterThanOrEqual(0.9);
    const log = await dir.readText(load?.result.log_file as string);
    expect(log).toMatch(/^Retrieval: self-retrieval @1 [\d.]+, @5 1 \(\d+ question\(s\)\); table retrieval @5 [\d.]+ \(\d+ table\(s\)\)/m);
    expect(await dir.readText('data_pipeline.log')).toMatch(/retrieval: self-retrieval @1/);
  });

  it("records each pair row's difficulty in its provenance, as sqlShape says", async () => {
    const db = await openEmbeddedStore(settings.embeddedStoreDir);
    try {
      const rows = await db.query<{ document: string; difficulty: string | null }>(
        `SELECT document, cmetadata ->> 'difficulty' AS difficulty FROM ${EMBEDDING_TABLE} WHERE cmetadata ->> 'kind' = 'sql'`,
      );
      expect(rows.length).toBe(result.summary.pairs_valid);
      for (const row of rows) {
        const { sql } = JSON.parse(row.document) as { sql: string };
        expect(row.difficulty).toBe(sqlShape(sql)?.difficulty);
      }
      expect(new Set(rows.map((r) => r.difficulty)).size).toBeGreaterThan(0);
    } finally {
      await db.close();
    }
  });

  it('eval reports table recall@k per question and overall, a miss included, as text and JSON', async () => {
    const file = path.join(root, 'questions.jsonl');
    await fs.writeFile(
      file,
      [
        JSON.stringify({ question: 'How many employees does each department have?', tables: ['hr.employees', 'hr.departments'] }),
        '',
        JSON.stringify({ question: 'Which payment methods do customers use most?', tables: ['payments'] }),
        // Nothing about regions is in the payments documents: a miss.
        JSON.stringify({ question: 'How many sales regions are there?', tables: ['payments'] }),
      ].join('\n'),
    );
    const text = await runCli(['eval', '--task-dir', dir.path, '--questions', file], env);
    expect(text.stderr).toBe('');
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(
      /^Table recall@5 of 3 question\(s\) over 28 ddl\/documentation row\(s\) of sample:\/trailhead_outfitters \(task task_retrieval\)/,
    );
    expect(text.stdout).toContain('  1.00  How many employees does each department have?  [hr.employees, hr.departments]');
    expect(text.stdout).toMatch(/ {2}0\.00 {2}How many sales regions are there\? {2}\[payments\]\n {8}missed: payments; retrieved: [^\n]*public\.regions/);
    expect(text.stdout).toContain('Overall: recall@5 0.667 (mean over questions); 2 of 3 question(s) found all their tables');

    const json = await runCli(['eval', '--task-dir', dir.path, '--questions', file, '--k', '3', '--json'], env);
    expect(json.code).toBe(0);
    const report = JSON.parse(json.stdout) as {
      k: number;
      questions: number;
      recall: number;
      all_found: number;
      tables_not_loaded: string[];
      results: { line: number; recall: number; missed: string[]; retrieved: string[] }[];
    };
    expect(report).toMatchObject({ k: 3, questions: 3, recall: 0.667, all_found: 2, tables_not_loaded: [] });
    expect(report.results.map((r) => [r.line, r.recall, r.missed])).toEqual([
      [1, 1, []],
      [3, 1, []],
      [4, 0, ['payments']],
    ]);
    expect(report.results[2]?.retrieved.length).toBeLessThanOrEqual(3);
  });

  it('eval names a bad line, its field and what is accepted, and exits 2', async () => {
    const file = path.join(root, 'bad.jsonl');
    await fs.writeFile(
      file,
      `${JSON.stringify({ question: 'How many orders?', tables: ['orders'] })}\n${JSON.stringify({ question: 'Orders?', tables: 'orders' })}\n`,
    );
    const bad = await runCli(['eval', '--task-dir', dir.path, '--questions', file], env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/bad\.jsonl line 2: "tables" must be a non-empty array of table names \(e\.g\. \["orders", "hr\.employees"\]\), got string/);
    const badK = await runCli(['eval', '--task-dir', dir.path, '--questions', file, '--k', '0', '--json'], env);
    expect(badK.code).toBe(2);
    expect(JSON.parse(badK.stdout)).toEqual({ error: '--k: must be a whole number from 1 to 100, got "0"' });

    expect(() => parseQuestionFile('{"question": "x"', 'q.jsonl')).toThrow(/q\.jsonl line 1: not valid JSON/);
    expect(() => parseQuestionFile('\n{"question": "x", "tables": ["a"], "tabels": []}', 'q.jsonl')).toThrow(
      /q\.jsonl line 2: unknown field "tabels"; accepted: question, tables/,
    );
    expect(() => parseQuestionFile('{"question": " ", "tables": ["a"]}', 'q.jsonl')).toThrow(/line 1: "question" must be a non-empty string, got an empty one/);
    expect(() => parseQuestionFile('{"question": "x", "tables": []}', 'q.jsonl')).toThrow(/line 1: "tables" must be a non-empty array .*got an empty array/);
    expect(() => parseQuestionFile('{"question": "x", "tables": ["a", ""]}', 'q.jsonl')).toThrow(
      /line 1: "tables"\[1\] must be a table name .*got an empty name/,
    );
    expect(() => parseQuestionFile('\n\n', 'q.jsonl')).toThrow(/q\.jsonl: no questions/);
  });

  it('eval names a table the task never loaded, with the lines that ask for it', async () => {
    const file = path.join(root, 'ghosts.jsonl');
    await fs.writeFile(
      file,
      [
        JSON.stringify({ question: 'How many orders are there?', tables: ['orders'] }),
        JSON.stringify({ question: 'Which ghosts haunt the stores?', tables: ['ghosts', 'stores'] }),
      ].join('\n'),
    );
    const run = await runCli(['eval', '--task-dir', dir.path, '--questions', file, '--json'], env);
    expect(run.code).toBe(0);
    expect((JSON.parse(run.stdout) as { tables_not_loaded: string[] }).tables_not_loaded).toEqual(['ghosts (line 2)']);
  });

  it('the committed question file of the sample database reaches table recall@5 of at least 0.9', async () => {
    const questions = path.resolve('examples/sample-questions.jsonl');
    const run = await runCli(['eval', '--task-dir', dir.path, '--questions', questions, '--json'], env);
    expect(run.stderr).toBe('');
    const report = JSON.parse(run.stdout) as { questions: number; recall: number; tables_not_loaded: string[] };
    expect(report.questions).toBeGreaterThanOrEqual(20);
    expect(report.tables_not_loaded).toEqual([]);
    expect(report.recall).toBeGreaterThanOrEqual(0.9);
  });
});

describe('a store loaded with the v1 builtin embedder meets v2', () => {
  it('is refused naming both and --reembed, and re-embedded when asked', async () => {
    const root = await makeTempDir('dp-v1-v2-');
    const v1 = testSettings(root, { EMBEDDING_MODEL: 'builtin-hashing-v1' });
    const v2 = testSettings(root);
    const dir = await TaskDirectory.open(path.join(v1.trainingDataDir, 'task_v1'), { create: true });
    await dir.writeFile('filename_mapping.txt', 'public.orders -> orders.ddl\npublic.orders -> orders_detail.md\n');
    await dir.writeFile('orders.ddl', '-- orders\ncreate table public.orders (id bigint primary key, total numeric);\n');
    await dir.writeFile('orders_detail.md', '## orders (Customer orders)\nTable orders: Customer orders.\n');
    await dir.writeFile(
      'qs_shop_20250101_000000_pair.json',
      JSON.stringify([{ question: 'How many orders are there?', sql: 'SELECT count(*) FROM public.orders' }]),
    );
    const load = (settings: Settings, reembed = false) =>
      runWorkflow({ dir, settings, options: workflowOptions({ task_id: 'task_v1', db_connection: 'sample', reembed }), mode: 'step', step: 'training_load' });
    expect((await load(v1)).status).toBe('completed');
    const refused = await load(v2);
    expect(refused.status).toBe('failed');
    expect(refused.error_message).toMatch(
      /holds vectors of builtin builtin-hashing-v1 \(64 dimensions\).*this load's embedder is builtin builtin-hashing-v2 \(64 dimensions\).*--reembed/,
    );
    const reembedded = await load(v2, true);
    expect(reembedded.status, reembedded.error_message ?? '').toBe('completed');
    expect(reembedded.steps[0]?.result.reembedded).toBe(3);
    expect(reembedded.steps[0]?.result.retrieval).toMatchObject({ self: { hit_at_5: 1 } });
  });
});

describe('the parts of the measure', () => {
  it('samples evenly and the same way every time, names tables as rows do, and asks from a comment', () => {
    const items = Array.from({ length: 10 }, (_, i) => i);
    expect(evenSample(items, 3)).toEqual([0, 3, 6]);
    expect(evenSample(items, 20)).toEqual(items);
    expect(tableKey('Orders')).toBe('public.orders');
    expect(tableKey('public."CustomerFeedback"')).toBe('public.customerfeedback');
    expect(tableKey('hr.employees')).toBe('hr.employees');
    expect(tableQuestion('public.orders', 'Customer orders from all sales channels.')).toBe('Show me the customer orders from all sales channels');
    expect(tableQuestion('public.order_items', undefined)).toBe('Show me the order items');
    expect(tableQuestion('public.orders', '客户订单。')).toBe('查询客户订单');
  });
});
