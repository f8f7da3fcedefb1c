/**
 * The CLI as a user runs it (a child process): exit codes of script mode, step mode, the demo,
 * settings errors, Ctrl-C, no password in anything a run writes or prints, and `backups`.
 */
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backupTaskDirectory } from '../src/backup/file-backup.js';
import { makeTempDir, PROJECT_ROOT, TEST_CACHE_DIR, createSampleDatabaseOnServer, type ScratchDatabase } from './support/env.js';
import { spawnServer } from './support/run-helpers.js';
import { startScriptedOpenAI, type ScriptedOpenAIServer } from './support/scripted-openai-server.js';

interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

const BIN = path.join(PROJECT_ROOT, 'bin', 'data-pipeline.js');

function cli(args: string[], env: Record<string, string>, onSpawn?: (child: ReturnType<typeof spawn>) => void): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: env.CWD ?? PROJECT_ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', DP_CACHE_DIR: TEST_CACHE_DIR, EMBEDDING_DIM: '64', ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
    onSpawn?.(child);
  });
}

async function listFilesRecursive(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await fs.readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await listFilesRecursive(full)));
    else out.push(full);
  }
  return out;
}

describe('data-pipeline CLI', () => {
  let sample: ScratchDatabase;
  let root: string;
  let env: Record<string, string>;
  let tableList: string;

  beforeAll(async () => {
    sample = await createSampleDatabaseOnServer();
    root = await makeTempDir('dp-cli-');
    env = { DP_TRAINING_DATA_DIR: path.join(root, 'training_data'), DP_STORE_DIR: path.join(root, 'store') };
    tableList = path.join(root, 'tables.txt');
    await fs.writeFile(tableList, '# a few tables\nregions, stores\ncustomers\norders\n');
  });
  afterAll(async () => sample?.drop());

  it('--help lists the commands and exits 0', async () => {
    const result = await cli(['--help'], env);
    expect(result.code).toBe(0);
    for (const command of ['run', 'step', 'demo', 'eval']) expect(result.stdout).toMatch(new RegExp(`^ +${command} `, 'm'));
  });

  it('exits 2 with a message on a usage error', async () => {
    const result = await cli(['run', '--db', 'sample'], env);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/required option '--table-list <file>' not specified/);
  });

  it('exits 2 naming the variable when a setting is invalid', async () => {
    const result = await cli(['run', '--db', 'sample', '--table-list', tableList, '--business-context', 'x'], {
      ...env,
      LLM_PROVIDER: 'gpt',
      EMBEDDING_DIM: 'many',
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/LLM_PROVIDER: .*"gpt"/);
    expect(result.stderr).toMatch(/EMBEDDING_DIM: .*"many"/);
  });

  it('serve refuses to start on a bad DP_DEFAULT_DB_URL or DP_STORE_URL, naming the variable and never the password', async () => {
    const result = await cli(['serve'], {
      ...env,
      PORT: '0',
      DP_STORE_URL: 'mysql://root:STORESECRET3@h/db',
      DP_DEFAULT_DB_URL: 'postgresql://postgres:DEF#SECRET5@127.0.0.1:5432/db',
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/DP_STORE_URL: must be a postgresql:\/\/ URL \(got "mysql:\/\/root:\*\*\*@h\/db"\)/);
    expect(result.stderr).toMatch(/DP_DEFAULT_DB_URL: must be "sample" or a postgresql:\/\/ URL/);
    expect(result.stdout + result.stderr).not.toMatch(/SECRET/);
  });

  it('exits 1 when the table list is missing', async () => {
    const result = await cli(['run', '--db', 'sample', '--table-list', path.join(root, 'nope.txt'), '--business-context', 'x'], env);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/cannot read the table list/);
  });

  it('runs script mode into <output-dir>/manual_YYYYMMDD_HHMMSS, exits 0 and never leaks the password', async () => {
    const password = 'S3cret-Passw0rd-xyz';
    const url = new URL(sample.url);
    url.password = password;
    const out = path.join(root, 'out');
    const result = await cli(
      ['run', '--db', url.toString(), '--table-list', tableList, '--business-context', 'Outdoor gear', '--output-dir', out, '--no-training', '--json'],
      env,
    );
    expect(result.code, result.stderr).toBe(0);
    const summary = JSON.parse(result.stdout) as { task_id: string; status: string; summary: { tables: number; validation_rate: number } };
    expect(summary.status).toBe('completed');
    expect(summary.task_id).toMatch(/^manual_\d{8}_\d{6}$/);
    expect(summary.summary.tables).toBe(4);
    const taskDir = path.join(out, summary.task_id);
    const files = await listFilesRecursive(taskDir);
    expect(files.map((f) => path.basename(f))).toEqual(
      expect.arrayContaining(['table_list.txt', 'orders.ddl', 'task_config.json', 'task_result.json', 'data_pipeline.log']),
    );
    expect(files.some((f) => path.basename(f).startsWith('file_bak_'))).toBe(false);
    for (const file of files) expect(await fs.readFile(file, 'utf8'), file).not.toContain(password);
    expect(result.stdout + result.stderr).not.toContain(password);
    expect(await fs.readFile(path.join(taskDir, 'task_config.json'), 'utf8')).toContain(':***@');

    // Step mode on the same directory: reuses task_config.json (password from PGPASSWORD), writes {step}_result.json.
    const step = await cli(['step', 'sql_validation', '--task-dir', taskDir], { ...env, PGPASSWORD: password });
    expect(step.code, step.stderr).toBe(0);
    const stepResult = JSON.parse(await fs.readFile(path.join(taskDir, 'sql_validation_result.json'), 'utf8')) as { step_status: string };
    expect(stepResult.step_status).toBe('completed');
    // A rerun in script mode with the same task id moves nothing aside.
    const rerun = await cli(
      [
        'run',
        '--db',
        sample.url,
        '--table-list',
        tableList,
        '--business-context',
        'x',
        '--output-dir',
        out,
        '--task-id',
        summary.task_id,
        '--no-training',
        '--skip-validation',
      ],
      env,
    );
    expect(rerun.code).toBe(0);
    expect((await fs.readdir(taskDir)).some((f) => f.startsWith('file_bak_'))).toBe(false);
  });

  it.each([
    { form: 'password=', query: (secret: string) => `?password=${encodeURIComponent(secret)}`, masked: '?password=***' },
    { form: 'sslpassword=', query: (secret: string) => `?application_name=dp&sslpassword=${secret}`, masked: '?application_name=dp&sslpassword=***' },
    { form: 'percent-encoded name', query: (secret: string) => `?pass%77ord=${encodeURIComponent(secret)}`, masked: '?pass%77ord=***' },
  ])('never leaks a password given as a URL parameter ($form) in what a run writes or prints, and step mode reuses the URL', async ({ query, masked }) => {
    const password = `Param-S3cret-${Math.random().toString(36).slice(2)}`;
    const url = `postgresql://postgres@${new URL(sample.url).host}/${sample.name}`;
    const out = await fs.mkdtemp(path.join(root, 'param-'));
    const result = await cli(
      [
        'run',
        '--db',
        `${url}${query(password)}`,
        '--table-list',
        tableList,
        '--business-context',
        'Outdoor gear',
        '--output-dir',
        out,
        '--no-training',
        '--verbose',
      ],
      env,
    );
    expect(result.code, result.stderr).toBe(0);
    const [taskId] = await fs.readdir(out);
    const taskDir = path.join(out, taskId as string);
    const files = await listFilesRecursive(taskDir);
    expect(files.map((f) => path.basename(f))).toEqual(expect.arrayContaining(['task_config.json', 'task_result.json', 'data_pipeline.log']));
    for (const file of files) expect(await fs.readFile(file, 'utf8'), file).not.toContain(password);
    expect(result.stdout + result.stderr).not.toContain(password);
    const config = JSON.parse(await fs.readFile(path.join(taskDir, 'task_config.json'), 'utf8')) as { parameters: { db_connection: string } };
    expect(config.parameters.db_connection).toBe(`${url}${masked}`);
    expect(await fs.readFile(path.join(taskDir, 'data_pipeline.log'), 'utf8')).toContain(masked);
    // The masked parameter is dropped when step mode reuses the stored URL (the test server trusts it).
    const step = await cli(['step', 'sql_validation', '--task-dir', taskDir], env);
    expect(step.code, step.stderr).toBe(0);
    expect(step.stdout + step.stderr).not.toContain(password);
  });

  it('step reuses the vector store and task options task_config.json records, and its result says what it ran with', async () => {
    const out = await fs.mkdtemp(path.join(root, 'stored-'));
    // A vector store nothing answers on: a step that used another store would load there and succeed.
    const vectorDb = 'postgresql://postgres:vec-Secret-1@127.0.0.1:1/vectors';
    const run = await cli(
      [
        'run',
        '--db',
        sample.url,
        '--table-list',
        tableList,
        '--business-context',
        'x',
        '--output-dir',
        out,
        '--task-id',
        'stored',
        '--language',
        'zh',
        '--skip-validation',
        '--no-training',
        '--vector-db',
        vectorDb,
      ],
      env,
    );
    expect(run.code, run.stderr).toBe(0);
    const taskDir = path.join(out, 'stored');
    const load = await cli(['step', 'training_load', '--task-dir', taskDir, '--json'], env);
    expect(load.code).toBe(2);
    expect(load.stdout + load.stderr).toMatch(/127\.0\.0\.1:1/);
    expect(load.stdout + load.stderr).not.toContain('vec-Secret-1');
    // A flag overrides what the task recorded, and the step's result records what it ran with.
    const step = await cli(['step', 'ddl_generation', '--task-dir', taskDir, '--language', 'en'], env);
    expect(step.code, step.stderr).toBe(0);
    const result = JSON.parse(await fs.readFile(path.join(taskDir, 'ddl_generation_result.json'), 'utf8')) as { parameters: Record<string, unknown> };
    // (Reused without its masked password, which comes from PGPASSWORD or ~/.pgpass then.)
    expect(result.parameters).toMatchObject({ language: 'en', vector_db: 'postgresql://postgres@127.0.0.1:1/vectors' });
    const qa = await cli(['step', 'qa_generation', '--task-dir', taskDir], env);
    expect(qa.code, qa.stderr).toBe(0);
    const qaResult = JSON.parse(await fs.readFile(path.join(taskDir, 'qa_generation_result.json'), 'utf8')) as { parameters: Record<string, unknown> };
    expect(qaResult.parameters.language).toBe('zh');
  });

  it('says at once that a running server holds the embedded store a run would load into, before any step', async () => {
    const store = path.join(root, 'held-store');
    const data = path.join(root, 'held-data');
    const server = await spawnServer({ DP_STORE_DIR: store, DP_TRAINING_DATA_DIR: data });
    try {
      const held = { ...env, DP_STORE_DIR: store, DP_TRAINING_DATA_DIR: data };
      const refused = await cli(['run', '--db', 'sample', '--table-list', tableList, '--business-context', 'x', '--task-id', 'manual_held'], held);
      expect(refused.code).toBe(2);
      expect(refused.stderr).toMatch(/the embedded store .* is in use by another data-pipeline process .*; or run with --no-training/);
      // Nothing was run or written.
      await expect(fs.stat(path.join(data, 'manual_held'))).rejects.toThrow(/ENOENT/);
      // The demo too, before its work.
      const demo = await cli(['demo'], held);
      expect(demo.code).toBe(2);
      expect(demo.stderr).toMatch(/the embedded store .* is in use by another data-pipeline process/);
      expect(demo.stdout).not.toMatch(/ddl_generation/);
      expect(await fs.readdir(data)).not.toContain(expect.stringMatching(/^demo_/));
      // Without training_load the store is not needed.
      const noTraining = await cli(
        ['run', '--db', 'sample', '--table-list', tableList, '--business-context', 'x', '--task-id', 'manual_free', '--no-training'],
        held,
      );
      expect(noTraining.code, noTraining.stderr).toBe(0);
      // Its summary speaks of the steps that ran, not of vectors it did not load.
      expect(noTraining.stdout).toMatch(/^ {2}Pairs: /m);
      expect(noTraining.stdout).not.toMatch(/Vectors:/);
      // Loading that task's files needs the store: it fails, and its summary does not read as an empty set.
      const load = await cli(['load', '--data-path', path.join(data, 'manual_free')], held);
      expect(load.code).toBe(2);
      expect(load.stdout).toMatch(/^ {2}Vectors: not loaded: training_load failed$/m);
    } finally {
      await server.stop();
    }
  });

  it('exits 2 when the run fails (unreachable database)', async () => {
    const out = path.join(root, 'unreachable');
    const result = await cli(
      [
        'run',
        '--db',
        'postgresql://postgres:pw-secret-1@127.0.0.1:1/none',
        '--table-list',
        tableList,
        '--business-context',
        'x',
        '--no-training',
        '--output-dir',
        out,
      ],
      env,
    );
    expect(result.code).toBe(2);
    expect(result.stdout).toMatch(/failed/);
    expect(result.stdout + result.stderr).not.toContain('pw-secret-1');
    // The task log (clients download it) keeps the stack of the unexpected error, with paths
    // relative to the install directory, never where the service is installed.
    const [taskId] = await fs.readdir(out);
    const log = await fs.readFile(path.join(out, taskId as string, 'data_pipeline.log'), 'utf8');
    expect(log).toMatch(/\[DEBUG\][^\n]*DatabaseConnectionError[\s\S]*src\/db\/postgres-database\.ts:\d+/);
    expect(log).not.toContain(process.cwd());
    expect(log).not.toContain('pw-secret-1');
  });

  it.each(['CLI#SECRET8', 'CLI?SECRET10', 'CLI/SECRET11', '123/SECRET12'])(
    'refuses a --db URL whose password holds an unencoded character (%s): exit 2 before writing anything, the password never echoed',
    async (password) => {
      const out = path.join(root, `unparseable-${password.replace(/\W/g, '_')}`);
      const result = await cli(
        [
          'run',
          '--db',
          `postgresql://postgres:${password}@127.0.0.1:5432/db`,
          '--table-list',
          tableList,
          '--business-context',
          'x',
          '--no-training',
          '--output-dir',
          out,
        ],
        env,
      );
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/^data-pipeline: --db must be "sample" or a postgresql:\/\/ URL.*percent-encode/m);
      expect(result.stdout + result.stderr).not.toContain('SECRET');
      // No task directory, so no task_config.json holding the password.
      await expect(fs.readdir(out)).rejects.toThrow(/ENOENT/);
    },
  );

  it('refuses a --db that is neither "sample" nor a postgresql:// URL with a host', async () => {
    for (const db of ['mysql://root:NotShown9@h/db', 'postgresql://postgres:NotShown9@/db']) {
      const out = path.join(root, 'refused-db');
      const result = await cli(['run', '--db', db, '--table-list', tableList, '--business-context', 'x', '--output-dir', out], env);
      expect(result.code, db).toBe(2);
      expect(result.stderr).toMatch(/^data-pipeline: --db must be "sample" or a postgresql:\/\/ URL/m);
      expect(result.stdout + result.stderr).not.toContain('NotShown9');
      await expect(fs.readdir(out)).rejects.toThrow(/ENOENT/);
    }
  });

  it('exits 2 for an unknown step name', async () => {
    const result = await cli(['step', 'bogus', '--task-dir', root], env);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/unknown step "bogus"; use one of ddl_generation, qa_generation, sql_validation, training_load/);
  });

  describe('with the scripted LLM', () => {
    let llm: ScriptedOpenAIServer;
    beforeAll(async () => {
      llm = await startScriptedOpenAI();
    });
    afterAll(async () => llm?.close());

    it('exits 1 when fewer than 80% of the SQL validate', async () => {
      llm.reset();
      llm.setLatency(0);
      llm.setDefaultChat((req) => {
        const prompt = req.messages.map((m) => m.content).join('\n');
        if (prompt.includes('"themes"'))
          return {
            kind: 'json',
            body: { themes: [{ topic_name: 'All', description: 'd', related_tables: ['regions', 'stores'], biz_entities: [], biz_metrics: [] }] },
          };
        if (prompt.includes('"pairs"')) {
          return {
            kind: 'json',
            body: {
              pairs: [
                { question: 'How many regions?', sql: 'SELECT COUNT(*) FROM regions' },
                { question: 'Broken one', sql: 'SELECT nope FROM nowhere' },
                { question: 'Broken two', sql: 'SELECT also_nope FROM nowhere_else' },
              ],
            },
          };
        }
        return { kind: 'json', body: { table_comment: 'A table', columns: {}, enum_columns: [] } };
      });
      const result = await cli(
        ['run', '--db', sample.url, '--table-list', tableList, '--business-context', 'x', '--disable-llm-repair', '--no-training', '--json'],
        { ...env, LLM_PROVIDER: 'openai', LLM_BASE_URL: llm.baseURL, LLM_MODEL: 'scripted-model' },
      );
      expect(result.code, result.stderr).toBe(1);
      const summary = JSON.parse(result.stdout) as { summary: { validation_rate: number } };
      expect(summary.summary.validation_rate).toBeCloseTo(1 / 3, 3);
    });

    it('exits 130 when interrupted with Ctrl-C, after stopping at a safe point', async () => {
      llm.reset();
      llm.setDefaultChat(() => ({ kind: 'delay', ms: 1500, then: { kind: 'json', body: { table_comment: 'A table', columns: {}, enum_columns: [] } } }));
      let sent = false;
      const result = await cli(
        ['run', '--db', sample.url, '--table-list', tableList, '--business-context', 'x', '--no-training'],
        { ...env, LLM_PROVIDER: 'openai', LLM_BASE_URL: llm.baseURL, LLM_MODEL: 'scripted-model', LLM_CONCURRENCY: '1' },
        (child) => {
          const timer = setInterval(() => {
            if (!sent && llm.chatRequests.length > 0) {
              sent = true;
              child.kill('SIGINT');
              clearInterval(timer);
            }
          }, 50);
          child.on('close', () => clearInterval(timer));
        },
      );
      expect(sent).toBe(true);
      expect(result.code).toBe(130);
      expect(result.stdout).toMatch(/cancelled/);
      // Stopped early: far fewer LLM calls than tables.
      expect(llm.chatRequests.length).toBeLessThan(4);
    });
  });

  it('demo runs everything on the bundled sample database with the embedded store and prints a summary', async () => {
    const cwd = await makeTempDir('dp-demo-');
    const result = await cli(['demo', '--json'], { CWD: cwd });
    expect(result.code, result.stderr).toBe(0);
    const summary = JSON.parse(result.stdout) as {
      status: string;
      summary: { tables: number; pairs_valid: number; pairs: number; vectors: number };
      output_directory: string;
      llm_usage: { calls: number };
    };
    expect(summary.status).toBe('completed');
    expect(summary.summary.tables).toBe(14);
    expect(summary.summary.pairs_valid).toBe(summary.summary.pairs);
    expect(summary.summary.vectors).toBeGreaterThan(summary.summary.pairs);
    expect(summary.output_directory.startsWith(path.join(await fs.realpath(cwd), 'data_pipeline', 'training_data', 'demo_'))).toBe(true);
    expect((await fs.readdir(path.join(cwd, 'data_pipeline', 'store'))).length).toBeGreaterThan(0);
    const text = await cli(['demo'], { CWD: cwd });
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/Tables: +14 documented/);
    expect(text.stdout).toMatch(/Pairs: +\d+\/\d+ valid/);
    expect(text.stdout).toMatch(/Vectors: +\d+ in the training set: \d+ added, \d+ updated, \d+ removed, \d+ unchanged \(\d+ embedded now\)/);
    // Retrieval measured after the load (issue 14): every question finds its own pair among the five nearest.
    expect(text.stdout).toMatch(/Retrieval: self-retrieval @1 [\d.]+, @5 1 \(\d+ questions\); table retrieval @5 [\d.]+ \(14 tables\)/);
    expect(text.stdout).toMatch(/LLM: +\d+ calls \(builtin\), 0 tokens/);
    expect(text.stdout).toMatch(/Output: +\//);
  });

  it('backups: lists, shows, diffs, restores (current files backed up first) and deletes (with --yes)', async () => {
    const dir = await makeTempDir('dp-cli-backups-');
    await fs.writeFile(path.join(dir, 'table_list.txt'), 'regions\n');
    await fs.writeFile(path.join(dir, 'regions.ddl'), 'CREATE TABLE regions (id int);\n');
    await fs.writeFile(path.join(dir, 'qs_sample_20250101_000000_pair.json'), JSON.stringify([{ question: 'q', sql: 'SELECT 1' }]));
    const made = await backupTaskDirectory(dir, { taskId: 'cli_task', trigger: 'execute' });
    const name = path.basename(made.directory ?? '');
    // The "next run" wrote new files.
    await fs.writeFile(path.join(dir, 'regions.ddl'), 'CREATE TABLE regions (id bigint);\n');
    await fs.writeFile(path.join(dir, 'data_pipeline.log'), 'new run\n');

    const list = await cli(['backups', 'list', '--task-dir', dir, '--json'], {});
    expect(list.code, list.stderr).toBe(0);
    expect(JSON.parse(list.stdout).backups).toEqual([expect.objectContaining({ name, trigger: 'execute', file_count: 2, status: 'completed', valid: true })]);
    const text = await cli(['backups', 'list', '--task-dir', dir], {});
    expect(text.stdout.trimEnd()).toMatch(new RegExp(`^NAME +TIME +TRIGGER +FILES +BYTES +STATUS\\n${name} .* execute +2 +\\d+ +completed$`));

    const show = await cli(['backups', 'show', name, '--task-dir', dir, '--json'], {});
    expect(show.code, show.stderr).toBe(0);
    expect(JSON.parse(show.stdout).record).toMatchObject({
      backup_directory: name,
      task_id: 'cli_task',
      moved_files: ['qs_sample_20250101_000000_pair.json', 'regions.ddl'],
    });

    const diff = await cli(['backups', 'diff', name, '--task-dir', dir, '--json'], {});
    expect(JSON.parse(diff.stdout)).toMatchObject({ added: ['data_pipeline.log'], removed: ['qs_sample_20250101_000000_pair.json'], changed: ['regions.ddl'] });

    const restore = await cli(['backups', 'restore', name, '--task-dir', dir], {});
    expect(restore.code, restore.stderr).toBe(0);
    expect(restore.stdout).toMatch(/backed up first into file_bak_\d{8}_\d{6}(_\d+)?\nrestored 2 file\(s\)/);
    expect(await fs.readFile(path.join(dir, 'regions.ddl'), 'utf8')).toBe('CREATE TABLE regions (id int);\n');
    const after = JSON.parse((await cli(['backups', 'diff', name, '--task-dir', dir, '--json'], {})).stdout);
    expect(after).toMatchObject({ added: [], removed: [], changed: [] });
    const listed = JSON.parse((await cli(['backups', 'list', '--task-dir', dir, '--json'], {})).stdout);
    expect(listed.backups.map((b: { trigger: string }) => b.trigger).sort()).toEqual(['execute', 'restore']);

    const unconfirmed = await cli(['backups', 'delete', name, '--task-dir', dir], {});
    expect(unconfirmed.code).toBe(2);
    expect(unconfirmed.stderr).toMatch(/add --yes/);
    expect((await fs.readdir(dir)).includes(name)).toBe(true);
    const deleted = await cli(['backups', 'delete', name, '--task-dir', dir, '--yes'], {});
    expect(deleted.code, deleted.stderr).toBe(0);
    expect((await fs.readdir(dir)).includes(name)).toBe(false);

    const badName = await cli(['backups', 'show', '../etc', '--task-dir', dir], {});
    expect(badName.code).toBe(2);
    expect(badName.stderr).toMatch(/not a backup name: expected file_bak_YYYYMMDD_HHMMSS/);
    const gone = await cli(['backups', 'show', name, '--task-dir', dir], {});
    expect(gone.code).toBe(2);
    expect(gone.stderr).toMatch(/not found/);
    const noDir = await cli(['backups', 'list', '--task-dir', path.join(dir, 'nope')], {});
    expect(noDir.code).toBe(2);
    expect(noDir.stderr).toMatch(/no such directory/);
  });
});
