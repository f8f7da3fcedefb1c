/**
 * sql_validation's execute check on a real PostgreSQL (a scratch database): every EXPLAIN-valid
 * SQL is run read-only, empty results and literals outside a column's enumeration (enum type,
 * CHECK list, the enumeration a `_detail.md` documents) are flagged per pair and counted; with the
 * scripted OpenAI server flagged pairs are repaired; `execute_check: false` and
 * `--no-execute-check` skip the run; the report carries each pair's difficulty and their counts.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TaskDirectory } from '../src/task-directory/task-dir.js';
import { runWorkflow, type WorkflowResult } from '../src/workflow/orchestrator.js';
import { workflowOptions } from '../src/workflow/run-options.js';
import type { PairRecord } from '../src/workflow/steps/sql-validation.js';
import type { WorkflowEvent } from '../src/workflow/workflow-types.js';
import { createScratchDatabase, makeTempDir, TEST_CACHE_DIR, testSettings, type ScratchDatabase } from './support/env.js';
import { answerWell, detectPromptKind, parseRepairItems, type RepairPromptItem } from './support/openai-answers.js';
import { startTestServer, type TestServer } from './support/api-server.js';
import { BASE, createTask, getTask, runCli, step, waitForFinal } from './support/run-helpers.js';
import { startScriptedOpenAI, type ChatRequestInfo, type ScriptedOpenAIServer } from './support/scripted-openai-server.js';

const SCHEMA = `
CREATE TYPE order_status AS ENUM ('pending', 'paid', 'shipped');
CREATE TABLE customers (
  id integer PRIMARY KEY,
  name text NOT NULL,
  tier text NOT NULL CHECK (tier IN ('bronze', 'silver', 'gold')),
  region text NOT NULL
);
CREATE TABLE orders (
  id integer PRIMARY KEY,
  customer_id integer NOT NULL REFERENCES customers (id),
  status order_status NOT NULL,
  channel text NOT NULL CHECK (channel IN ('web', 'store')),
  placed_on date NOT NULL,
  total numeric(10, 2) NOT NULL
);
INSERT INTO customers VALUES (1, 'Ada', 'gold', 'north'), (2, 'Ben', 'silver', 'south'), (3, 'Cy', 'bronze', 'east');
INSERT INTO orders VALUES
  (1, 1, 'paid', 'web', '2024-01-05', 10),
  (2, 1, 'shipped', 'store', '2024-02-10', 20),
  (3, 2, 'pending', 'web', '2024-03-01', 30),
  (4, 3, 'shipped', 'web', '2024-03-15', 40);
`;

/** The enumeration a person documented for customers.region (no constraint holds it). */
const REGION_NOTE = '- region is an enumeration with values: north, south, east';

const PAIR_FILE = 'qs_shop_20250101_000000_pair.json';

/** Ids follow the order: p0001 … p0009. */
const PAIRS = [
  { question: 'How many orders are paid?', sql: "SELECT count(*) AS n FROM orders WHERE status = 'paid'" },
  { question: 'Which orders were placed after 2100?', sql: "SELECT id FROM orders WHERE placed_on > DATE '2100-01-01'" },
  { question: 'Which orders were shipped?', sql: "SELECT o.id FROM orders o WHERE o.status::text = 'Shipped'" },
  { question: 'How many orders came from the web or the app?', sql: "SELECT count(*) AS n FROM orders WHERE channel IN ('web', 'mobile')" },
  {
    question: 'Which customers outside the west have ordered?',
    sql: "SELECT c.name FROM customers c JOIN orders o ON o.customer_id = c.id WHERE c.region <> 'west'",
  },
  {
    question: 'How many store orders per tier for gold and silver customers?',
    sql: "SELECT c.tier, count(*) AS n FROM customers c JOIN orders o ON o.customer_id = c.id WHERE c.tier IN ('gold', 'silver') AND o.channel = 'store' GROUP BY c.tier",
  },
  { question: 'How many orders are shipped?', sql: "SELECT count(*) AS n FROM orders WHERE status = 'Shipped'" },
  { question: 'Which customers have a paid order?', sql: "SELECT name FROM customers WHERE id IN (SELECT customer_id FROM orders WHERE status = 'paid')" },
  { question: 'What is one divided by nothing?', sql: 'SELECT 1 / (count(*) - count(*)) AS ratio FROM orders' },
];

interface Report {
  summary: Record<string, unknown>;
  records: PairRecord[];
}

function rec(report: Report, id: string): PairRecord {
  const found = report.records.find((r) => r.id === id);
  expect(found, id).toBeDefined();
  return found as PairRecord;
}

async function readReport(dir: TaskDirectory): Promise<Report> {
  const names = await dir.fileNames((n) => /^sql_validation_\d{8}_\d{6}_report\.json$/.test(n));
  expect(names).toHaveLength(1);
  return JSON.parse(await dir.readText(names[0] as string)) as Report;
}

async function readSummaryLog(dir: TaskDirectory): Promise<string> {
  const [name] = await dir.fileNames((n) => /^sql_validation_\d{8}_\d{6}_summary\.log$/.test(n));
  return dir.readText(name as string);
}

describe('the execute check of sql_validation (scratch database on PostgreSQL)', () => {
  let db: ScratchDatabase;
  let root: string;
  let base: TaskDirectory;
  let server: ScriptedOpenAIServer;
  let tasks = 0;

  const options = (taskId: string, extra: { execute_check?: boolean } = {}) =>
    workflowOptions({ task_id: taskId, db_connection: db.url, business_context: 'A small shop', enable_training_data_load: false, ...extra });

  /** A task directory with the documented tables of `base` and the pair file. */
  async function newTask(pairs: readonly { question: string; sql: string }[] = PAIRS): Promise<TaskDirectory> {
    tasks += 1;
    const dir = await TaskDirectory.open(path.join(root, 'training_data', `task_${tasks}`), { create: true });
    for (const name of await base.fileNames((n) => /\.ddl$|_detail\.md$|^filename_mapping\.txt$|^table_list\.txt$|^task_config\.json$/.test(n))) {
      await dir.writeFile(name, await base.readText(name));
    }
    await dir.writeFile(PAIR_FILE, `${JSON.stringify(pairs, null, 2)}\n`);
    return dir;
  }

  function validate(
    dir: TaskDirectory,
    env: Record<string, string> = {},
    extra: { execute_check?: boolean } = {},
    onEvent?: (event: WorkflowEvent) => void,
  ): Promise<WorkflowResult> {
    return runWorkflow({ dir, settings: testSettings(root, env), options: options(dir.taskId, extra), mode: 'step', step: 'sql_validation', onEvent });
  }

  beforeAll(async () => {
    db = await createScratchDatabase('dp_execute_check');
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      await client.query(SCHEMA);
    } finally {
      await client.end();
    }
    root = await makeTempDir('dp-execute-check-');
    server = await startScriptedOpenAI({ defaultChat: answerWell });
    base = await TaskDirectory.open(path.join(root, 'training_data', 'base'), { create: true });
    await base.writeFile('table_list.txt', 'customers\norders\n');
    const ddl = await runWorkflow({ dir: base, settings: testSettings(root), options: options('base'), mode: 'step', step: 'ddl_generation' });
    expect(ddl.status).toBe('completed');
    // A person documents the regions (whatever the generator found about the column).
    const md = await base.readText('customers_detail.md');
    await base.writeFile(
      'customers_detail.md',
      `${md
        .split('\n')
        .filter((line) => !/^- region (is an enumeration|为枚举)/.test(line))
        .join('\n')
        .trimEnd()}\n${REGION_NOTE}\n`,
    );
  });

  afterAll(async () => {
    await server?.close();
    await db?.drop();
    if (root) await fs.rm(root, { recursive: true, force: true });
  });

  describe('builtin provider, default options: flagged, not repaired', () => {
    let dir: TaskDirectory;
    let result: WorkflowResult;
    let report: Report;
    const progress: { done: number; total: number }[] = [];

    beforeAll(async () => {
      server.reset();
      dir = await newTask();
      result = await validate(dir, {}, {}, (event) => {
        if (event.type === 'progress') progress.push({ done: event.done, total: event.total });
      });
      report = await readReport(dir);
    });

    it('counts both passes (EXPLAIN, then the run) in its progress', () => {
      expect(progress.every((p) => p.total === 18)).toBe(true);
      expect(progress.at(-1)).toEqual({ done: 18, total: 18 });
    });

    it('runs by default and flags an empty result', () => {
      expect(result.status).toBe('completed');
      expect(rec(report, 'p0002')).toMatchObject({ status: 'valid', execute_check: 'flagged', flags: ['empty_result'], empty_result: true, enum_literals: [] });
      expect(rec(report, 'p0002').flag_explanation).toMatch(/returns no rows/);
    });

    it('flags a literal outside an enum type, a CHECK list and a documented enumeration, aliases resolved', () => {
      const enumType = rec(report, 'p0003');
      expect(enumType).toMatchObject({ status: 'valid', execute_check: 'flagged', flags: ['empty_result', 'enum_literal'] });
      expect(enumType.enum_literals).toEqual([
        {
          table: 'public.orders',
          column: 'status',
          value: 'Shipped',
          operator: '=',
          source: 'enum type',
          allowed: ['pending', 'paid', 'shipped'],
          suggestion: 'shipped',
        },
      ]);
      expect(enumType.flag_explanation).toMatch(/compared with 'Shipped'.*did you mean 'shipped'/);

      const check = rec(report, 'p0004');
      expect(check).toMatchObject({ status: 'valid', flags: ['enum_literal'], empty_result: false });
      expect(check.enum_literals).toMatchObject([
        { column: 'channel', value: 'mobile', operator: 'IN', source: 'CHECK constraint', allowed: ['web', 'store'] },
      ]);

      const documented = rec(report, 'p0005');
      expect(documented).toMatchObject({ status: 'valid', flags: ['enum_literal'], empty_result: false });
      expect(documented.enum_literals).toMatchObject([
        {
          table: 'public.customers',
          column: 'region',
          value: 'west',
          operator: '<>',
          source: 'documented',
          allowed: ['north', 'south', 'east'],
          suggestion: null,
        },
      ]);
    });

    it('does not flag correct literals, with or without aliases, in joins and subqueries', () => {
      for (const id of ['p0001', 'p0006', 'p0008']) {
        expect(rec(report, id), id).toMatchObject({
          status: 'valid',
          execute_check: 'passed',
          flags: [],
          enum_literals: [],
          empty_result: false,
          flag_explanation: null,
        });
      }
    });

    it('keeps a literal the enum type refuses invalid (EXPLAIN), and makes a query that fails when run invalid', () => {
      expect(rec(report, 'p0007')).toMatchObject({ status: 'invalid', execute_check: 'not_checked', flags: [] });
      expect(rec(report, 'p0007').error).toMatch(/invalid input value for enum order_status: "Shipped"/);
      expect(rec(report, 'p0009')).toMatchObject({ status: 'invalid', execute_check: 'not_checked' });
      expect(rec(report, 'p0009').error).toMatch(/^execution failed: division by zero/);
    });

    it('counts the flags in the summary, the counters and the summary log, and repairs nothing with the builtin provider', async () => {
      expect(report.summary).toMatchObject({
        total: 9,
        valid: 7,
        invalid: 2,
        repaired: 0,
        execute_check: true,
        flagged: 4,
        empty_results: 2,
        enum_literal_flags: 3,
        execute_timeouts: 0,
        flags_repaired: null,
      });
      expect(result.steps[0]?.counters).toMatchObject({ pairs: 9, pairs_valid: 7, pairs_flagged: 4, pairs_empty_result: 2 });
      expect(server.chatRequests).toHaveLength(0);
      const log = await readSummaryLog(dir);
      expect(log).toContain('Empty results (execute check): 2');
      expect(log).toContain('Values outside an enumeration (execute check): 3');
      expect(log).toContain('Flagged (execute check): 4');
      expect(log).toMatch(/\[p0003\] valid \(no rows, value outside its enumeration\) \[easy\]/);
      // Flagged pairs stay in the pair file; invalid ones go.
      const kept = JSON.parse(await dir.readText(PAIR_FILE)) as { sql: string }[];
      expect(kept.map((p) => p.sql)).toEqual(PAIRS.filter((_, i) => i !== 6 && i !== 8).map((p) => p.sql));
    });

    it("records each pair's difficulty and counts the valid pairs per difficulty", () => {
      expect(report.records.map((r) => [r.id, r.difficulty])).toEqual([
        ['p0001', 'easy'],
        ['p0002', 'easy'],
        ['p0003', 'easy'],
        ['p0004', 'easy'],
        ['p0005', 'medium'],
        ['p0006', 'medium'],
        ['p0007', 'easy'],
        ['p0008', 'hard'],
        ['p0009', 'easy'],
      ]);
      expect(report.summary.difficulty).toEqual({ easy: 4, medium: 2, hard: 1 });
    });
  });

  it('a query the statement timeout ends stays valid, not flagged, noted timed_out', async () => {
    const dir = await newTask([PAIRS[0] as { question: string; sql: string }, { question: 'Slow?', sql: 'SELECT pg_sleep(30) AS slept' }]);
    const result = await validate(dir, { DP_STATEMENT_TIMEOUT_MS: '1000' });
    const report = await readReport(dir);
    expect(result.status).toBe('completed');
    expect(rec(report, 'p0002')).toMatchObject({ status: 'valid', execute_check: 'timed_out', flags: [], empty_result: null });
    expect(rec(report, 'p0002').flag_explanation).toMatch(/statement timeout/);
    expect(report.summary).toMatchObject({ execute_check: true, flagged: 0, execute_timeouts: 1, valid: 2 });
  });

  it('execute_check: false skips the run: nothing flagged, the report says not checked', async () => {
    const dir = await newTask();
    const result = await validate(dir, {}, { execute_check: false });
    const report = await readReport(dir);
    expect(result.status).toBe('completed');
    expect(report.summary).toMatchObject({ execute_check: false, flagged: null, empty_results: null, enum_literal_flags: null, valid: 8, invalid: 1 });
    for (const r of report.records) expect(r, r.id).toMatchObject({ execute_check: 'not_checked', flags: [], enum_literals: [], empty_result: null });
    // Only EXPLAIN: the division by zero is not found.
    expect(rec(report, 'p0009').status).toBe('valid');
    expect(result.steps[0]?.counters).not.toHaveProperty('pairs_flagged');
    expect(report.summary.difficulty).toEqual({ easy: 5, medium: 2, hard: 1 });
    expect(await readSummaryLog(dir)).toContain('Flagged (execute check): not checked');
  });

  describe('the command line', () => {
    const cliEnv = () => ({
      DP_TRAINING_DATA_DIR: path.join(root, 'training_data'),
      DP_STORE_DIR: path.join(root, 'store'),
      DP_CACHE_DIR: TEST_CACHE_DIR,
      EMBEDDING_DIM: '64',
    });

    it('--no-execute-check skips the run', async () => {
      const dir = await newTask();
      const cli = await runCli(['step', 'sql_validation', '--task-dir', dir.path, '--db', db.url, '--no-execute-check', '--json'], cliEnv());
      expect(cli.code, cli.stderr).toBe(0);
      const report = await readReport(dir);
      expect(report.summary).toMatchObject({ execute_check: false, flagged: null });
      expect(report.records.every((r) => r.execute_check === 'not_checked')).toBe(true);
    });

    it('runs the check by default and says how many pairs it flagged', async () => {
      const dir = await newTask();
      const cli = await runCli(['step', 'sql_validation', '--task-dir', dir.path, '--db', db.url], cliEnv());
      // Exit 1: 7 of 9 valid is under the 80% script mode asks for.
      expect(cli.code, cli.stderr).toBe(1);
      expect(cli.stdout).toContain('7/9 valid (77.8%), 0 repaired, 4 flagged by the execute check');
      expect((await readReport(dir)).summary).toMatchObject({ execute_check: true, flagged: 4 });
    });
  });

  describe('openai provider (scripted): flagged pairs go to repair', () => {
    let dir: TaskDirectory;
    let report: Report;
    let repairRequests: RepairPromptItem[][];

    const PARTIAL_FIX = "SELECT o.id FROM orders o WHERE o.status::text = 'shipped' AND o.placed_on > DATE '2100-01-01'";
    /** What the scripted model proposes, per pair, one proposal per round it is asked. */
    const proposals: Record<string, string[]> = {
      // Still empty: not taken.
      p0002: ["SELECT id FROM orders WHERE placed_on > DATE '2099-01-01'"],
      // Fixes the literal but returns no row: taken (one problem fewer), still flagged.
      p0003: [PARTIAL_FIX],
      p0004: ["SELECT count(*) AS n FROM orders WHERE channel IN ('web', 'store')"],
      p0007: ["SELECT count(*) AS n FROM orders WHERE status = 'shipped'"],
    };

    beforeAll(async () => {
      server.reset();
      server.setDefaultChat((req: ChatRequestInfo) => {
        if (detectPromptKind(req) !== 'repair') return answerWell(req);
        const items = parseRepairItems(req);
        const repairs = items.flatMap((item) => {
          const next = proposals[item.id]?.shift();
          return next ? [{ id: item.id, sql: next }] : [];
        });
        return { kind: 'json', body: { repairs } };
      });
      dir = await newTask();
      const result = await validate(dir, { LLM_PROVIDER: 'openai', LLM_BASE_URL: server.baseURL, LLM_MODEL: 'scripted-model', LLM_API_KEY: 'sk-test' });
      expect(result.status).toBe('completed');
      report = await readReport(dir);
      repairRequests = server.chatRequests.map(parseRepairItems);
    });

    afterAll(() => server.setDefaultChat(answerWell));

    it("sends flagged pairs to repair with the flag's explanation as their error", () => {
      expect(repairRequests).toHaveLength(2);
      const round1 = repairRequests[0] as RepairPromptItem[];
      expect(round1.map((i) => i.id)).toEqual(['p0002', 'p0003', 'p0004', 'p0005', 'p0007', 'p0009']);
      expect(round1.find((i) => i.id === 'p0003')?.error).toMatch(/did you mean 'shipped'.*returns no rows/);
      expect(round1.find((i) => i.id === 'p0005')?.error).toMatch(/public\.customers\.region is compared with 'west'/);
      // Round 2: what is still flagged or invalid, each with its latest attempt.
      const round2 = repairRequests[1] as RepairPromptItem[];
      expect(round2.map((i) => i.id)).toEqual(['p0002', 'p0003', 'p0005', 'p0009']);
      expect(round2.find((i) => i.id === 'p0003')?.sql).toBe(PARTIAL_FIX);
      expect(round2.find((i) => i.id === 'p0003')?.error).toMatch(/returns no rows/);
      expect(round2.find((i) => i.id === 'p0003')?.error).not.toMatch(/Shipped/);
    });

    it('repairs a flagged pair; a repaired pair still flagged stays flagged; a worse proposal is not taken', async () => {
      expect(rec(report, 'p0004')).toMatchObject({
        status: 'repaired',
        repaired_sql: "SELECT count(*) AS n FROM orders WHERE channel IN ('web', 'store')",
        execute_check: 'passed',
        flags: [],
      });
      expect(rec(report, 'p0004').original_error).toMatch(/compared with 'mobile'/);
      expect(rec(report, 'p0003')).toMatchObject({ status: 'repaired', execute_check: 'flagged', flags: ['empty_result'], enum_literals: [] });
      expect(rec(report, 'p0002')).toMatchObject({ status: 'valid', repaired_sql: null, flags: ['empty_result'], attempts: 2 });
      expect(rec(report, 'p0007')).toMatchObject({ status: 'repaired', execute_check: 'passed', difficulty: 'easy' });
      expect(report.summary).toMatchObject({ flagged: 3, flags_repaired: 2, repaired: 3, valid: 8, invalid: 1 });
      const kept = JSON.parse(await dir.readText(PAIR_FILE)) as { question: string; sql: string }[];
      expect(kept.find((p) => p.question === PAIRS[3]?.question)?.sql).toBe("SELECT count(*) AS n FROM orders WHERE channel IN ('web', 'store')");
    });
  });

  describe('through the API: a task option, and an override for one run', () => {
    let api: TestServer;

    beforeAll(async () => {
      api = await startTestServer();
    });
    afterAll(async () => {
      await api?.close();
    });

    async function execute(taskId: string, body: Record<string, unknown>) {
      const accepted = await api.call('POST', `${BASE}/${taskId}/execute`, body);
      expect(accepted.status, JSON.stringify(accepted.body)).toBe(202);
      const final = await waitForFinal(api.call, taskId);
      expect(final.status).toBe('completed');
      return step(final, 'sql_validation');
    }

    it('"execute_check": false on the task skips the run; "execute_check": true on one execute runs it for that run only', async () => {
      const taskId = await createTask(api.call, ['customers', 'orders'], { db_connection: db.url, enable_training_data_load: false, execute_check: false });
      const off = await execute(taskId, {});
      expect(off.result).toMatchObject({ execute_check: false, flagged: null, empty_results: null });
      expect(off.counters).not.toHaveProperty('pairs_flagged');

      const on = await execute(taskId, { execution_mode: 'step', step_name: 'sql_validation', execute_check: true });
      expect(on.result).toMatchObject({ execute_check: true });
      expect(on.counters.pairs_flagged).toEqual(expect.any(Number));
      expect((await getTask(api.call, taskId)).parameters).toMatchObject({ execute_check: false });

      const refused = await api.call('POST', `${BASE}/${taskId}/execute`, { execute_check: 'no' });
      expect(refused.status).toBe(400);
    });

    it('runs the check by default', async () => {
      const taskId = await createTask(api.call, ['customers', 'orders'], { db_connection: db.url, enable_training_data_load: false });
      const validation = await execute(taskId, {});
      expect(validation.result).toMatchObject({ execute_check: true });
      expect(validation.counters.pairs_flagged).toEqual(expect.any(Number));
      expect(validation.result?.difficulty).toEqual({ easy: expect.any(Number), medium: expect.any(Number), hard: expect.any(Number) });
    });
  });
});
