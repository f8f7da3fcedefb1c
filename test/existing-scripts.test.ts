/**
 * The existing service's scripts, run as its users' shell scripts run them (the built CLI, its own
 * process): `--db-connection` wherever `--db` is, `--log-file`, `--skip-training-load`; the
 * validator on a named pair file (`validate --input-file`, `--dry-run`, its exit codes); the
 * trainer on a directory (`load --data_path`); and the keys its readers find in
 * `sql_validation_*_report.json` and `task_result.json`.
 */
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openEmbeddedStore } from '../src/db/embedded-store.js';
import { COLLECTION_TABLE, EMBEDDING_TABLE } from '../src/vector/vector-store.js';
import { createSampleDatabaseOnServer, makeTempDir, TEST_CACHE_DIR, type ScratchDatabase } from './support/env.js';
import { runCli } from './support/run-helpers.js';

/** Every file under a directory with the SHA-256 of its bytes: equal snapshots mean nothing changed. */
async function snapshot(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const entry of await fs.readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    const full = path.join(entry.parentPath, entry.name);
    out[path.relative(dir, full)] = createHash('sha256')
      .update(await fs.readFile(full))
      .digest('hex');
  }
  return out;
}

const pairs = (valid: number, invalid: number) => [
  ...Array.from({ length: valid }, (_, i) => ({ question: `How many orders are there above ${i}?`, sql: `SELECT count(*) FROM orders WHERE ${i} >= 0` })),
  ...Array.from({ length: invalid }, (_, i) => ({ question: `Broken ${i}?`, sql: `SELECT nothing_${i} FROM no_such_table_${i}` })),
];

async function reportIn(dir: string): Promise<{ name: string; report: Record<string, any> }> {
  const names = (await fs.readdir(dir)).filter((n) => /^sql_validation_\d{8}_\d{6}_report\.json$/.test(n));
  expect(names).toHaveLength(1);
  const name = names[0] as string;
  return { name, report: JSON.parse(await fs.readFile(path.join(dir, name), 'utf8')) };
}

describe('the existing service scripts', () => {
  let sample: ScratchDatabase;
  let root: string;
  let env: Record<string, string>;
  let tableList: string;

  beforeAll(async () => {
    sample = await createSampleDatabaseOnServer();
    root = await makeTempDir('dp-scripts-');
    env = {
      DP_TRAINING_DATA_DIR: path.join(root, 'training_data'),
      DP_STORE_DIR: path.join(root, 'store'),
      DP_CACHE_DIR: TEST_CACHE_DIR,
      EMBEDDING_DIM: '64',
    };
    tableList = path.join(root, 'tables.txt');
    await fs.writeFile(tableList, 'regions, stores\ncustomers\norders\n');
  });
  afterAll(async () => sample?.drop());

  it('run takes --db-connection, --skip-training-load and --log-file; task_result.json carries success, workflow_state and artifacts', async () => {
    const password = 'Log-S3cret-pw-42';
    const url = new URL(sample.url);
    url.password = password;
    const out = path.join(root, 'run-out');
    const logFile = path.join(root, 'run.log');
    const result = await runCli(
      ['run', '--db-connection', url.toString(), '--table-list', tableList, '--business-context', 'Outdoor gear', '--output-dir', out].concat([
        '--task-id',
        'manual_alias',
        '--skip-training-load',
        '--log-file',
        logFile,
        '--json',
      ]),
      env,
    );
    expect(result.code, result.stderr).toBe(0);
    const taskDir = path.join(out, 'manual_alias');
    const taskResult = JSON.parse(await fs.readFile(path.join(taskDir, 'task_result.json'), 'utf8'));
    // Our keys stay.
    expect(taskResult.status).toBe('completed');
    expect(taskResult.steps.map((s: { step_name: string; step_status: string }) => `${s.step_name}:${s.step_status}`)).toEqual([
      'ddl_generation:completed',
      'qa_generation:completed',
      'sql_validation:completed',
      'training_load:skipped',
    ]);
    // And the existing service's, as its schema_workflow writes them.
    expect(taskResult.success).toBe(true);
    const state = taskResult.workflow_state;
    expect(state.completed_steps).toEqual(['ddl_md_generation', 'question_sql_generation', 'sql_validation']);
    expect(state.failed_steps).toEqual([]);
    expect(state.current_step).toBe('sql_validation');
    expect(state.start_time).toBe(Date.parse(taskResult.started_at) / 1000);
    expect(state.end_time).toBeGreaterThanOrEqual(state.start_time);
    expect(Object.keys(state.statistics)).toEqual(['step1_duration', 'step2_duration', 'step3_duration']);
    expect(taskResult.artifacts).toEqual(state.artifacts);
    const ddl = taskResult.artifacts.ddl_md_generation;
    expect(ddl).toMatchObject({ total_tables: 4, processed_successfully: 4, failed: 0 });
    const qa = taskResult.artifacts.question_sql_generation;
    const pairFile = (await fs.readdir(taskDir)).find((n) => /^qs_.*_pair\.json$/.test(n)) as string;
    expect(qa.output_file).toBe(path.join(taskDir, pairFile));
    expect(qa.total_questions).toBe(taskResult.steps[1].counters.pairs);
    expect(qa.successful_themes).toBe(qa.total_themes);
    const validation = taskResult.artifacts.sql_validation;
    expect(validation.original_sql_count).toBe(taskResult.steps[2].counters.pairs);
    expect(validation.valid_sql_count).toBe(taskResult.steps[2].counters.pairs_valid);
    expect(validation.success_rate).toBe(taskResult.summary.validation_rate);
    expect(Object.keys(validation.repair_stats)).toEqual(['attempted', 'successful', 'failed']);
    expect(taskResult.artifacts.training_data_load).toBeUndefined();

    // The log file holds the run's lines, as the task log does, and never the password.
    const lines = (await fs.readFile(logFile, 'utf8')).trimEnd().split('\n');
    expect(lines.length).toBeGreaterThan(5);
    expect(lines[0]).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} \[INFO\] data_pipeline\.workflow: \[workflow\] task manual_alias: complete run/);
    expect(lines.some((l) => l.includes('[sql_validation] validating'))).toBe(true);
    const taskLog = await fs.readFile(path.join(taskDir, 'data_pipeline.log'), 'utf8');
    expect(taskLog.trimEnd().split('\n')).toEqual(lines);
    expect(lines.join('\n')).not.toContain(password);
    expect(lines.join('\n')).toContain(':***@');

    // step takes --db-connection as well.
    const step = await runCli(['step', 'sql_validation', '--task-dir', taskDir, '--db-connection', url.toString(), '--json'], env);
    expect(step.code, step.stderr).toBe(0);
    expect(JSON.parse(step.stdout).steps[0].step_status).toBe('completed');
  });

  it('validate --task-id takes the newest pair file of the task and its database from task_config.json, reporting into the task directory', async () => {
    const taskDir = path.join(root, 'training_data', 'task_validate');
    await fs.mkdir(taskDir, { recursive: true });
    // The database as task_config.json records it: password masked (the test server trusts the user).
    const masked = new URL(sample.url);
    masked.password = '***';
    await fs.writeFile(path.join(taskDir, 'task_config.json'), JSON.stringify({ task_id: 'task_validate', parameters: { db_connection: masked.toString() } }));
    await fs.writeFile(path.join(taskDir, 'qs_shop_20250101_120000_pair.json'), JSON.stringify(pairs(1, 1)));
    await fs.writeFile(path.join(taskDir, 'qs_shop_20250102_120000_pair.json'), JSON.stringify(pairs(7, 3)));
    const result = await runCli(['validate', '--task-id', 'task_validate', '--dry-run', '--disable-llm-repair'], env);
    expect(result.code, result.stderr).toBe(1);
    const { report } = await reportIn(taskDir);
    expect(report.metadata.input_file).toBe(path.join(taskDir, 'qs_shop_20250102_120000_pair.json'));
    expect(report.summary).toMatchObject({ pair_file: 'qs_shop_20250102_120000_pair.json', total_questions: 10, valid_sqls: 7, success_rate: 0.7 });
    const missing = await runCli(['validate', '--task-id', 'no_such_task', '--db', sample.url], env);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/--task-id no_such_task: no such task directory under /);
  });

  it('refuses --db and --db-connection naming different databases, and run without either, with exit 2', async () => {
    const both = await runCli(
      [
        'run',
        '--db',
        sample.url,
        '--db-connection',
        'postgresql://postgres:pw-in-it@127.0.0.1:5432/other',
        '--table-list',
        tableList,
        '--business-context',
        'x',
      ],
      env,
    );
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/--db and --db-connection name different databases; give one of them/);
    expect(both.stderr).not.toContain('pw-in-it');
    const neither = await runCli(['run', '--table-list', tableList, '--business-context', 'x'], env);
    expect(neither.code).toBe(2);
    expect(neither.stderr).toMatch(/required option '--db <url\|sample>' \(or --db-connection <url>\) not specified/);
    const drift = await runCli(['drift', '--task-dir', root, '--db', sample.url, '--db-connection', 'sample'], env);
    expect(drift.code).toBe(2);
    expect(drift.stderr).toMatch(/--db and --db-connection name different databases/);
  });

  it('validate --input-file --dry-run leaves the pair file and its directory byte for byte, writes the reports to --output-dir, exits 2 below 70%', async () => {
    const inputDir = path.join(root, 'dry-in');
    const outputDir = path.join(root, 'dry-out');
    await fs.mkdir(inputDir);
    const input = path.join(inputDir, 'my_pairs.json');
    await fs.writeFile(input, `${JSON.stringify(pairs(1, 2), null, 2)}\n`);
    await fs.writeFile(path.join(inputDir, 'notes.txt'), 'kept as it is\n');
    const before = await snapshot(inputDir);
    const result = await runCli(
      ['validate', '--input-file', input, '--db-connection', sample.url, '--dry-run', '--output-dir', outputDir, '--disable-llm-repair'],
      env,
    );
    expect(result.code, result.stderr).toBe(2);
    expect(result.stdout).toContain(`  Reports:   ${path.join(outputDir, 'sql_validation_')}`);
    expect(result.stdout).toContain('  Rewritten: no');
    expect(await snapshot(inputDir)).toEqual(before);
    const names = await fs.readdir(outputDir);
    expect(names.sort()).toEqual([expect.stringMatching(/_report\.json$/), expect.stringMatching(/_summary\.log$/)]);
    const { report } = await reportIn(outputDir);
    // The existing validator's keys and field names…
    expect(report.metadata).toMatchObject({ input_file: input, database_connection: expect.any(String) });
    expect(report.metadata.config).toMatchObject({ enable_sql_repair: false, modify_original_file: false });
    expect(report.summary).toMatchObject({
      total_questions: 3,
      valid_sqls: 1,
      invalid_sqls: 2,
      success_rate: 1 / 3,
      total_retries: 0,
      repair_stats: { attempted: 0, successful: 0, failed: 0 },
      file_modification_stats: { modified: 0, deleted: 0, failed_modifications: 0 },
    });
    expect(report.detailed_results).toHaveLength(3);
    expect(report.detailed_results[0]).toMatchObject({
      index: 1,
      valid: true,
      error_message: null,
      retry_count: 0,
      repair_attempted: false,
      repaired_sql: null,
    });
    expect(report.detailed_results[2]).toMatchObject({
      index: 3,
      question: 'Broken 1?',
      sql: 'SELECT nothing_1 FROM no_such_table_1',
      valid: false,
      error_message: expect.stringMatching(/no_such_table_1/),
      repair_successful: false,
    });
    expect(typeof report.detailed_results[0].execution_time).toBe('number');
    // …next to ours.
    expect(report.summary).toMatchObject({ total: 3, valid: 1, invalid: 2, modified_file: false, pair_file: input });
    expect(report.records).toHaveLength(3);
  });

  it('validate --input-file without --dry-run reports next to the file, rewrites it after a .backup copy, and exits 1 between 70% and 90%', async () => {
    const dir = path.join(root, 'rewrite');
    await fs.mkdir(dir);
    const input = path.join(dir, 'qs_shop_20250101_120000_pair.json');
    const original = `${JSON.stringify(pairs(8, 2), null, 2)}\n`;
    await fs.writeFile(input, original);
    const logFile = path.join(root, 'validate.log');
    const result = await runCli(['validate', '--input-file', input, '--db', sample.url, '--disable-llm-repair', '--log-file', logFile], env);
    expect(result.code, result.stderr).toBe(1);
    // It says where the reports went and what became of the file.
    expect(result.stdout).toMatch(/^ {2}Valid: {5}8\/10 \(80\.0%\), 0 repaired/m);
    expect(result.stdout).toContain(`  Reports:   ${path.join(dir, 'sql_validation_')}`);
    expect(result.stdout).toContain(`  Rewritten: yes (backup ${input}.backup`);
    expect(await fs.readFile(`${input}.backup`, 'utf8')).toBe(original);
    const kept = JSON.parse(await fs.readFile(input, 'utf8')) as { question: string }[];
    expect(kept.map((p) => p.question)).toEqual(pairs(8, 0).map((p) => p.question));
    const names = await fs.readdir(dir);
    expect(names.filter((n) => /^file_modifications_\d{8}_\d{6}\.log$/.test(n))).toHaveLength(1);
    // A script's run on the user's files writes no task records there.
    expect(names).not.toContain('data_pipeline.log');
    expect(names).not.toContain('sql_validation_result.json');
    const { report } = await reportIn(dir);
    expect(report.summary).toMatchObject({ total_questions: 10, valid_sqls: 8, success_rate: 0.8, file_modification_stats: { deleted: 2 } });
    expect(await fs.readFile(logFile, 'utf8')).toMatch(/\[sql_validation\] rewrote .*qs_shop_20250101_120000_pair\.json: 0 repaired, 2 removed/);
  });

  it('validate exits 0 at 90% or more, and names what is missing on bad input', async () => {
    const input = path.join(root, 'good_pair.json');
    await fs.writeFile(input, JSON.stringify(pairs(9, 1)));
    const outputDir = path.join(root, 'good-out');
    // On the bundled sample database, as `--db sample` names it.
    const good = await runCli(
      ['validate', '--input-file', input, '--db-connection', 'sample', '--dry-run', '--output-dir', outputDir, '--disable-llm-repair', '--json'],
      env,
    );
    expect(good.code, good.stderr).toBe(0);
    expect(JSON.parse(good.stdout).summary.validation_rate).toBe(0.9);

    const missing = await runCli(['validate', '--input-file', path.join(root, 'nope.json'), '--db', sample.url], env);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/--input-file .*nope\.json: no such file/);
    const neither = await runCli(['validate', '--db', sample.url], env);
    expect(neither.code).toBe(2);
    expect(neither.stderr).toMatch(/give --input-file <pair\.json> or --task-id <id>/);
    const noDb = await runCli(['validate', '--input-file', input], env);
    expect(noDb.code).toBe(2);
    expect(noDb.stderr).toMatch(/required option '--db <url\|sample>' \(or --db-connection <url>\) not specified/);
    const badTimeout = await runCli(['validate', '--input-file', input, '--db', sample.url, '--timeout', 'soon'], env);
    expect(badTimeout.code).toBe(2);
    expect(badTimeout.stderr).toMatch(/--timeout "soon" is not a whole number from 1 to 3600 \(seconds\)/);
  });

  it('load --data_path loads every training file of the directory (.ddl, .md, _pair.json, _pair.sql), skips the rest, and a second load adds nothing', async () => {
    const data = path.join(root, 'trainer_data');
    await fs.mkdir(path.join(data, 'sub'), { recursive: true });
    await fs.writeFile(path.join(data, 'orders.ddl'), 'CREATE TABLE public.orders (id integer PRIMARY KEY);\nCREATE TABLE public.items (id integer);\n');
    await fs.writeFile(path.join(data, 'glossary.md'), '# Glossary\nAn order is a purchase.\n## Status\nShipped or not.\n');
    await fs.writeFile(
      path.join(data, 'qs_shop_20250101_120000_pair.json'),
      JSON.stringify([
        { Question: 'How many orders are there?', SQL: 'SELECT count(*) FROM orders' },
        { question: '', sql: 'SELECT 1' },
      ]),
    );
    await fs.writeFile(
      path.join(data, 'extra_pair.sql'),
      'Question: How many items are there?\nSQL: SELECT count(*)\nFROM items;\n\nquestion: List the order ids\nsql:\nSELECT id FROM orders\n',
    );
    await fs.writeFile(path.join(data, 'examples.sql'), 'SELECT 1;\n');
    await fs.writeFile(path.join(data, 'notes.txt'), 'not training data\n');
    await fs.writeFile(path.join(data, 'other.json'), '{}\n');
    await fs.writeFile(path.join(data, 'sub', 'inner.ddl'), 'CREATE TABLE public.inner_table (id integer);\n');

    const first = await runCli(['load', '--data_path', data, '--db-connection', sample.url, '--task-id', 'trainer_load', '--json'], env);
    expect(first.code, first.stderr).toBe(0);
    const load = JSON.parse(first.stdout).steps[0];
    expect(load.result.loaded).toEqual({ ddl: 2, documentation: 2, sql: 3 });
    expect(load.result.files).toEqual(['extra_pair.sql', 'glossary.md', 'orders.ddl', 'qs_shop_20250101_120000_pair.json']);
    expect(load.result.files_skipped).toEqual(['examples.sql', 'notes.txt', 'other.json']);
    expect(load.result.sync).toMatchObject({ added: 7, embedded: 7 });
    const names = await fs.readdir(data);
    expect(names).not.toContain('data_pipeline.log');
    expect(names).not.toContain('training_load_result.json');

    const db = await openEmbeddedStore(path.join(root, 'store'));
    try {
      const rows = await db.query<{ name: string; document: string }>(
        `SELECT c.name, e.document FROM ${EMBEDDING_TABLE} e JOIN ${COLLECTION_TABLE} c ON c.uuid = e.collection_id WHERE e.cmetadata -> 'task_ids' ? 'trainer_load' ORDER BY c.name, e.document`,
      );
      const count = (name: string) => rows.filter((r) => r.name === name).length;
      expect({ ddl: count('ddl'), documentation: count('documentation'), sql: count('sql') }).toEqual({ ddl: 2, documentation: 2, sql: 3 });
      const sqlDocs = rows.filter((r) => r.name === 'sql').map((r) => JSON.parse(r.document));
      expect(sqlDocs).toContainEqual({ question: 'How many items are there?', sql: 'SELECT count(*)\nFROM items;' });
      expect(sqlDocs).toContainEqual({ question: 'List the order ids', sql: 'SELECT id FROM orders' });
      expect(sqlDocs).toContainEqual({ question: 'How many orders are there?', sql: 'SELECT count(*) FROM orders' });
      expect(rows.some((r) => r.document.includes('inner_table'))).toBe(false);
    } finally {
      await db.close();
    }

    const second = await runCli(['load', '--data-path', data, '--db', sample.url, '--task-id', 'trainer_load', '--json'], env);
    expect(second.code, second.stderr).toBe(0);
    expect(JSON.parse(second.stdout).steps[0].result.sync).toMatchObject({ added: 0, updated: 0, deleted: 0, unchanged: 7, embedded: 0 });

    // The summary tells what the load did, not "0 documented" for steps it did not run.
    const summary = await runCli(['load', '--data-path', data, '--db', sample.url, '--task-id', 'trainer_load'], env);
    expect(summary.code, summary.stderr).toBe(0);
    expect(summary.stdout).toMatch(/^ {2}Vectors: /m);
    expect(summary.stdout).not.toMatch(/Tables:|Pairs:/);
  });

  it('load needs a database when the directory does not name one', async () => {
    const data = path.join(root, 'no_config');
    await fs.mkdir(data);
    await fs.writeFile(path.join(data, 'a.ddl'), 'CREATE TABLE a (id integer);\n');
    const result = await runCli(['load', '--data-path', data], env);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/pass --db <url\|sample>: the vector store keeps training data per source database/);
  });
});
