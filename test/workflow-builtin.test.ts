/**
 * The complete workflow with the builtin provider on the sample database served by the real
 * PostgreSQL server: file formats, DDL that PostgreSQL loads, pair quality, metadata that runs.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Settings } from '../src/config/settings.js';
import { SAMPLE_ROW_COUNTS, SAMPLE_TABLES, SAMPLE_VIEWS } from '../src/source/sample/index.js';
import { ensureSqlParser, parseStatements } from '../src/sql/pg-parser.js';
import { checkReadOnlyQuery } from '../src/sql/statement-guard.js';
import { runWorkflow, type WorkflowResult } from '../src/workflow/orchestrator.js';
import { parseMarkdown } from '../src/workflow/render/table-files.js';
import { TaskDirectory } from '../src/task-directory/task-dir.js';
import { parseMapping } from '../src/task-directory/task-files.js';
import { parseLogLine } from '../src/task-directory/task-log.js';
import type { WorkflowEvent } from '../src/workflow/workflow-types.js';
import { workflowOptions, type WorkflowOptions } from '../src/workflow/run-options.js';
import { createSampleDatabaseOnServer, createScratchDatabase, makeTempDir, testSettings, type ScratchDatabase } from './support/env.js';

const LISTED = [...SAMPLE_TABLES, ...SAMPLE_VIEWS];

function options(taskId: string, source: string, language: 'en' | 'zh' = 'en'): WorkflowOptions {
  return workflowOptions({
    task_id: taskId,
    db_connection: source,
    business_context: 'Outdoor gear retailer',
    language,
    execute_check: true,
    enable_training_data_load: false,
  });
}

async function runComplete(settings: Settings, source: string, taskId: string, language: 'en' | 'zh') {
  const dir = await TaskDirectory.open(path.join(settings.trainingDataDir, taskId), { create: true });
  await dir.writeFile('table_list.txt', `# everything\n${LISTED.join('\n')}\n`);
  const events: WorkflowEvent[] = [];
  const result = await runWorkflow({ dir, settings, options: options(taskId, source, language), mode: 'complete', onEvent: (e) => events.push(e) });
  return { dir, result, events };
}

async function pairsOf(dir: TaskDirectory): Promise<{ question: string; sql: string }[]> {
  const name = (await dir.fileNames((n) => n.endsWith('_pair.json')))[0] as string;
  return JSON.parse(await dir.readText(name)) as { question: string; sql: string }[];
}

describe('complete workflow, builtin provider, sample database on PostgreSQL', () => {
  let sample: ScratchDatabase;
  let settings: Settings;
  let run: { dir: TaskDirectory; result: WorkflowResult; events: WorkflowEvent[] };
  let client: pg.Client;

  beforeAll(async () => {
    await ensureSqlParser();
    sample = await createSampleDatabaseOnServer();
    settings = testSettings(await makeTempDir());
    run = await runComplete(settings, sample.url, 'task_builtin_en', 'en');
    client = new pg.Client({ connectionString: sample.url });
    await client.connect();
  });
  afterAll(async () => {
    await client?.end();
    await sample?.drop();
  });

  it('completes every enabled step and reports counters', () => {
    expect(run.result.status).toBe('completed');
    expect(run.result.steps.map((s) => [s.step_name, s.step_status])).toEqual([
      ['ddl_generation', 'completed'],
      ['qa_generation', 'completed'],
      ['sql_validation', 'completed'],
      ['training_load', 'skipped'],
    ]);
    expect(run.result.summary.tables).toBe(LISTED.length);
    expect(run.result.summary.validation_rate).toBe(1);
    expect(run.result.llm_usage.provider).toBe('builtin');
    expect(run.events.filter((e) => e.type === 'step_started').map((e) => (e as { step: string }).step)).toEqual([
      'ddl_generation',
      'qa_generation',
      'sql_validation',
    ]);
  });

  it('writes both files of every table and lists them in filename_mapping.txt', async () => {
    const mapping = parseMapping(await run.dir.readText('filename_mapping.txt'));
    expect(mapping.map((m) => m.table)).toEqual(LISTED);
    const byTable = Object.fromEntries(mapping.map((m) => [m.table, m]));
    expect(byTable['public.orders']).toEqual({ table: 'public.orders', ddl: 'orders.ddl', md: 'orders_detail.md' });
    expect(byTable['hr.employees']).toEqual({ table: 'hr.employees', ddl: 'hr__employees.ddl', md: 'hr__employees_detail.md' });
    expect(byTable['public.CustomerFeedback']?.ddl).toBe('CustomerFeedback.ddl');
    for (const m of mapping) {
      expect(await run.dir.exists(m.ddl)).toBe(true);
      expect(await run.dir.exists(m.md)).toBe(true);
    }
  });

  it('writes .ddl files with the two header lines that PostgreSQL parses and loads', async () => {
    const mapping = parseMapping(await run.dir.readText('filename_mapping.txt'));
    const texts = new Map<string, string>();
    for (const m of mapping) {
      const text = await run.dir.readText(m.ddl);
      const lines = text.split('\n');
      expect(lines[0]).toMatch(/^-- Name: \S/);
      expect(lines[1]).toMatch(/^-- Description: \S/);
      // One statement, the table's or view's; orders first defines the enum type of its status, and
      // a table outside public first creates its schema unless it exists.
      const statements = parseStatements(text).map((s) => s.kind);
      expect(statements.slice(0, -1)).toEqual(m.table === 'public.orders' ? ['DoStmt'] : m.table.startsWith('hr.') ? ['CreateSchemaStmt'] : []);
      texts.set(m.table, text);
    }
    // Load every file into a scratch database, tables in foreign-key order, then the views.
    const scratch = await createScratchDatabase('dp_ddl');
    const target = new pg.Client({ connectionString: scratch.url });
    await target.connect();
    try {
      // The files define the types and the schemas they use: nothing is created beforehand.
      const order = [...SAMPLE_TABLES, ...SAMPLE_VIEWS];
      expect([...order].sort()).toEqual([...texts.keys()].sort());
      for (const name of order) await target.query(texts.get(name) as string);
      const columns = await target.query<{ n: string }>(`SELECT count(*)::text AS n FROM information_schema.columns WHERE table_schema IN ('public','hr')`);
      const source = await client.query<{ n: string }>(`SELECT count(*)::text AS n FROM information_schema.columns WHERE table_schema IN ('public','hr')`);
      expect(columns.rows[0]?.n).toBe(source.rows[0]?.n);
      const fks = await target.query(`SELECT 1 FROM pg_constraint WHERE contype = 'f'`);
      expect(fks.rowCount).toBe(16);
    } finally {
      await target.end();
      await scratch.drop();
    }
  });

  it('writes _detail.md files in the reference structure and keeps database comments', async () => {
    const md = await run.dir.readText('orders_detail.md');
    const lines = md.split('\n');
    expect(lines[0]).toMatch(/^## orders \(.+\)$/);
    expect(lines[1]).toMatch(/^Table orders: /);
    expect(lines[2]).toBe('Columns:');
    expect(md).toMatch(/^- id \(bigint\) - .+ \[primary key, not null\] \[examples: 1, 2\]$/m);
    expect(md).toContain('- status is an enumeration with values: pending, paid, shipped, delivered, cancelled, refunded');
    expect(md).toContain('- channel is an enumeration with values: phone, store, web');
    expect(md).toContain('- customer_id references customers(id)');
    const parsed = parseMarkdown(md);
    const dbComment = await client.query<{ c: string }>(`SELECT col_description('orders'::regclass, 6) AS c`);
    expect(parsed.columnComments.channel).toBe(dbComment.rows[0]?.c);
    expect(parsed.enumValues.status).toHaveLength(6);
    const feedback = parseMarkdown(await run.dir.readText('CustomerFeedback_detail.md'));
    expect(Object.keys(feedback.columnComments)).toContain('NPS_Score');
  });

  it('never writes an empty or apologetic comment', async () => {
    for (const name of await run.dir.fileNames((n) => n.endsWith('_detail.md'))) {
      const parsed = parseMarkdown(await run.dir.readText(name));
      for (const comment of [parsed.tableComment, ...Object.values(parsed.columnComments)]) {
        expect(comment?.trim()).toBeTruthy();
        expect(comment).not.toMatch(/sorry|cannot|抱歉/i);
      }
    }
  });

  it('writes comments.sql with COMMENT ON statements only, for review', async () => {
    const text = await run.dir.readText('comments.sql');
    const statements = parseStatements(text);
    expect(statements.length).toBeGreaterThan(10);
    expect(new Set(statements.map((s) => s.kind))).toEqual(new Set(['CommentStmt']));
    // Existing database comments are not re-issued.
    expect(text).not.toContain('COMMENT ON TABLE public.orders IS');
    const stillNull = await client.query(`SELECT obj_description('product_categories'::regclass, 'pg_class') AS c`);
    expect(stillNull.rows[0]?.c).toBeNull();
  });

  it('builtin pairs: every pair validates, 90% return rows, every table with rows is used, no repeated question', async () => {
    const pairs = await pairsOf(run.dir);
    expect(pairs.length).toBeGreaterThanOrEqual(40);
    const questions = pairs.map((p) => p.question.trim().toLowerCase());
    expect(new Set(questions).size).toBe(questions.length);
    let withRows = 0;
    const used = new Set<string>();
    for (const pair of pairs) {
      const guard = checkReadOnlyQuery(pair.sql);
      expect(guard.ok, pair.sql).toBe(true);
      if (!guard.ok) continue;
      for (const t of guard.tables) used.add(`${t.schema ?? 'public'}.${t.name}`);
      const result = await client.query(`SELECT * FROM (${guard.statement}) q LIMIT 1`);
      if ((result.rowCount ?? 0) > 0) withRows += 1;
    }
    expect(withRows / pairs.length).toBeGreaterThanOrEqual(0.9);
    const withData = LISTED.filter((t) => (SAMPLE_ROW_COUNTS[t] ?? 1) > 0);
    for (const t of withData) expect(used, `${t} is in no pair`).toContain(t);
    const report = JSON.parse(await run.dir.readText((await run.dir.fileNames((n) => n.endsWith('_report.json')))[0] as string)) as {
      summary: { execute_check: boolean; enum_literal_flags: number | null; difficulty: Record<string, number> };
      records: { status: string; empty_result: boolean; difficulty: string | null }[];
    };
    expect(report.records.every((r) => r.status === 'valid')).toBe(true);
    // The generator takes its values from the documented enumerations: the execute check finds none outside them.
    expect(report.summary).toMatchObject({ execute_check: true, enum_literal_flags: 0 });
    expect(report.records.every((r) => r.difficulty !== null)).toBe(true);
    expect(Object.values(report.summary.difficulty).reduce((a, b) => a + b, 0)).toBe(report.records.length);
  });

  it('writes metadata.txt that PostgreSQL executes, one row per theme', async () => {
    const result = run.result.steps.find((s) => s.step_name === 'qa_generation');
    const themes = (result?.result.themes as unknown[] | undefined)?.length ?? 0;
    expect(themes).toBeGreaterThanOrEqual(5);
    const scratch = await createScratchDatabase('dp_meta');
    const target = new pg.Client({ connectionString: scratch.url });
    await target.connect();
    try {
      await target.query(await run.dir.readText('metadata.txt'));
      const rows = await target.query<{ n: number; tables: string[] }>('SELECT count(*)::int AS n, max(cardinality(related_tables)) AS tables FROM metadata');
      expect(rows.rows[0]?.n).toBe(themes);
    } finally {
      await target.end();
      await scratch.drop();
    }
    const detail = await run.dir.readText('metadata_detail.md');
    expect(detail).toMatch(/^## metadata \(/);
    const prompt = await run.dir.readText('db_query_decision_prompt.txt');
    expect(prompt.split('\n').filter((l) => !l.startsWith('- ') && l.trim())).toEqual([
      '=== Database business scope ===',
      expect.stringMatching(/^This database holds data about: Outdoor gear retailer\. It has 14 tables/),
      'Core business entities:',
      'Key business metrics:',
    ]);
  });

  it('writes task_config.json, task_result.json and a log in the reference line format, without the password', async () => {
    const config = JSON.parse(await run.dir.readText('task_config.json')) as { parameters: { db_connection: string } };
    expect(config.parameters.db_connection).toBe(sample.url);
    const result = JSON.parse(await run.dir.readText('task_result.json')) as WorkflowResult;
    expect(result.status).toBe('completed');
    const log = await run.dir.readText('data_pipeline.log');
    const lines = log.trim().split('\n');
    expect(lines.length).toBeGreaterThan(10);
    for (const line of lines) expect(parseLogLine(line), line).toBeDefined();
    expect(lines.some((l) => /\[INFO\] data_pipeline\.ddl_generation: \[ddl_generation\] /.test(l))).toBe(true);
  });

  it('writes Chinese labels and questions with --language zh', async () => {
    const zh = await runComplete(settings, sample.url, 'task_builtin_zh', 'zh');
    expect(zh.result.status).toBe('completed');
    const md = await zh.dir.readText('orders_detail.md');
    expect(md.split('\n')[2]).toBe('字段列表：');
    expect(md).toContain('字段补充说明：');
    expect(md).toMatch(/^- id \(bigint\) - .+ \[主键, 非空\] \[示例: 1, 2\]$/m);
    expect((await zh.dir.readText('orders.ddl')).split('\n')[0]).toMatch(/^-- 中文名: /);
    const pairs = await pairsOf(zh.dir);
    expect(pairs.every((p) => /[\u4e00-\u9fff]/.test(p.question))).toBe(true);
    expect(zh.result.summary.validation_rate).toBe(1);
    expect(new Set(pairs.map((p) => p.question)).size).toBe(pairs.length);
  });

  it('documents a missing table as a failure without stopping the others', async () => {
    const dir = await TaskDirectory.open(path.join(settings.trainingDataDir, 'task_missing'), { create: true });
    await dir.writeFile('table_list.txt', 'regions, nope.nothing\nstores');
    const result = await runWorkflow({ dir, settings, options: options('task_missing', sample.url), mode: 'step', step: 'ddl_generation' });
    expect(result.status).toBe('completed');
    const step = result.steps[0];
    expect(step?.counters).toMatchObject({ tables_done: 2, tables_failed: 1 });
    expect(step?.result.failed_tables).toEqual([{ table: 'nope.nothing', reason: 'no such table, view or materialized view' }]);
    expect(await fs.readFile(path.join(dir.path, 'ddl_generation_result.json'), 'utf8')).toContain('nope.nothing');
  });
});
