/**
 * Schema fidelity of the documents on a Pagila-like schema (test/support/pagila-like.ts) served by
 * the real PostgreSQL server: user-defined types defined in the `.ddl` of every table using them,
 * so that each file loads into an empty database — all of them in foreign-key order, and each one
 * alone after the tables it references —; partitions and inheritance children folded into their
 * parent, which documents its partitioning; no question about a partition.
 */
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Settings } from '../src/config/settings.js';
import { readCatalog, shortTypeName } from '../src/source/catalog.js';
import { detectDrift } from '../src/workflow/incremental/drift.js';
import { PostgresDatabase } from '../src/db/postgres-database.js';
import { parseTableList } from '../src/source/table-list.js';
import { ensureSqlParser, parseStatements } from '../src/sql/pg-parser.js';
import { sqlShape } from '../src/sql/sql-shape.js';
import { TaskDirectory } from '../src/task-directory/task-dir.js';
import { parseMapping } from '../src/task-directory/task-files.js';
import { runWorkflow, type WorkflowResult } from '../src/workflow/orchestrator.js';
import { parseMarkdown, renderDdl, renderMarkdown } from '../src/workflow/render/table-files.js';
import { workflowOptions } from '../src/workflow/run-options.js';
import { ddlDocuments } from '../src/vector/training-documents.js';
import { createScratchDatabase, makeTempDir, TEST_SERVER_URL as TEST_URL, testSettings, type ScratchDatabase } from './support/env.js';
import { createPagilaLikeDatabase, PAGILA_LIKE_DOCUMENTED, PAGILA_LIKE_FOLDED, PAGILA_LIKE_LIST, PAGILA_LIKE_REFERENCES } from './support/pagila-like.js';

/** Runs `files` one after another in a new empty database, then `check` on it; the database is dropped afterwards. */
async function inEmptyDatabase<T>(files: string[], check: (client: pg.Client) => Promise<T>): Promise<T> {
  const scratch = await createScratchDatabase('dp_ddl_load');
  const client = new pg.Client({ connectionString: scratch.url });
  await client.connect();
  try {
    for (const text of files) await client.query(text);
    return await check(client);
  } finally {
    await client.end();
    await scratch.drop();
  }
}

/** The tables `table` needs before its file loads: those it references, theirs first, each once. */
function referencedFirst(table: string, seen = new Set<string>()): string[] {
  const order: string[] = [];
  for (const ref of PAGILA_LIKE_REFERENCES[table] ?? []) {
    if (seen.has(ref)) continue;
    seen.add(ref);
    order.push(...referencedFirst(ref, seen), ref);
  }
  return order;
}

describe('schema fidelity on a Pagila-like schema', () => {
  let source: ScratchDatabase;
  let settings: Settings;
  let dir: TaskDirectory;
  let result: WorkflowResult;
  const ddl = new Map<string, string>();
  const md = new Map<string, string>();

  beforeAll(async () => {
    await ensureSqlParser();
    source = await createPagilaLikeDatabase();
    settings = testSettings(await makeTempDir());
    dir = await TaskDirectory.open(path.join(settings.trainingDataDir, 'pagila_like'), { create: true });
    await dir.writeFile('table_list.txt', `${PAGILA_LIKE_LIST.join('\n')}\n`);
    const options = workflowOptions({ task_id: 'pagila_like', db_connection: source.url, business_context: 'DVD rental store' });
    result = await runWorkflow({ dir, settings, options, mode: 'complete' });
    for (const entry of parseMapping(await dir.readText('filename_mapping.txt'))) {
      const name = entry.table.replace(/^public\./, '');
      ddl.set(name, await dir.readText(entry.ddl));
      md.set(name, await dir.readText(entry.md));
    }
  });
  afterAll(async () => source?.drop());

  it('reads types, partitions and parents alike on one connection and on three sharing a snapshot', async () => {
    const one = await PostgresDatabase.connect(source.url, { maxConnections: 1 });
    const three = await PostgresDatabase.connect(source.url, { maxConnections: 3 });
    try {
      const refs = parseTableList(PAGILA_LIKE_LIST.join('\n')).tables;
      const sequential = await readCatalog(one, refs);
      expect(await readCatalog(three, refs)).toEqual(sequential);
      const byName = new Map(sequential.tables.map((t) => [t.name, t]));
      expect(byName.get('payment')).toMatchObject({ kind: 'partitioned_table', partitionKey: 'RANGE (payment_date)', rowEstimate: 100 });
      expect(byName.get('payment')?.children?.map((c) => c.name)).toEqual(['payment_p2022_01', 'payment_p2022_02', 'payment_p2022_03']);
      expect(byName.get('payment_p2022_02')?.parentTable).toEqual({ schema: 'public', name: 'payment', relation: 'partition' });
      expect(byName.get('film_archive')?.parentTable).toEqual({ schema: 'public', name: 'film', relation: 'inheritance child' });
      expect(byName.get('film')?.children).toEqual([{ schema: 'public', name: 'film_archive', bound: null }]);
      expect(byName.get('film')?.columns.find((c) => c.name === 'release_year')?.userType).toBe('public.year');
      // The composite's attribute of an enum type comes first: each type after those it is made of.
      expect(byName.get('customer')?.userTypes?.map((t) => t.name)).toEqual(['mpaa_rating', 'address']);
      expect(byName.get('refund')?.foreignKeys.map((fk) => fk.refTable)).toEqual(['payment']);
    } finally {
      await one.close();
      await three.close();
    }
  });

  it('runs the whole builtin workflow, every pair valid', () => {
    expect(result.steps.map((s) => [s.step_name, s.step_status])).toEqual([
      ['ddl_generation', 'completed'],
      ['qa_generation', 'completed'],
      ['sql_validation', 'completed'],
      ['training_load', 'completed'],
    ]);
    expect(result.summary.validation_rate).toBe(1);
  });

  it('documents each parent once and no partition or inheritance child, saying so in the log', async () => {
    expect([...ddl.keys()].sort()).toEqual([...PAGILA_LIKE_DOCUMENTED].sort());
    const files = await dir.fileNames((n) => n.endsWith('.ddl') || n.endsWith('_detail.md'));
    for (const folded of PAGILA_LIKE_FOLDED) expect(files.filter((f) => f.startsWith(folded))).toEqual([]);
    const step = result.steps.find((s) => s.step_name === 'ddl_generation');
    expect(step?.result?.folded_tables).toEqual([
      { table: 'public.film_archive', into: 'public.film', relation: 'inheritance child' },
      { table: 'public.payment_p2022_01', into: 'public.payment', relation: 'partition' },
      { table: 'public.payment_p2022_02', into: 'public.payment', relation: 'partition' },
      { table: 'public.payment_p2022_03', into: 'public.payment', relation: 'partition' },
    ]);
    const log = await dir.readText('data_pipeline.log');
    expect(log).toContain('documenting public.payment instead of its partition(s) public.payment_p2022_01, public.payment_p2022_02, public.payment_p2022_03');
    expect(log).toContain('documenting public.film instead of its inheritance child(ren) public.film_archive');
  });

  it('finds no drift right after the run: listed partitions are neither added nor missing tables', async () => {
    const db = await PostgresDatabase.connect(source.url, { sessionReadOnly: true });
    try {
      const report = await detectDrift(dir, db, { statementTimeoutMs: 30_000 });
      expect(report).toMatchObject({ drifted: false, tables_added: [], tables_removed: [], tables_changed: [], tables_listed_missing: [] });
    } finally {
      await db.close();
    }
  });

  it('documents a list naming only a partition as its parent, and names partitions in no foreign key', async () => {
    const only = await TaskDirectory.open(path.join(settings.trainingDataDir, 'only_partition'), { create: true });
    await only.writeFile('table_list.txt', 'payment_p2022_02\nrefund\n');
    const options = workflowOptions({ task_id: 'only_partition', db_connection: source.url, business_context: 'DVD rental store' });
    const run = await runWorkflow({ dir: only, settings, options, mode: 'step', step: 'ddl_generation' });
    expect(run.status).toBe('completed');
    expect(parseMapping(await only.readText('filename_mapping.txt')).map((m) => m.table)).toEqual(['public.payment', 'public.refund']);
    expect(await only.readText('data_pipeline.log')).toContain('documenting public.payment instead of its partition(s) public.payment_p2022_02');
    // refund's foreign key is to payment, not to the copies PostgreSQL keeps for each partition.
    const refund = await only.readText('refund.ddl');
    expect(refund).toContain('foreign key (payment_date, payment_id) references public.payment (payment_date, payment_id)');
    expect(refund).not.toMatch(/payment_p2022/);
  });

  it('states the partitioning in the parent: PARTITION BY in the .ddl, the partitions and their bounds in the _detail.md', () => {
    expect(ddl.get('payment')).toMatch(/\n\) partition by range \(payment_date\);\n$/);
    const detail = md.get('payment') as string;
    expect(detail).toContain('- payment is partitioned by RANGE (payment_date) into 3 partition(s); query payment itself');
    expect(detail).toContain("  - payment_p2022_01: FOR VALUES FROM ('2022-01-01 00:00:00+00') TO ('2022-02-01 00:00:00+00')");
    expect(detail).toContain("  - payment_p2022_03: FOR VALUES FROM ('2022-03-01 00:00:00+00') TO ('2022-04-01 00:00:00+00')");
    // The parent's rows are those of its partitions.
    expect(detail).toContain('- about 100 rows');
    expect(md.get('film')).toContain('- film is inherited by film_archive: selecting from film includes their rows');
  });

  it("states each domain's rule and each enum type's values in the _detail.md", () => {
    const film = md.get('film') as string;
    expect(film).toContain('- type year (of release_year) is a domain over integer; its values satisfy CHECK (VALUE >= 1901 AND VALUE <= 2155)');
    expect(film).toContain('- type mpaa_rating (of rating) is an enum type; its values, in their order: G, PG, PG-13, R, NC-17');
    const customer = md.get('customer') as string;
    expect(customer).toContain('- type mpaa_rating (of favourite_ratings) is an enum type; its values, in their order: G, PG, PG-13, R, NC-17');
    expect(customer).toContain('- type address (of home) is a composite type (street text, city text, preferred mpaa_rating)');
    // The notes are no columns or enumerations to the reader of _detail.md.
    expect(Object.keys(parseMarkdown(film).columnComments)).toEqual([
      'film_id',
      'title',
      'release_year',
      'language_id',
      'rating',
      'special_features',
      'rental_rate',
      'length',
      'length_hours',
    ]);
    expect(parseMarkdown(film).enumValues).toEqual({ rating: ['G', 'PG', 'PG-13', 'R', 'NC-17'] });
  });

  it('states the types and the partitioning in Chinese documents too, whose .ddl loads the same way', async () => {
    const zh = await TaskDirectory.open(path.join(settings.trainingDataDir, 'pagila_like_zh'), { create: true });
    await zh.writeFile('table_list.txt', `${PAGILA_LIKE_LIST.join('\n')}\n`);
    const options = workflowOptions({ task_id: 'pagila_like_zh', db_connection: source.url, business_context: '影碟租赁', language: 'zh' });
    expect((await runWorkflow({ dir: zh, settings, options, mode: 'step', step: 'ddl_generation' })).status).toBe('completed');
    const film = await zh.readText('film_detail.md');
    expect(film).toContain('- 类型 year（字段 release_year）为基于 integer 的域类型，取值须满足 CHECK (VALUE >= 1901 AND VALUE <= 2155)');
    expect(film).toContain('- 类型 mpaa_rating（字段 rating）为枚举类型，取值依次为：G、PG、PG-13、R、NC-17');
    expect(parseMarkdown(film).enumValues).toEqual({ rating: ['G', 'PG', 'PG-13', 'R', 'NC-17'] });
    expect(await zh.readText('payment_detail.md')).toContain('- payment 为分区表，按 RANGE (payment_date) 分为 3 个分区');
    const files = await Promise.all(PAGILA_LIKE_DOCUMENTED.map((t) => zh.readText(`${t}.ddl`)));
    expect(await inEmptyDatabase(files, publicTables)).toEqual([...PAGILA_LIKE_DOCUMENTED].sort());
  });

  it('keeps generated, identity and array columns as they are', () => {
    const film = ddl.get('film') as string;
    expect(film).toMatch(/\n {2}length_hours numeric generated always as \(.*length.*60\.0.*\) stored,/);
    expect(film).toMatch(/\n {2}special_features text\[\],/);
    expect(film).toMatch(/\n {2}release_year year,/);
    expect(film).toMatch(/\n {2}rating mpaa_rating default 'G'::mpaa_rating,/);
    expect(ddl.get('language')).toMatch(/\n {2}language_id integer generated always as identity,/);
    expect(ddl.get('customer')).toMatch(/\n {2}customer_id integer generated by default as identity,/);
    expect(ddl.get('customer')).toMatch(/\n {2}favourite_ratings mpaa_rating\[\],/);
    expect(ddl.get('payment')).toMatch(/\n {2}payment_id bigint generated always as identity,/);
  });

  it('defines the user-defined types ahead of the table, each created unless it exists, and the file parses', () => {
    const film = ddl.get('film') as string;
    const lines = film.split('\n');
    expect(lines[0]).toMatch(/^-- Name: \S/);
    expect(lines[1]).toMatch(/^-- Description: \S/);
    expect(film.indexOf("create type public.mpaa_rating as enum ('G', 'PG', 'PG-13', 'R', 'NC-17');")).toBeLessThan(film.indexOf('create table'));
    expect(film).toContain('create domain public.year as integer constraint year_check CHECK (VALUE >= 1901 AND VALUE <= 2155);');
    expect(film).toContain("if to_regtype('public.year') is null then");
    // The types' DO block, then the table.
    expect(parseStatements(film).map((s) => s.kind)).toEqual(['DoStmt', 'CreateStmt']);
    expect(parseStatements(ddl.get('language') as string)).toHaveLength(1);
  });

  it('keeps the types with their table in the vector documents of a .ddl', async () => {
    const documents = await ddlDocuments(ddl.get('film') as string, 'film.ddl', ['public.film']);
    expect(documents).toHaveLength(1);
    expect(documents[0]?.document).toMatch(/^-- Name: [\s\S]*create type public\.mpaa_rating[\s\S]*create table public\.film \(/);
    expect(await ddlDocuments(ddl.get('language') as string, 'language.ddl')).toHaveLength(1);
  });

  it('loads every .ddl into an empty database in foreign-key order, with its tables, types and domains', async () => {
    const catalog = await inEmptyDatabase(
      PAGILA_LIKE_DOCUMENTED.map((t) => ddl.get(t) as string),
      async (client) => {
        const types = await client.query<{ typname: string; typtype: string }>(
          `SELECT typname, typtype::text FROM pg_type WHERE typnamespace = 'public'::regnamespace
             AND (typtype IN ('e', 'd') OR typrelid IN (SELECT oid FROM pg_class WHERE relkind = 'c')) ORDER BY typname`,
        );
        const check = await client.query<{ def: string }>(`SELECT pg_get_constraintdef(oid, true) AS def FROM pg_constraint WHERE conname = 'year_check'`);
        const labels = await client.query<{ labels: string[] }>(`SELECT enum_range(NULL::mpaa_rating)::text[] AS labels`);
        const partitioned = await client.query<{ key: string }>(`SELECT pg_get_partkeydef('payment'::regclass) AS key`);
        return { types: types.rows, check: check.rows, labels: labels.rows, partitioned: partitioned.rows, tables: await publicTables(client) };
      },
    );
    expect(catalog.types).toEqual([
      { typname: 'address', typtype: 'c' },
      { typname: 'mpaa_rating', typtype: 'e' },
      { typname: 'year', typtype: 'd' },
    ]);
    expect(catalog.check).toEqual([{ def: 'CHECK (VALUE >= 1901 AND VALUE <= 2155)' }]);
    expect(catalog.labels).toEqual([{ labels: ['G', 'PG', 'PG-13', 'R', 'NC-17'] }]);
    expect(catalog.partitioned).toEqual([{ key: 'RANGE (payment_date)' }]);
    expect(catalog.tables).toEqual([...PAGILA_LIKE_DOCUMENTED].sort());
  });

  it('loads each .ddl alone after the tables it references were loaded from their own files', async () => {
    for (const table of PAGILA_LIKE_DOCUMENTED) {
      const files = [...referencedFirst(table), table].map((t) => ddl.get(t) as string);
      const tables = await inEmptyDatabase(files, publicTables);
      expect(tables, table).toContain(table);
    }
  });

  it('loads a documented table with the columns and types of the source', async () => {
    const db = await PostgresDatabase.connect(source.url, { sessionReadOnly: true });
    try {
      const live = await readCatalog(db, parseTableList(PAGILA_LIKE_DOCUMENTED.join('\n')).tables);
      await inEmptyDatabase(
        PAGILA_LIKE_DOCUMENTED.map((t) => ddl.get(t) as string),
        async (client) => {
          const columns = await client.query<{ table_name: string; column_name: string; type: string }>(
            `SELECT c.relname AS table_name, a.attname AS column_name, format_type(a.atttypid, a.atttypmod) AS type
             FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
             WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped
             ORDER BY c.relname, a.attnum`,
          );
          const expected = live.tables
            .flatMap((t) => t.columns.map((c) => ({ table_name: t.name, column_name: c.name, type: c.type })))
            .sort((a, b) => a.table_name.localeCompare(b.table_name));
          expect(columns.rows.map((r) => ({ ...r, type: shortTypeName(r.type) }))).toEqual(expected);
        },
      );
    } finally {
      await db.close();
    }
  });

  it('generates no question whose SQL names a partition or an inheritance child', async () => {
    const pairFile = (await dir.fileNames((n) => n.endsWith('_pair.json')))[0] as string;
    const pairs = JSON.parse(await dir.readText(pairFile)) as { question: string; sql: string }[];
    expect(pairs.length).toBeGreaterThan(5);
    const named = new Set<string>();
    for (const pair of pairs) {
      const shape = sqlShape(pair.sql);
      expect(shape, pair.sql).not.toBeNull();
      for (const table of shape?.tables ?? []) named.add(table.replace(/^public\./, ''));
    }
    for (const folded of PAGILA_LIKE_FOLDED) expect(named.has(folded), folded).toBe(false);
    for (const pair of pairs) expect(pair.question).not.toMatch(/p2022|archive/i);
    expect([...named].every((t) => PAGILA_LIKE_DOCUMENTED.includes(t))).toBe(true);
  });
});

/** The public tables of a loaded database, by name. */
async function publicTables(client: pg.Client): Promise<string[]> {
  const rows = await client.query<{ name: string }>(
    `SELECT relname AS name FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relkind IN ('r', 'p') ORDER BY relname`,
  );
  return rows.rows.map((r) => r.name);
}

describe('the types of a .ddl, in harder cases', () => {
  it('loads a domain over an enum of another schema, a label holding quotes and the dollar tag, and a NOT VALID check', async () => {
    await ensureSqlParser();
    const schema = `
      CREATE SCHEMA inv;
      CREATE TYPE inv."Odd Kind" AS ENUM ('it''s', '$dp$', 'plain');
      CREATE DOMAIN inv.kind_code AS inv."Odd Kind" NOT NULL DEFAULT 'plain';
      CREATE DOMAIN positive AS numeric(8,2) CHECK (VALUE > 0);
      CREATE TABLE item (id int PRIMARY KEY, kind inv.kind_code, kinds inv."Odd Kind"[], price positive);
      ALTER DOMAIN positive ADD CONSTRAINT below_million CHECK (VALUE < 1000000) NOT VALID;`;
    const rendered = await inEmptyDatabase([schema], async (client) => {
      const db = await PostgresDatabase.connect(urlOf(client), { sessionReadOnly: true });
      try {
        const [table] = (await readCatalog(db, [{ schema: 'public', name: 'item' }])).tables;
        if (!table) throw new Error('item not read');
        const comments = { table: 'Items', columns: {}, enums: {} };
        return { ddl: renderDdl(table, comments, 'en'), md: renderMarkdown(table, comments, [], 'en'), types: table.userTypes?.map((t) => t.name) };
      } finally {
        await db.close();
      }
    });
    // The enum before the domain over it, whatever their names.
    expect(rendered.types).toEqual(['Odd Kind', 'kind_code', 'positive']);
    expect(rendered.ddl).toContain('do $dp1$');
    expect(rendered.ddl).toContain('create schema if not exists inv;');
    // One vector document: the schema and the types go with the table they prepare.
    expect((await ddlDocuments(rendered.ddl, 'item.ddl')).map((d) => d.document)).toEqual([
      expect.stringMatching(/^-- Name[\s\S]*create schema if not exists inv;[\s\S]*do \$dp1\$[\s\S]*create table public\.item \(/),
    ]);
    expect(rendered.ddl).toContain('create domain inv.kind_code as inv."Odd Kind" default \'plain\'::inv."Odd Kind" not null;');
    expect(rendered.md).toContain(
      '- type positive (of price) is a domain over numeric(8,2); its values satisfy CHECK (VALUE < 1000000::numeric) and CHECK (VALUE > 0::numeric)',
    );
    expect(rendered.md).toContain('- type inv."Odd Kind" (of kinds) is an enum type; its values, in their order: it\'s, $dp$, plain');
    const loaded = await inEmptyDatabase(
      // The file creates the schema of its types itself (unless it exists: the second file finds it).
      [rendered.ddl, rendered.ddl.replace('create table public.item', 'create table public.item_again')],
      async (client) => {
        const labels = await client.query<{ labels: string[] }>(`SELECT enum_range(NULL::inv."Odd Kind")::text[] AS labels`);
        return { labels: labels.rows[0]?.labels, tables: await publicTables(client) };
      },
    );
    expect(loaded).toEqual({ labels: ["it's", '$dp$', 'plain'], tables: ['item', 'item_again'] });
  });
});

describe('the schema and extensions a .ddl needs', () => {
  it('creates the schema of a table outside public and the extensions of its column types, so the file loads alone', async () => {
    await ensureSqlParser();
    const schema = `
      CREATE SCHEMA sales;
      CREATE SCHEMA ext;
      CREATE EXTENSION citext;
      CREATE EXTENSION ltree WITH SCHEMA ext;
      CREATE TABLE sales.customer (id int PRIMARY KEY, email citext NOT NULL, tags citext[], path ext.ltree);`;
    const ddl = await inEmptyDatabase([schema], async (client) => {
      const db = await PostgresDatabase.connect(urlOf(client), { sessionReadOnly: true });
      try {
        const [table] = (await readCatalog(db, [{ schema: 'sales', name: 'customer' }])).tables;
        if (!table) throw new Error('sales.customer not read');
        expect(table.extensions).toEqual([
          { name: 'citext', schema: 'public' },
          { name: 'ltree', schema: 'ext' },
        ]);
        return renderDdl(table, { table: 'Customers', columns: {}, enums: {} }, 'en');
      } finally {
        await db.close();
      }
    });
    expect(ddl).toContain('create schema if not exists sales;');
    expect(ddl).toContain('create extension if not exists citext with schema public;');
    expect(ddl).toContain('create extension if not exists ltree with schema ext;');
    // Alone into an empty database, twice (the second time everything exists already).
    const loaded = await inEmptyDatabase([ddl, ddl.replace('create table sales.customer', 'create table sales.customer_again')], async (client) => {
      const columns = await client.query<{ table_name: string; column_name: string; udt_name: string }>(
        `SELECT table_name, column_name, udt_name FROM information_schema.columns WHERE table_schema = 'sales' ORDER BY table_name, ordinal_position`,
      );
      return columns.rows.filter((r) => r.table_name === 'customer').map((r) => `${r.column_name}:${r.udt_name}`);
    });
    expect(loaded).toEqual(['id:int4', 'email:citext', 'tags:_citext', 'path:ltree']);
    // One vector document: what prepares the table goes with it.
    expect(await ddlDocuments(ddl, 'customer.ddl')).toHaveLength(1);
  });
});

/** The connection string of a connected client's database. */
function urlOf(client: pg.Client): string {
  const url = new URL(TEST_URL);
  url.pathname = `/${client.database}`;
  return url.toString();
}
