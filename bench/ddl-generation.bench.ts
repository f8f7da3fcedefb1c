/**
 * Benchmark: our `ddl_generation` step (builtin provider) against `pg_dump --schema-only`, on a
 * synthetic database of 1,000 tables built on the local PostgreSQL server for this run and dropped
 * at the end (also on failure or Ctrl-C). Two figures of ours, each against the same pg_dump runs:
 *
 * - the step run in this process (`runWorkflow`, step mode): target at most 2x;
 * - the whole command as a child process, `data-pipeline step ddl_generation --task-dir D --db URL`
 *   (bin/data-pipeline.js, i.e. dist/), spawn to exit, like pg_dump (also a whole process): target
 *   at most 2.5x. Each run is split into the workflow's own duration (from the command's --json
 *   result: the step, plus opening the task log, writing the result file and closing resources) and
 *   the rest (process start, module loading, settings, printing, exit); the time to load the
 *   step command's modules alone is measured too (a process that only imports them).
 *
 *   npm run bench:ddl        (builds dist/ first when src/ changed)
 *
 * Before timing, it checks that creating a file costs what it normally does here, and waits (at
 * most a minute) while files deleted shortly before slow every creation; after each run of ours it
 * measures that cost again where our files went. When it was high, both contenders are measured
 * again writing to /dev/shm (memory), and both results are printed (see `settleFileSystem`).
 *
 * Environment: DP_BENCH_SERVER_URL (default postgresql://postgres@127.0.0.1:5432/postgres, trust
 * auth), DP_BENCH_KEEP=1 keeps the database and the temp directory for inspection.
 * A benchmark reports; it exits 0 even when the target is missed (non-zero only when it cannot run).
 */
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promises as fs, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { loadSettings } from '../src/config/settings.js';
import { runWorkflow } from '../src/workflow/orchestrator.js';
import { TaskDirectory } from '../src/task-directory/task-dir.js';
import { MAPPING_FILE, TABLE_LIST_FILE } from '../src/task-directory/task-files.js';
import { workflowOptions } from '../src/workflow/run-options.js';

const SERVER_URL = process.env.DP_BENCH_SERVER_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const KEEP = process.env.DP_BENCH_KEEP === '1';
const TABLE_COUNT = 1_000;
const RUNS = 5;
const WARM_UPS = 2;
const TARGET_RATIO = 2.0;
/** The whole command (`data-pipeline step ddl_generation`) as a process against pg_dump. */
const PROCESS_TARGET_RATIO = 2.5;
const BIN = fileURLToPath(new URL('../bin/data-pipeline.js', import.meta.url));
const STEP_COMMAND_MODULE = new URL('../dist/cli/commands/step.js', import.meta.url).href;
/**
 * Tables big enough for the TABLESAMPLE path: sampling.ts switches to it above a row estimate of
 * 100,000 (DEFAULT_LARGE_TABLE_ROWS), so ~20k-row tables alone would never reach it.
 */
const HUGE_ROWS = 120_000;
/** Above this many µs per created file (twice the ~40 µs seen here) earlier deletions still slow creations. */
const SLOW_FILE_CREATION_US = 80;
/** How long the benchmark waits for it to settle before measuring anyway. */
const FILE_SYSTEM_WAIT_MS = 60_000;
/** A memory file system for the second measurement when the disk was found slow. */
const MEMORY_DIR = '/dev/shm';
const MEMORY_NEEDED_BYTES = 256 * 2 ** 20;
/** Mid-sized tables: a plain `LIMIT` read, but not a trivially small heap. */
const LARGE_ROWS = 20_000;

// ---------------------------------------------------------------------------------------------
// Deterministic synthetic schema
// ---------------------------------------------------------------------------------------------

/** mulberry32: a small seeded PRNG, so every run builds the same schema and data. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const q = (ident: string) => `"${ident.replace(/"/g, '""')}"`;
const lit = (text: string) => `'${text.replace(/'/g, "''")}'`;

interface ColumnSpec {
  name: string;
  /** Type and column constraints, as written after the name. */
  definition: string;
  /** SQL expression of the value for row `g` (1-based); omitted columns take their default. */
  value?: string;
  comment?: string;
}

interface ForeignKeySpec {
  columns: string[];
  parent: TableSpec;
  refColumns: string[];
}

interface TableSpec {
  index: number;
  schema: string;
  name: string;
  /** `int` / `bigint` single-column key `id`, or `composite` (`id`, `line_no`). */
  key: 'int' | 'bigint' | 'composite';
  columns: ColumnSpec[];
  primaryKey: string[];
  uniques: string[][];
  foreignKeys: ForeignKeySpec[];
  checks: { name: string; expr: string }[];
  rows: number;
  comment?: string;
}

const SCHEMAS = ['public', 'sales', 'ops'] as const;
const NOUNS = [
  'customers',
  'orders',
  'invoices',
  'products',
  'shipments',
  'payments',
  'accounts',
  'employees',
  'suppliers',
  'warehouses',
  'tickets',
  'events',
  'devices',
  'contracts',
  'campaigns',
  'stores',
  'regions',
  'refunds',
  'subscriptions',
  'inventory_items',
];
const ENUMS = {
  'public.order_status': ['new', 'paid', 'shipped', 'cancelled'],
  'sales.channel_kind': ['web', 'store', 'phone', 'partner'],
} as const;

type ColumnKind = 'int' | 'bigint' | 'numeric' | 'varchar' | 'text' | 'date' | 'timestamptz' | 'boolean' | 'jsonb' | 'textarr' | 'enum' | 'status';
const KINDS: ColumnKind[] = ['int', 'bigint', 'numeric', 'varchar', 'text', 'date', 'timestamptz', 'boolean', 'jsonb', 'textarr', 'enum', 'status'];

function generateSchema(seed = 20240611): TableSpec[] {
  const rand = prng(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(rand() * items.length)] as T;
  const int = (min: number, max: number) => min + Math.floor(rand() * (max - min + 1));
  const huge = new Set([137, 512, 881]);
  const large = new Set([64, 250, 433, 690, 777, 950]);
  const tables: TableSpec[] = [];

  for (let i = 0; i < TABLE_COUNT; i++) {
    const schema = SCHEMAS[i % 10 < 5 ? 0 : i % 10 < 8 ? 1 : 2] as string;
    const name = `${NOUNS[i % NOUNS.length]}_${String(i).padStart(4, '0')}`;
    const key: TableSpec['key'] = i % 12 === 5 ? 'composite' : i % 3 === 0 ? 'bigint' : 'int';
    const rows = huge.has(i) ? HUGE_ROWS : large.has(i) ? LARGE_ROWS : rand() < 0.05 ? 0 : int(1, 200);
    const table: TableSpec = { index: i, schema, name, key, columns: [], primaryKey: [], uniques: [], foreignKeys: [], checks: [], rows };
    const used = new Set<string>();
    const unique = (base: string) => {
      let n = base;
      for (let k = 2; used.has(n); k++) n = `${base}_${k}`;
      used.add(n);
      return n;
    };
    const add = (col: ColumnSpec) => {
      table.columns.push(col);
      return col.name;
    };

    // Key columns: identity, bigserial, plain integers, or a composite key.
    if (key === 'composite') {
      add({ name: unique('id'), definition: 'bigint not null', value: 'g' });
      add({ name: unique('line_no'), definition: 'integer not null', value: '1 + g % 3' });
      table.primaryKey = ['id', 'line_no'];
    } else if (key === 'bigint') {
      add({ name: unique('id'), definition: i % 2 === 0 ? 'bigserial' : 'bigint not null', value: 'g' });
      table.primaryKey = ['id'];
    } else {
      add({ name: unique('id'), definition: i % 2 === 0 ? 'integer generated by default as identity' : 'integer not null', value: 'g' });
      table.primaryKey = ['id'];
    }

    // Foreign keys to earlier tables (already filled when this one is), a few composite.
    if (i > 0 && rand() < 0.65) {
      const count = int(1, 3);
      const parents = new Set<TableSpec>();
      for (let f = 0; f < count; f++) parents.add(tables[int(Math.max(0, i - 300), i - 1)] as TableSpec);
      for (const parent of parents) {
        const r = parent.rows;
        const pid = `(1 + (g % ${Math.max(1, r)}))`;
        if (parent.key === 'composite') {
          const a = unique(`${parent.name}_id`);
          const b = unique(`${parent.name}_line_no`);
          add({ name: a, definition: 'bigint', value: r ? pid : 'NULL::bigint' });
          add({ name: b, definition: 'integer', value: r ? `1 + ${pid} % 3` : 'NULL::integer' });
          table.foreignKeys.push({ columns: [a, b], parent, refColumns: ['id', 'line_no'] });
        } else {
          const type = parent.key === 'bigint' ? 'bigint' : 'integer';
          const a = unique(`${parent.name.replace(/_\d+$/, '')}_id`);
          add({ name: a, definition: type, value: r ? `CASE WHEN g % 7 = 0 THEN NULL ELSE ${pid} END` : `NULL::${type}` });
          table.foreignKeys.push({ columns: [a], parent, refColumns: ['id'] });
        }
      }
    }
    // A self-reference now and then (a tree).
    if (i % 50 === 7 && key !== 'composite') {
      const a = unique('parent_id');
      add({ name: a, definition: key === 'bigint' ? 'bigint' : 'integer', value: 'CASE WHEN g > 1 THEN g / 2 END' });
      table.foreignKeys.push({ columns: [a], parent: table, refColumns: ['id'] });
    }

    // Unique constraints: a single-column business code, sometimes a composite one.
    if (i % 4 === 0) {
      const code = add({ name: unique('code'), definition: 'varchar(32) not null', value: `'C${i}-' || g` });
      table.uniques.push([code]);
    }
    if (i % 7 === 3) {
      const region = add({
        name: unique('region'),
        definition: "varchar(16) not null default 'north'",
        value: "(ARRAY['north','south','east','west'])[1 + g % 4]",
      });
      const seq = add({ name: unique('seq'), definition: 'integer not null', value: 'g' });
      table.uniques.push([region, seq]);
    }

    // Varied payload columns.
    const extra = huge.has(i) ? 6 : int(3, 14);
    for (let k = 0; k < extra; k++) {
      const kind = pick(KINDS);
      switch (kind) {
        case 'int': {
          const n = unique('quantity');
          add({ name: n, definition: `integer not null default 0 check (${q(n)} >= 0)`, value: `(g * ${int(3, 97)}) % 1000` });
          break;
        }
        case 'bigint':
          add({ name: unique('external_ref'), definition: 'bigint', value: 'g::bigint * 104729' });
          break;
        case 'numeric': {
          const [p, s] = pick([
            [10, 2],
            [12, 2],
            [14, 4],
            [18, 0],
            [9, 3],
          ] as const);
          const n = unique('amount');
          add({ name: n, definition: `numeric(${p},${s}) default 0`, value: `round(((g % 9973) / 7.0)::numeric, ${s})` });
          table.checks.push({ name: `${name}_${n}_nonneg`, expr: `${q(n)} >= 0` });
          break;
        }
        case 'varchar': {
          const len = pick([20, 40, 80, 255]);
          add({ name: unique('label'), definition: `varchar(${len})`, value: `left('label ' || g || ' ' || md5(g::text), ${len})` });
          break;
        }
        case 'text':
          add({
            name: unique('description'),
            definition: 'text',
            value: `CASE WHEN g % 5 = 0 THEN NULL ELSE 'description of item ' || g || ': ' || md5((g * ${k + 1})::text) END`,
          });
          break;
        case 'date':
          add({ name: unique('valid_from'), definition: 'date not null default current_date', value: `date '2020-01-01' + (g % 1500)` });
          break;
        case 'timestamptz':
          add({
            name: unique('updated_at'),
            definition: 'timestamptz default now()',
            value: `timestamptz '2023-01-01 00:00:00+00' + g * interval '37 minutes'`,
          });
          break;
        case 'boolean':
          add({ name: unique('is_enabled'), definition: 'boolean not null default true', value: 'g % 3 <> 0' });
          break;
        case 'jsonb':
          add({
            name: unique('attributes'),
            definition: `jsonb not null default '{}'::jsonb`,
            value: `jsonb_build_object('n', g, 'tag', 'tag' || (g % 7), 'ok', g % 2 = 0)`,
          });
          break;
        case 'textarr':
          add({ name: unique('tags'), definition: `text[] default '{}'`, value: `ARRAY['t' || (g % 4), 'k' || (g % 9)]` });
          break;
        case 'enum': {
          const [type, labels] = pick(Object.entries(ENUMS));
          const [s, t] = type.split('.') as [string, string];
          add({
            name: unique(s === 'sales' ? 'channel' : 'state'),
            definition: `${q(s)}.${q(t)} not null default ${lit(labels[0] as string)}`,
            value: `(enum_range(NULL::${q(s)}.${q(t)}))[1 + g % ${labels.length}]`,
          });
          break;
        }
        case 'status': {
          const n = unique('status');
          add({
            name: n,
            definition: `varchar(16) not null default 'open' check (${q(n)} in ('open', 'pending', 'closed'))`,
            value: `(ARRAY['open','pending','closed'])[1 + g % 3]`,
          });
          break;
        }
      }
    }
    add({ name: unique('created_at'), definition: 'timestamptz not null default now()' });

    if (i % 2 === 0) table.comment = `Synthetic ${name.replace(/_\d+$/, '').replace(/_/g, ' ')} table #${i} (benchmark)`;
    table.columns.forEach((c, k) => {
      if (k % 3 === 0) c.comment = `The ${c.name.replace(/_/g, ' ')} of the row`;
    });
    tables.push(table);
  }
  return tables;
}

function qualified(t: { schema: string; name: string }): string {
  return `${q(t.schema)}.${q(t.name)}`;
}

function createTableSql(t: TableSpec): string {
  const items = t.columns.map((c) => `  ${q(c.name)} ${c.definition}`);
  items.push(`  primary key (${t.primaryKey.map(q).join(', ')})`);
  for (const u of t.uniques) items.push(`  unique (${u.map(q).join(', ')})`);
  for (const c of t.checks) items.push(`  constraint ${q(c.name)} check (${c.expr})`);
  for (const fk of t.foreignKeys) {
    items.push(`  foreign key (${fk.columns.map(q).join(', ')}) references ${qualified(fk.parent)} (${fk.refColumns.map(q).join(', ')})`);
  }
  const lines = [`CREATE TABLE ${qualified(t)} (\n${items.join(',\n')}\n);`];
  if (t.comment) lines.push(`COMMENT ON TABLE ${qualified(t)} IS ${lit(t.comment)};`);
  for (const c of t.columns) if (c.comment) lines.push(`COMMENT ON COLUMN ${qualified(t)}.${q(c.name)} IS ${lit(c.comment)};`);
  return lines.join('\n');
}

function insertSql(t: TableSpec): string | undefined {
  if (t.rows === 0) return undefined;
  const cols = t.columns.filter((c) => c.value !== undefined);
  return `INSERT INTO ${qualified(t)} (${cols.map((c) => q(c.name)).join(', ')})\nSELECT ${cols
    .map((c) => c.value)
    .join(', ')}\nFROM generate_series(1, ${t.rows}) AS g;`;
}

function preambleSql(): string {
  const lines = ['CREATE SCHEMA sales;', 'CREATE SCHEMA ops;'];
  for (const [type, labels] of Object.entries(ENUMS)) {
    const [s, t] = type.split('.') as [string, string];
    lines.push(`CREATE TYPE ${q(s)}.${q(t)} AS ENUM (${labels.map(lit).join(', ')});`);
  }
  return lines.join('\n');
}

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

function urlFor(database: string): string {
  const url = new URL(SERVER_URL);
  url.pathname = `/${database}`;
  return url.toString();
}

async function withClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(3)} s`;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

function say(text: string): void {
  process.stdout.write(`${text}\n`);
}

// ---------------------------------------------------------------------------------------------
// The two contenders
// ---------------------------------------------------------------------------------------------

interface Context {
  dbName: string;
  dbUrl: string;
  tables: TableSpec[];
  workDir: string;
  tableList: string;
}

let runCounter = 0;

/**
 * Flushes what earlier runs left to write back (2,000 files written per run of ours), so that no
 * contender is timed while the file system catches up with the one before it.
 */
function settle(): void {
  execFileSync('sync');
}

let probeCounter = 0;

/**
 * µs to create one small file the way ours are written (temp file, then rename), over 200 files
 * in `dir` itself (a new directory could be placed elsewhere by the file system), or in a new
 * directory under `parent`. The files stay until the work directory goes: deleting them would
 * slow the creations that follow (see `settleFileSystem`).
 */
function fileCreationCost(where: { dir: string } | { parent: string }): number {
  const dir = 'dir' in where ? where.dir : path.join(where.parent, `fs-probe-${++probeCounter}`);
  mkdirSync(dir, { recursive: true });
  const data = 'x'.repeat(2_000);
  const count = 200;
  const prefix = `fs-probe-${++probeCounter}`;
  const start = performance.now();
  for (let i = 0; i < count; i++) {
    const temp = path.join(dir, `.${prefix}-${i}.tmp`);
    writeFileSync(temp, data, { flag: 'wx' });
    renameSync(temp, path.join(dir, `${prefix}-${i}.txt`));
  }
  return ((performance.now() - start) * 1000) / count;
}

/**
 * Waits while creating a file in `parent` costs more than it normally does, at most
 * `FILE_SYSTEM_WAIT_MS`. ext4 without a journal (this machine's root file system) skips, one by
 * one, the inodes freed in the last minute whenever it allocates one in their block group, and in
 * the last six minutes once that part of the inode table is written to again
 * (recently_deleted() in the kernel's ialloc.c). After a test run or a previous benchmark's
 * cleanup deleted thousands of files, each creation nearby costs up to 10x more for minutes:
 * pg_dump creates one file, ddl_generation 2,000, so timing them then measures the file system's
 * memory of earlier deletions. Since where a new directory's files go is the kernel's choice, this
 * check can only lower the odds; `fileCreationCost` in each run's task directory afterwards tells.
 */
async function settleFileSystem(parent: string): Promise<void> {
  let cost = fileCreationCost({ parent });
  if (cost <= SLOW_FILE_CREATION_US) return;
  say(
    `  creating a file takes ${cost.toFixed(0)} µs here (normally under ${SLOW_FILE_CREATION_US} µs): files deleted in the last minutes ` +
      `(a test run, a previous benchmark's cleanup) slow every creation nearby; waiting for that to pass (at most ${FILE_SYSTEM_WAIT_MS / 60_000} min)…`,
  );
  const start = performance.now();
  while (cost > SLOW_FILE_CREATION_US && performance.now() - start < FILE_SYSTEM_WAIT_MS) {
    await sleep(5_000);
    settle();
    cost = fileCreationCost({ parent });
  }
  say(`  ${cost.toFixed(0)} µs per file after ${seconds(performance.now() - start)}`);
}

/** One `ddl_generation` step run in a fresh task directory; returns its wall time in ms. */
async function runOurs(ctx: Context): Promise<{ ms: number; stepMs: number; fileCost: number }> {
  runCounter += 1;
  const root = path.join(ctx.workDir, `ours-${runCounter}`);
  const settings = loadSettings({
    DP_TRAINING_DATA_DIR: path.join(root, 'training_data'),
    DP_STORE_DIR: path.join(root, 'store'),
    DP_CACHE_DIR: path.join(root, 'cache'),
  });
  const taskId = `bench_ddl_${runCounter}`;
  const dir = await TaskDirectory.open(path.join(settings.trainingDataDir, taskId), { create: true });
  await dir.writeFile(TABLE_LIST_FILE, ctx.tableList);
  const options = workflowOptions({ task_id: taskId, db_connection: ctx.dbUrl });

  settle();
  const start = performance.now();
  const result = await runWorkflow({ dir, settings, options, mode: 'step', step: 'ddl_generation' });
  const ms = performance.now() - start;

  const step = result.steps[0];
  if (result.status !== 'completed' || !step || step.step_status !== 'completed') {
    throw new Error(`ddl_generation did not complete: ${result.status} ${result.error_message ?? ''}`);
  }
  if (step.counters.tables_done !== TABLE_COUNT || step.counters.tables_failed !== 0) {
    throw new Error(`ddl_generation documented ${step.counters.tables_done} table(s), ${step.counters.tables_failed} failed; expected ${TABLE_COUNT}, 0`);
  }
  const names = await fs.readdir(dir.path);
  const ddl = names.filter((n) => n.endsWith('.ddl')).length;
  const md = names.filter((n) => n.endsWith('_detail.md')).length;
  if (ddl + md !== 2 * TABLE_COUNT || ddl !== TABLE_COUNT || !names.includes(MAPPING_FILE)) {
    throw new Error(
      `expected ${TABLE_COUNT} .ddl + ${TABLE_COUNT} _detail.md + ${MAPPING_FILE}; found ${ddl} + ${md}, mapping ${names.includes(MAPPING_FILE)}`,
    );
  }
  // What creating a file cost where ours went, measured right after (next to them).
  const fileCost = fileCreationCost({ dir: dir.path });
  // Removed with the work directory at the end, not now: deleting 2,000 files slows the file
  // creations nearby for minutes (see `settleFileSystem`), which the next run would pay.
  return { ms, stepMs: step.duration_ms ?? ms, fileCost };
}

interface ProcessRun {
  /** Spawn to exit. */
  ms: number;
  /** The step's own duration and the workflow's (step + task log, result file, closing), from the --json result. */
  stepMs: number;
  workflowMs: number;
  fileCost: number;
}

/**
 * The whole command as a child process, as a person runs it: `data-pipeline step ddl_generation
 * --task-dir D --db URL --json` (settings from the environment: store and cache in the run's own
 * directory); returns its wall time from spawn to exit in ms and the durations its result reports.
 */
async function runOursProcess(ctx: Context): Promise<ProcessRun> {
  runCounter += 1;
  const root = path.join(ctx.workDir, `ours-process-${runCounter}`);
  const dir = path.join(root, 'training_data', `bench_ddl_process_${runCounter}`);
  await fs.mkdir(dir, { recursive: true });
  await fs.writeFile(path.join(dir, TABLE_LIST_FILE), ctx.tableList);
  const env = {
    ...process.env,
    DP_TRAINING_DATA_DIR: path.join(root, 'training_data'),
    DP_STORE_DIR: path.join(root, 'store'),
    DP_CACHE_DIR: path.join(root, 'cache'),
  };
  settle();
  const start = performance.now();
  const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, 'step', 'ddl_generation', '--task-dir', dir, '--db', ctx.dbUrl, '--json'], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.on('error', reject);
    child.on('close', (c) => resolve({ code: c, stdout: out, stderr: err }));
  });
  const ms = performance.now() - start;
  if (code !== 0) throw new Error(`data-pipeline step ddl_generation exited with ${code}:\n${stderr.trim()}\n${stdout.slice(0, 2_000)}`);
  const result = JSON.parse(stdout) as {
    status: string;
    duration_ms: number;
    steps: { step_status: string; duration_ms: number | null; counters: { tables_done?: number; tables_failed?: number } }[];
  };
  const step = result.steps[0];
  if (result.status !== 'completed' || step?.step_status !== 'completed' || step.counters.tables_done !== TABLE_COUNT || step.counters.tables_failed !== 0) {
    throw new Error(
      `data-pipeline step ddl_generation: ${result.status}, ${step?.counters.tables_done} table(s) done, ${step?.counters.tables_failed} failed; expected ${TABLE_COUNT}, 0`,
    );
  }
  const ddl = (await fs.readdir(dir)).filter((n) => n.endsWith('.ddl')).length;
  if (ddl !== TABLE_COUNT) throw new Error(`data-pipeline step ddl_generation wrote ${ddl} .ddl files; expected ${TABLE_COUNT}`);
  const fileCost = fileCreationCost({ dir });
  return { ms, stepMs: step.duration_ms ?? 0, workflowMs: result.duration_ms, fileCost };
}

/**
 * ms for a Node.js process to load the step command's modules and exit (no work): the module
 * loading part of the whole-process figure, source maps enabled as bin/ does.
 */
function stepModuleLoadMs(): number {
  const script = `process.setSourceMapsEnabled(true); await import(${JSON.stringify(STEP_COMMAND_MODULE)});`;
  const emptyStart = performance.now();
  execFileSync(process.execPath, ['--input-type=module', '-e', ''], { stdio: 'ignore' });
  const emptyMs = performance.now() - emptyStart;
  const start = performance.now();
  execFileSync(process.execPath, ['--input-type=module', '-e', script], { stdio: 'ignore' });
  return performance.now() - start - emptyMs;
}

/** One `pg_dump --schema-only` to a temp file; returns its wall time in ms. */
async function runPgDump(ctx: Context): Promise<{ ms: number; bytes: number }> {
  runCounter += 1;
  const file = path.join(ctx.workDir, `dump-${runCounter}.sql`);
  const url = new URL(SERVER_URL);
  const args = [
    '-h',
    url.hostname,
    '-p',
    url.port || '5432',
    '-U',
    decodeURIComponent(url.username || 'postgres'),
    '--schema-only',
    '-d',
    ctx.dbName,
    '-f',
    file,
  ];
  settle();
  const start = performance.now();
  const { code, stderr } = await new Promise<{ code: number | null; stderr: string }>((resolve, reject) => {
    const child = spawn('pg_dump', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.on('error', reject);
    child.on('close', (c) => resolve({ code: c, stderr: err }));
  });
  const ms = performance.now() - start;
  if (code !== 0) throw new Error(`pg_dump exited with ${code}: ${stderr.trim()}`);
  const bytes = (await fs.stat(file)).size;
  if (!KEEP) await fs.rm(file, { force: true });
  return { ms, bytes };
}

// ---------------------------------------------------------------------------------------------
// Main
// ---------------------------------------------------------------------------------------------

async function buildDatabase(ctx: Context): Promise<void> {
  const t0 = performance.now();
  await withClient(ctx.dbUrl, async (client) => {
    await client.query(preambleSql());
    // DDL in chunks: one implicit transaction per chunk keeps the lock table small.
    for (let i = 0; i < ctx.tables.length; i += 100) {
      await client.query(
        ctx.tables
          .slice(i, i + 100)
          .map(createTableSql)
          .join('\n'),
      );
    }
    const t1 = performance.now();
    // Data in table order, so the parents of every foreign key are filled first.
    let batch: string[] = [];
    let batchRows = 0;
    for (const t of ctx.tables) {
      const sql = insertSql(t);
      if (!sql) continue;
      batch.push(sql);
      batchRows += t.rows;
      if (batchRows >= 20_000 || batch.length >= 200) {
        await client.query(batch.join('\n'));
        batch = [];
        batchRows = 0;
      }
    }
    if (batch.length) await client.query(batch.join('\n'));
    const t2 = performance.now();
    // VACUUM as well: otherwise autovacuum visits the 1,000 new tables during the measured runs
    // (setting hint bits and visibility maps), which made them noisy by 2x.
    await client.query('VACUUM (ANALYZE)');
    await client.query('CHECKPOINT');
    const t3 = performance.now();
    say(`  schema ${seconds(t1 - t0)}, data ${seconds(t2 - t1)}, analyze+checkpoint ${seconds(t3 - t2)}`);
  });
}

async function describeDatabase(ctx: Context): Promise<void> {
  const stats = await withClient(ctx.dbUrl, async (client) => {
    const r = await client.query<{
      tables: string;
      columns: string;
      pks: string;
      composite_pks: string;
      uniques: string;
      fks: string;
      composite_fks: string;
      checks: string;
      commented_tables: string;
      commented_columns: string;
    }>(`
      SELECT (SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
               WHERE c.relkind = 'r' AND n.nspname IN ('public','sales','ops')) AS tables,
             (SELECT count(*) FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
               WHERE c.relkind = 'r' AND n.nspname IN ('public','sales','ops') AND a.attnum > 0 AND NOT a.attisdropped) AS columns,
             (SELECT count(*) FROM pg_constraint WHERE contype = 'p' AND connamespace::regnamespace::text IN ('public','sales','ops')) AS pks,
             (SELECT count(*) FROM pg_constraint WHERE contype = 'p' AND cardinality(conkey) > 1 AND connamespace::regnamespace::text IN ('public','sales','ops')) AS composite_pks,
             (SELECT count(*) FROM pg_constraint WHERE contype = 'u' AND connamespace::regnamespace::text IN ('public','sales','ops')) AS uniques,
             (SELECT count(*) FROM pg_constraint WHERE contype = 'f') AS fks,
             (SELECT count(*) FROM pg_constraint WHERE contype = 'f' AND cardinality(conkey) > 1) AS composite_fks,
             (SELECT count(*) FROM pg_constraint WHERE contype = 'c' AND connamespace::regnamespace::text IN ('public','sales','ops')) AS checks,
             (SELECT count(*) FROM pg_description d JOIN pg_class c ON c.oid = d.objoid WHERE d.classoid = 'pg_class'::regclass AND d.objsubid = 0 AND c.relkind = 'r') AS commented_tables,
             (SELECT count(*) FROM pg_description d WHERE d.classoid = 'pg_class'::regclass AND d.objsubid > 0) AS commented_columns`);
    return r.rows[0];
  });
  const rows = ctx.tables.reduce((sum, t) => sum + t.rows, 0);
  const sampled = ctx.tables.filter((t) => t.rows > 100_000).length;
  say(
    `  ${stats?.tables} tables (${SCHEMAS.join(', ')}), ${stats?.columns} columns, ${stats?.pks} primary keys (${stats?.composite_pks} composite), ` +
      `${stats?.uniques} unique, ${stats?.fks} foreign keys (${stats?.composite_fks} composite), ${stats?.checks} checks, ` +
      `comments on ${stats?.commented_tables} tables / ${stats?.commented_columns} columns, ${rows.toLocaleString('en-US')} rows ` +
      `(${sampled} table(s) above 100,000 rows use TABLESAMPLE)`,
  );
}

interface Round {
  ours: number[];
  dumps: number[];
  /** The whole command as a process, and the workflow's own part of each (from its result). */
  processes: number[];
  processWorkflows: number[];
  processSteps: number[];
  /** ms to load the step command's modules in a process of their own, measured after each round. */
  moduleLoads: number[];
  /** µs to create a file in each timed run's task directory, right after the run. */
  fileCosts: number[];
}

/** Warm-ups, then timed runs of both contenders, interleaved, with outputs in `ctx.workDir`. */
async function measure(ctx: Context): Promise<Round> {
  // Two warm-ups: the first pays for cold caches, the second for the file system settling after
  // the database was built (its WAL and checkpoint).
  for (let w = 1; w <= WARM_UPS; w++) {
    say(`warm-up ${w}/${WARM_UPS}…`);
    const warmOurs = await runOurs(ctx);
    const warmProcess = await runOursProcess(ctx);
    const warmDump = await runPgDump(ctx);
    say(
      `  ddl_generation ${seconds(warmOurs.ms)}, as a process ${seconds(warmProcess.ms)}, pg_dump ${seconds(warmDump.ms)} ` +
        `(${(warmDump.bytes / 1024).toFixed(0)} KiB of SQL)`,
    );
  }
  const round: Round = { ours: [], dumps: [], processes: [], processWorkflows: [], processSteps: [], moduleLoads: [], fileCosts: [] };
  for (let r = 1; r <= RUNS; r++) {
    // Interleaved, so drift (autovacuum, page cache) hits all alike.
    const o = await runOurs(ctx);
    const p = await runOursProcess(ctx);
    const d = await runPgDump(ctx);
    round.ours.push(o.ms);
    round.processes.push(p.ms);
    round.processWorkflows.push(p.workflowMs);
    round.processSteps.push(p.stepMs);
    round.dumps.push(d.ms);
    round.fileCosts.push(o.fileCost, p.fileCost);
    round.moduleLoads.push(stepModuleLoadMs());
    say(
      `  run ${r}/${RUNS}: ddl_generation ${seconds(o.ms)} (step ${seconds(o.stepMs)}), ` +
        `as a process ${seconds(p.ms)} (workflow ${seconds(p.workflowMs)}, step ${seconds(p.stepMs)}), pg_dump ${seconds(d.ms)}`,
    );
  }
  return round;
}

/** Prints the medians, the runs and the ratios as a table; returns both ratios. */
function report(title: string, { ours, dumps, processes, processWorkflows, processSteps, moduleLoads }: Round): { ratio: number; processRatio: number } {
  const oursMedian = median(ours);
  const dumpMedian = median(dumps);
  const processMedian = median(processes);
  const ratio = oursMedian / dumpMedian;
  const processRatio = processMedian / dumpMedian;
  const outside = processes.map((ms, i) => ms - (processWorkflows[i] as number));
  const runs = (values: number[]) => values.map((m) => (m / 1000).toFixed(3)).join(', ');
  const rows: [string, string, string][] = [
    ['ddl_generation (builtin)', seconds(oursMedian), runs(ours)],
    ['data-pipeline step (process)', seconds(processMedian), runs(processes)],
    ['  of which the workflow', seconds(median(processWorkflows)), runs(processWorkflows)],
    ['    of which the step', seconds(median(processSteps)), runs(processSteps)],
    ['  outside the workflow', seconds(median(outside)), runs(outside)],
    ['    loading the modules', seconds(median(moduleLoads)), runs(moduleLoads)],
    ['pg_dump --schema-only', seconds(dumpMedian), runs(dumps)],
  ];
  const w0 = Math.max(...rows.map((r) => r[0].length), 'ratio ours / pg_dump'.length);
  const w1 = Math.max(...rows.map((r) => r[1].length), 'median'.length);
  const w2 = Math.max(...rows.map((r) => r[2].length), 26);
  const line = `+-${'-'.repeat(w0)}-+-${'-'.repeat(w1)}-+-${'-'.repeat(w2)}-+`;
  say('');
  say(title);
  say(line);
  say(`| ${'contender'.padEnd(w0)} | ${'median'.padStart(w1)} | ${'runs (s)'.padEnd(w2)} |`);
  say(line);
  for (const [a, b, c] of rows) say(`| ${a.padEnd(w0)} | ${b.padStart(w1)} | ${c.padEnd(w2)} |`);
  say(line);
  say(`| ${'ratio ours / pg_dump'.padEnd(w0)} | ${`${ratio.toFixed(2)}x`.padStart(w1)} | ${`target: at most ${TARGET_RATIO.toFixed(1)}x`.padEnd(w2)} |`);
  say(
    `| ${'ratio process / pg_dump'.padEnd(w0)} | ${`${processRatio.toFixed(2)}x`.padStart(w1)} | ${`target: at most ${PROCESS_TARGET_RATIO.toFixed(1)}x`.padEnd(w2)} |`,
  );
  say(line);
  return { ratio, processRatio };
}

function verdict(label: string, ratio: number, target: number, where = ''): string {
  return ratio <= target
    ? `TARGET MET${where} (${label}): ${ratio.toFixed(2)}x <= ${target.toFixed(1)}x`
    : `TARGET MISSED${where} (${label}): ${ratio.toFixed(2)}x > ${target.toFixed(1)}x`;
}

async function main(): Promise<void> {
  const benchStart = performance.now();
  const dbName = `dp_bench_ddl_${randomBytes(4).toString('hex')}`;
  const workDir = await fs.mkdtemp(path.join(os.tmpdir(), 'dp-bench-ddl-'));
  const tables = generateSchema();
  const tableList = `${tables.map((t) => (t.schema === 'public' ? t.name : `${t.schema}.${t.name}`)).join('\n')}\n`;
  const ctx: Context = { dbName, dbUrl: urlFor(dbName), tables, workDir, tableList };

  /** Work directories made later (in memory), removed with the first. */
  const extraDirs: string[] = [];
  let created = false;
  let cleaning: Promise<void> | undefined;
  // One cleanup, awaited by both the normal path and a signal: whichever exits waits for it.
  const cleanup = () => (cleaning ??= removeAll());
  const removeAll = async () => {
    if (KEEP) {
      say(`kept database ${dbName} and ${[workDir, ...extraDirs].join(', ')} (DP_BENCH_KEEP=1)`);
      return;
    }
    if (created) {
      await withClient(SERVER_URL, (c) => c.query(`DROP DATABASE IF EXISTS ${q(dbName)} WITH (FORCE)`)).catch((error: unknown) => {
        process.stderr.write(`could not drop ${dbName}: ${error instanceof Error ? error.message : String(error)}\n`);
      });
    }
    for (const dir of [workDir, ...extraDirs]) await fs.rm(dir, { recursive: true, force: true }).catch(() => undefined);
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      interrupted = true;
      process.stderr.write(`\n${signal}: cleaning up\n`);
      void cleanup().finally(() => process.exit(130));
    });
  }

  try {
    say(`ddl_generation benchmark: ${TABLE_COUNT} tables on ${new URL(SERVER_URL).host}, database ${dbName}`);
    await withClient(SERVER_URL, (c) => c.query(`CREATE DATABASE ${q(dbName)}`));
    created = true;
    say('building the synthetic database…');
    await buildDatabase(ctx);
    await describeDatabase(ctx);

    settle();
    await settleFileSystem(workDir);
    const onDisk = await measure(ctx);
    const { ratio, processRatio } = report(
      `Results (${TABLE_COUNT} tables, outputs in ${os.tmpdir()}, median of ${RUNS} runs after ${WARM_UPS} warm-ups each)`,
      onDisk,
    );
    say(`creating a file in the task directory after each run of ours: ${onDisk.fileCosts.map((c) => c.toFixed(0)).join(', ')} µs`);
    const slowDisk = Math.max(...onDisk.fileCosts) > SLOW_FILE_CREATION_US;
    const where = slowDisk ? ' (on disk, file creation slowed: see below)' : '';
    say(verdict('the step in this process', ratio, TARGET_RATIO, where));
    say(verdict('the whole command as a process', processRatio, PROCESS_TARGET_RATIO, where));
    if (slowDisk) {
      say(
        `\nWARNING: creating a file took over ${SLOW_FILE_CREATION_US} µs where ddl_generation wrote its 2,000 files: files deleted in the ` +
          `last minutes (a test run, a previous benchmark's cleanup) slow this file system, and pg_dump writes one file.`,
      );
      // The same comparison with both contenders writing to memory, where no such history exists.
      // Every run's outputs stay until the end: about 100 MB for the warm-ups and runs (both of ours).
      const free = await fs
        .statfs(MEMORY_DIR)
        .then((st) => st.bavail * st.bsize)
        .catch(() => 0);
      const memoryRoot = free >= MEMORY_NEEDED_BYTES ? MEMORY_DIR : undefined;
      if (memoryRoot) {
        ctx.workDir = await fs.mkdtemp(path.join(memoryRoot, 'dp-bench-ddl-'));
        extraDirs.push(ctx.workDir);
        say(`Measuring again with both contenders writing to ${memoryRoot} (memory)…`);
        const inMemory = await measure(ctx);
        const inMemoryRatios = report(`Results with outputs in ${memoryRoot} (memory)`, inMemory);
        say(`${verdict('the step in this process', inMemoryRatios.ratio, TARGET_RATIO, ' in memory')} (on disk: ${ratio.toFixed(2)}x)`);
        say(
          `${verdict('the whole command as a process', inMemoryRatios.processRatio, PROCESS_TARGET_RATIO, ' in memory')} (on disk: ${processRatio.toFixed(2)}x)`,
        );
      } else {
        say(`(${MEMORY_DIR} is missing or has under ${MEMORY_NEEDED_BYTES / 2 ** 20} MiB free.) Run again a few minutes after the last mass deletion.`);
      }
    }
    say(`(total bench time ${seconds(performance.now() - benchStart)})`);
  } finally {
    await cleanup();
  }
}

/** Set by SIGINT/SIGTERM: the signal handler reports and exits (130) once cleanup is done. */
let interrupted = false;

main().then(
  () => process.exit(0),
  (error: unknown) => {
    // Dropping the database under an interrupted build fails that build: not worth a stack trace.
    if (interrupted) return;
    process.stderr.write(`benchmark failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
