/**
 * The SQL repair flow end to end: `runWorkflow` in step mode on the bundled sample database,
 * `ddl_generation` once (builtin provider), then `sql_validation` on hand-written pair files with
 * the openai provider against the scripted server (and once with the builtin provider).
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { PairRecord } from '../src/workflow/steps/sql-validation.js';
import { runWorkflow, type WorkflowResult } from '../src/workflow/orchestrator.js';
import { TaskDirectory } from '../src/task-directory/task-dir.js';
import { workflowOptions, type WorkflowOptions } from '../src/workflow/run-options.js';
import { openSampleDatabase } from '../src/source/source-database.js';
import { SAMPLE_ROW_COUNTS } from '../src/source/sample/index.js';
import { answerWell, detectPromptKind, parseRepairItems, repairsAnswer } from './support/openai-answers.js';
import { startScriptedOpenAI, type Behaviour, type ChatRequestInfo, type ScriptedOpenAIServer } from './support/scripted-openai-server.js';
import { makeTempDir, TEST_CACHE_DIR, testSettings } from './support/env.js';

const PAIR_FILE = 'qs_test_20250101_000000_pair.json';

interface Pair {
  question: string;
  sql: string;
}

/** Ids are assigned by position: p0001, p0002, ... */
const MIXED_PAIRS: Pair[] = [
  { question: 'How many orders are there?', sql: 'SELECT COUNT(*) AS n FROM orders' }, // p0001 valid
  { question: 'Which order numbers exist?', sql: 'SELECT ordr_number FROM orders' }, // p0002 misspelt column
  { question: 'Show the order ids, then clean up', sql: 'SELECT id FROM orders; DELETE FROM orders' }, // p0003 two statements
  { question: 'Remove every order', sql: 'DELETE FROM orders' }, // p0004 not a SELECT
  { question: 'How many shipments are there?', sql: 'SELECT COUNT(*) AS n FROM warehouse_shipments' }, // p0005 unknown table
  { question: 'List the customer names', sql: 'SELECT full_nme FROM customers ORDER BY full_nme' }, // p0006 misspelt column
];

function repairOptions(taskId: string): WorkflowOptions {
  return workflowOptions({
    task_id: taskId,
    db_connection: 'sample',
    business_context: 'Trailhead Outfitters, an outdoor equipment retailer',
    enable_training_data_load: false,
  });
}

interface Report {
  summary: Record<string, unknown>;
  records: PairRecord[];
}

/** The scripted model's repair answer, in reversed order and with an id nobody asked about. */
function reversedWithUnknownId(req: ChatRequestInfo): Behaviour {
  if (detectPromptKind(req) !== 'repair') return answerWell(req);
  const { repairs } = repairsAnswer(req);
  return { kind: 'json', body: { repairs: [{ id: 'p9999', sql: 'SELECT 1 AS wrong' }, ...[...repairs].reverse()] } };
}

describe('sql_validation with LLM repair (sample database, step mode)', () => {
  let server: ScriptedOpenAIServer;
  let root: string;
  let base: TaskDirectory;
  let ordersDdl: string;
  let customersDdl: string;
  let taskCounter = 0;

  function openaiEnv(extra: Record<string, string> = {}): Record<string, string> {
    return { LLM_PROVIDER: 'openai', LLM_BASE_URL: server.baseURL, LLM_MODEL: 'scripted-model', LLM_API_KEY: 'sk-repair-secret', ...extra };
  }

  /** A task directory holding the documented tables of `base` and `pairs` as the pair file. */
  async function newTask(pairs: Pair[]): Promise<{ dir: TaskDirectory; original: string }> {
    taskCounter += 1;
    const dir = await TaskDirectory.open(path.join(root, `task_${taskCounter}`), { create: true });
    for (const name of await base.fileNames((n) => /\.ddl$|_detail\.md$|^filename_mapping\.txt$|^table_list\.txt$/.test(n))) {
      await dir.writeFile(name, await base.readText(name));
    }
    const original = `${JSON.stringify(pairs, null, 2)}\n`;
    await dir.writeFile(PAIR_FILE, original);
    return { dir, original };
  }

  function validate(dir: TaskDirectory, env: Record<string, string>): Promise<WorkflowResult> {
    return runWorkflow({ dir, settings: testSettings(root, env), options: repairOptions(dir.taskId), mode: 'step', step: 'sql_validation' });
  }

  async function readReport(dir: TaskDirectory): Promise<Report> {
    const [name, ...others] = await dir.fileNames((n) => /^sql_validation_\d{8}_\d{6}_report\.json$/.test(n));
    expect(name).toBeDefined();
    expect(others).toEqual([]);
    return JSON.parse(await dir.readText(name as string)) as Report;
  }

  function record(report: Report, id: string): PairRecord {
    const found = report.records.find((r) => r.id === id);
    expect(found, `record ${id}`).toBeDefined();
    return found as PairRecord;
  }

  beforeAll(async () => {
    server = await startScriptedOpenAI({ defaultChat: answerWell });
    root = await makeTempDir('dp-sql-repair-');
    base = await TaskDirectory.open(path.join(root, 'base'), { create: true });
    await base.writeFile('table_list.txt', 'orders, customers, order_items\n');
    const ddl = await runWorkflow({
      dir: base,
      settings: testSettings(root),
      options: repairOptions('base'),
      mode: 'step',
      step: 'ddl_generation',
    });
    expect(ddl.status).toBe('completed');
    expect(ddl.steps[0]?.counters.tables_done).toBe(3);
    ordersDdl = (await base.readText('orders.ddl')).trim();
    customersDdl = (await base.readText('customers.ddl')).trim();
  });

  afterAll(async () => {
    await server?.close();
    if (root) await fs.rm(root, { recursive: true, force: true });
  });

  beforeEach(() => {
    server.reset();
    server.setDefaultChat(answerWell);
  });

  describe('openai provider: a mixed pair file', () => {
    let dir: TaskDirectory;
    let original: string;
    let result: WorkflowResult;
    let report: Report;
    let requests: ChatRequestInfo[];

    beforeAll(async () => {
      server.reset();
      server.setDefaultChat(reversedWithUnknownId);
      // Two rate limits, then a malformed reply, then (re-ask) the reversed answer.
      server.enqueue(
        { kind: 'status', status: 429, retryAfterSeconds: 0, message: 'Rate limit reached for requests' },
        { kind: 'status', status: 429, retryAfterSeconds: 0, message: 'Rate limit reached for requests' },
        { kind: 'malformed' },
      );
      ({ dir, original } = await newTask(MIXED_PAIRS));
      result = await validate(dir, openaiEnv());
      report = await readReport(dir);
      requests = [...server.chatRequests];
    });

    it('completes, with the provider and the counts of a real run', () => {
      expect(result.status).toBe('completed');
      expect(result.llm_usage.provider).toBe('openai');
      expect(result.steps[0]?.counters).toMatchObject({ pairs: 6, pairs_valid: 3, pairs_invalid: 3, pairs_repaired: 2, pairs_removed: 3 });
      expect(report.summary).toMatchObject({ total: 6, valid: 3, valid_first_check: 1, repaired: 2, invalid: 3, modified_file: true });
    });

    it('matches repairs by id, whatever their order, ignoring an unknown id', () => {
      // Round 1 asked about the repairable failures in pair order; the answer came back reversed.
      const round1 = requests.find((r) => !r.messages.some((m) => m.role === 'assistant'))!;
      expect(parseRepairItems(round1).map((i) => i.id)).toEqual(['p0002', 'p0003', 'p0005', 'p0006']);
      expect(record(report, 'p0002')).toMatchObject({ status: 'repaired', repaired_sql: 'SELECT order_number FROM orders', error: null, attempts: 2 });
      expect(record(report, 'p0006')).toMatchObject({
        status: 'repaired',
        repaired_sql: 'SELECT full_name FROM customers ORDER BY full_name',
        error: null,
        attempts: 2,
      });
      expect(record(report, 'p0002').original_error).toMatch(/column "ordr_number" does not exist/);
      expect(record(report, 'p0006').original_error).toMatch(/column "full_nme" does not exist/);
      expect(report.records.map((r) => r.id)).not.toContain('p9999');
    });

    it('puts the DDL of the referenced tables into the repair prompt', () => {
      expect(detectPromptKind(requests[0]!)).toBe('repair');
      const prompt = requests[0]!.messages.find((m) => m.role === 'user')!.content;
      expect(prompt).toContain(ordersDdl);
      expect(prompt).toContain(customersDdl);
      expect(parseRepairItems(requests[0]!).find((i) => i.id === 'p0002')?.error).toMatch(/column "ordr_number" does not exist/);
    });

    it('retries the 429s, re-asks the malformed reply once, and counts it all', () => {
      // 429, 429 (SDK retries), malformed, re-ask: round 1; round 2 for what is still failing.
      expect(requests).toHaveLength(5);
      expect(requests[1]!.messages).toEqual(requests[0]!.messages);
      expect(requests[2]!.messages).toEqual(requests[0]!.messages);
      const reask = requests[3]!.messages;
      expect(reask.slice(0, 2)).toEqual(requests[0]!.messages);
      expect(reask[2]?.role).toBe('assistant');
      expect(reask[3]?.content).toMatch(/could not be used: the reply is not a JSON object/);
      expect(parseRepairItems(requests[4]!).map((i) => i.id)).toEqual(['p0003', 'p0005']);
      expect(result.llm_usage).toMatchObject({ requests: 5, calls: 3, reasks: 1, failures: 0 });
    });

    it('refuses the multi-statement and DELETE SQL in the parser, before any database call', async () => {
      const multi = record(report, 'p0003');
      expect(multi).toMatchObject({ status: 'invalid', repaired_sql: null });
      expect(multi.original_error).toBe('expected exactly one statement, found 2');
      const del = record(report, 'p0004');
      expect(del).toMatchObject({ status: 'invalid', repaired_sql: null, attempts: 1 });
      expect(del.error).toBe('only a query (SELECT, WITH … SELECT, VALUES) is allowed, found DELETE');
      // A DELETE is not repairable: it was never offered to the model.
      expect(requests.flatMap((r) => parseRepairItems(r).map((i) => i.id))).not.toContain('p0004');

      const sample = await openSampleDatabase(TEST_CACHE_DIR);
      try {
        const [row] = await sample.query<{ n: number }>('SELECT COUNT(*)::int AS n FROM orders');
        expect(row?.n).toBe(SAMPLE_ROW_COUNTS['public.orders']);
      } finally {
        await sample.close();
      }
    });

    it('keeps an unknown table invalid when the model cannot fix it', () => {
      const unknown = record(report, 'p0005');
      expect(unknown).toMatchObject({ status: 'invalid', repaired_sql: null, attempts: 1 });
      expect(unknown.error).toMatch(/relation "warehouse_shipments" does not exist/);
    });

    it('writes one report record per pair with status, error, repaired_sql and attempts', () => {
      expect(report.records.map((r) => [r.id, r.status])).toEqual([
        ['p0001', 'valid'],
        ['p0002', 'repaired'],
        ['p0003', 'invalid'],
        ['p0004', 'invalid'],
        ['p0005', 'invalid'],
        ['p0006', 'repaired'],
      ]);
      for (const r of report.records) {
        expect(r).toHaveProperty('error');
        expect(r).toHaveProperty('repaired_sql');
        expect(r.attempts).toBeGreaterThanOrEqual(1);
        expect(r.question).toBe(MIXED_PAIRS[r.index]!.question);
        expect(r.sql).toBe(MIXED_PAIRS[r.index]!.sql);
      }
      expect(record(report, 'p0001')).toMatchObject({ error: null, repaired_sql: null, attempts: 1 });
    });

    it('rewrites the pair file without the invalid pairs, keeping the original as .backup', async () => {
      expect(JSON.parse(await dir.readText(PAIR_FILE))).toEqual([
        MIXED_PAIRS[0],
        { question: MIXED_PAIRS[1]!.question, sql: 'SELECT order_number FROM orders' },
        { question: MIXED_PAIRS[5]!.question, sql: 'SELECT full_name FROM customers ORDER BY full_name' },
      ]);
      expect(await dir.readText(`${PAIR_FILE}.backup`)).toBe(original);
      expect(result.steps[0]?.result).toMatchObject({ backup_file: `${PAIR_FILE}.backup` });
    });
  });

  it('an apology instead of a repair leaves the pair invalid without failing the step', async () => {
    server.setDefaultChat(() => ({ kind: 'apology' }));
    const { dir } = await newTask(MIXED_PAIRS.slice(0, 2));
    const result = await validate(dir, openaiEnv());
    const report = await readReport(dir);

    expect(result.status).toBe('completed');
    expect(record(report, 'p0002')).toMatchObject({ status: 'invalid', repaired_sql: null, attempts: 1 });
    expect(record(report, 'p0002').error).toMatch(/column "ordr_number" does not exist/);
    // Two rounds, each asked and re-asked once.
    expect(server.chatRequests).toHaveLength(4);
    expect(result.llm_usage).toMatchObject({ reasks: 2, failures: 2 });
    expect(JSON.parse(await dir.readText(PAIR_FILE))).toEqual([MIXED_PAIRS[0]]);
    const log = await dir.readText('data_pipeline.log');
    expect(log).toMatch(/repair request for p0002 failed: unusable LLM reply for SQL repair after one re-ask/);
  });

  describe('DP_REPAIR_ROUNDS', () => {
    const pairs = MIXED_PAIRS.slice(0, 2);
    const wrongFirst: Behaviour = { kind: 'json', body: { repairs: [{ id: 'p0002', sql: 'SELECT order_nmbr FROM orders' }] } };

    it('with 1 round, a first proposal that is still wrong leaves the pair invalid', async () => {
      server.enqueue(wrongFirst);
      const { dir } = await newTask(pairs);
      const result = await validate(dir, openaiEnv({ DP_REPAIR_ROUNDS: '1' }));
      const report = await readReport(dir);

      expect(result.status).toBe('completed');
      expect(server.chatRequests).toHaveLength(1);
      expect(record(report, 'p0002')).toMatchObject({ status: 'invalid', repaired_sql: null, attempts: 2 });
      expect(record(report, 'p0002').error).toMatch(/column "order_nmbr" does not exist/);
      expect(record(report, 'p0002').original_error).toMatch(/column "ordr_number" does not exist/);
      // Only the referenced table's DDL is sent.
      const prompt = server.chatRequests[0]!.messages.find((m) => m.role === 'user')!.content;
      expect(prompt).toContain(ordersDdl);
      expect(prompt).not.toContain(customersDdl);
    });

    it('with 2 rounds, the second proposal (made from the first one and its error) fixes it', async () => {
      server.enqueue(wrongFirst);
      const { dir } = await newTask(pairs);
      const result = await validate(dir, openaiEnv({ DP_REPAIR_ROUNDS: '2' }));
      const report = await readReport(dir);

      expect(result.status).toBe('completed');
      expect(server.chatRequests).toHaveLength(2);
      const [item] = parseRepairItems(server.chatRequests[1]!);
      expect(item).toMatchObject({ id: 'p0002', sql: 'SELECT order_nmbr FROM orders' });
      expect(item?.error).toMatch(/column "order_nmbr" does not exist/);
      expect(record(report, 'p0002')).toMatchObject({
        status: 'repaired',
        repaired_sql: 'SELECT order_number FROM orders',
        error: null,
        attempts: 3,
      });
      expect(JSON.parse(await dir.readText(PAIR_FILE))).toEqual([pairs[0], { question: pairs[1]!.question, sql: 'SELECT order_number FROM orders' }]);
    });
  });

  it('the builtin provider (default settings) repairs the misspelt columns itself', async () => {
    const { dir, original } = await newTask(MIXED_PAIRS);
    const result = await validate(dir, {});
    const report = await readReport(dir);

    expect(result.status).toBe('completed');
    expect(result.llm_usage.provider).toBe('builtin');
    expect(server.chatRequests).toHaveLength(0);
    expect(record(report, 'p0002')).toMatchObject({ status: 'repaired', repaired_sql: 'SELECT order_number FROM orders' });
    expect(record(report, 'p0006')).toMatchObject({ status: 'repaired', repaired_sql: 'SELECT full_name FROM customers ORDER BY full_name' });
    expect(report.records.filter((r) => r.status === 'invalid').map((r) => r.id)).toEqual(['p0003', 'p0004', 'p0005']);
    expect(await dir.readText(`${PAIR_FILE}.backup`)).toBe(original);
  });
});
