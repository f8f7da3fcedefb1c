// The bundled sample database is the main fixture of the project, so this test pins it down:
// the script is deterministic, and it loads into both PGlite (PG 18) and a real PostgreSQL
// server with the same rows and the same catalog facts the schema reader relies on.
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_SERVER_URL } from './support/env.js';
import {
  generateSampleData,
  generateSampleDataSql,
  SAMPLE_DB_NAME,
  SAMPLE_POST_DATA_SQL,
  SAMPLE_ROW_COUNTS,
  SAMPLE_SCHEMA_SQL,
  SAMPLE_SCRIPT_VERSION,
  SAMPLE_TABLES,
  SAMPLE_VIEWS,
  sampleDatabaseScript,
  sqlLiteral,
} from '../src/source/sample/index.js';

const ADMIN_URL = TEST_SERVER_URL;
const PROJECT_ROOT = fileURLToPath(new URL('..', import.meta.url));
const SAMPLE_INDEX_URL = new URL('../src/source/sample/index.ts', import.meta.url).href;

type Row = Record<string, unknown>;
type Query = (sql: string) => Promise<Row[]>;

/** "public.CustomerFeedback" -> "public"."CustomerFeedback" */
function quoteQualified(name: string): string {
  return name
    .split('.')
    .map((part) => `"${part.replaceAll('"', '""')}"`)
    .join('.');
}

const sqlString = (value: string): string => `'${value.replaceAll("'", "''")}'`;

async function single(query: Query, sql: string): Promise<Row> {
  const rows = await query(sql);
  expect(rows).toHaveLength(1);
  return rows[0] as Row;
}

async function columnComment(query: Query, table: string, column: string): Promise<unknown> {
  const row = await single(
    query,
    `SELECT col_description(a.attrelid, a.attnum) AS comment
       FROM pg_attribute a
      WHERE a.attrelid = ${sqlString(quoteQualified(table))}::regclass AND a.attname = ${sqlString(column)}`,
  );
  return row.comment;
}

async function tableComment(query: Query, table: string): Promise<unknown> {
  const row = await single(query, `SELECT obj_description(${sqlString(quoteQualified(table))}::regclass, 'pg_class') AS comment`);
  return row.comment;
}

/** The same checks for every engine the script must load into. */
function defineLoadedDatabaseChecks(getQuery: () => Query): void {
  it('contains exactly the sample tables, each with the expected row count', async () => {
    const query = getQuery();
    const tables = await query(
      `SELECT schemaname || '.' || tablename AS name FROM pg_tables
        WHERE schemaname IN ('public', 'hr') ORDER BY 1`,
    );
    expect(tables.map((t) => t.name)).toEqual([...SAMPLE_TABLES].sort());

    const counts: Record<string, number> = {};
    for (const table of SAMPLE_TABLES) {
      const row = await single(query, `SELECT count(*)::int AS n FROM ${quoteQualified(table)}`);
      counts[table] = Number(row.n);
    }
    expect(counts).toEqual(SAMPLE_ROW_COUNTS);
  });

  it('has the view and the populated materialized view', async () => {
    const query = getQuery();
    const views = await query(
      `SELECT schemaname || '.' || viewname AS name FROM pg_views WHERE schemaname IN ('public', 'hr')
       UNION ALL
       SELECT schemaname || '.' || matviewname FROM pg_matviews WHERE schemaname IN ('public', 'hr')
       ORDER BY 1`,
    );
    expect(views.map((v) => v.name)).toEqual([...SAMPLE_VIEWS].sort());
    const mv = await single(query, 'SELECT count(*)::int AS n FROM public.mv_product_sales');
    expect(mv.n).toBe(SAMPLE_ROW_COUNTS['public.products']);
    const view = await single(query, 'SELECT count(*)::int AS n FROM public.v_store_daily_sales');
    expect(Number(view.n)).toBeGreaterThan(0);
  });

  it('has 16 foreign keys, including the composite one and the cross-schema one', async () => {
    const query = getQuery();
    const fks = await query(
      `SELECT cn.nspname || '.' || cl.relname AS child,
              pn.nspname || '.' || pl.relname AS parent,
              (SELECT string_agg(a.attname, ',' ORDER BY k.ord)
                 FROM unnest(c.conkey) WITH ORDINALITY AS k(attnum, ord)
                 JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum) AS columns
         FROM pg_constraint c
         JOIN pg_class cl ON cl.oid = c.conrelid
         JOIN pg_namespace cn ON cn.oid = cl.relnamespace
         JOIN pg_class pl ON pl.oid = c.confrelid
         JOIN pg_namespace pn ON pn.oid = pl.relnamespace
        WHERE c.contype = 'f' AND cn.nspname IN ('public', 'hr')
        ORDER BY 1, 2, 3`,
    );
    expect(fks).toHaveLength(16);
    expect(fks).toContainEqual({ child: 'public.order_items', parent: 'public.inventory', columns: 'store_id,product_id' });
    expect(fks).toContainEqual({ child: 'hr.employees', parent: 'public.stores', columns: 'store_id' });
    expect(fks).toContainEqual({ child: 'hr.employees', parent: 'hr.employees', columns: 'manager_id' });
    expect(fks.filter((fk) => String(fk.columns).includes(','))).toHaveLength(1);
  });

  it('has the order_status enum with its labels in order', async () => {
    const row = await single(
      getQuery(),
      `SELECT string_agg(e.enumlabel, ',' ORDER BY e.enumsortorder) AS labels
         FROM pg_enum e
         JOIN pg_type t ON t.oid = e.enumtypid
         JOIN pg_namespace n ON n.oid = t.typnamespace
        WHERE n.nspname = 'public' AND t.typname = 'order_status'`,
    );
    expect(row.labels).toBe('pending,paid,shipped,delivered,cancelled,refunded');
  });

  it('has comments on some tables and columns but not on others', async () => {
    const query = getQuery();
    for (const table of ['public.regions', 'public.orders', 'public.CustomerFeedback', 'hr.departments']) {
      expect(await tableComment(query, table), table).toEqual(expect.any(String));
    }
    for (const table of ['public.product_categories', 'public.inventory', 'public.order_items', 'public.payments']) {
      expect(await tableComment(query, table), table).toBeNull();
    }
    expect(await tableComment(query, 'public.v_store_daily_sales')).toEqual(expect.any(String));

    expect(await columnComment(query, 'public.orders', 'total_amount')).toMatch(/sum over its items/);
    expect(await columnComment(query, 'public.CustomerFeedback', 'NPS_Score')).toMatch(/Net Promoter Score/);
    expect(await columnComment(query, 'hr.employees', 'manager_id')).toEqual(expect.any(String));
    expect(await columnComment(query, 'public.customers', 'full_name')).toBeNull();
    expect(await columnComment(query, 'public.payments', 'method')).toBeNull();

    const categoryComments = await single(
      query,
      `SELECT count(col_description(a.attrelid, a.attnum))::int AS n
         FROM pg_attribute a
        WHERE a.attrelid = 'public.product_categories'::regclass AND a.attnum > 0 AND NOT a.attisdropped`,
    );
    expect(categoryComments.n).toBe(0);
  });

  it('keeps the data consistent (totals, composite keys, time window, sequences)', async () => {
    const query = getQuery();
    const checks = await single(
      query,
      `SELECT
         (SELECT count(*)::int FROM public.orders o
           WHERE o.total_amount IS DISTINCT FROM (
             SELECT sum(round(i.quantity * i.unit_price * (1 - i.discount_pct / 100), 2))
               FROM public.order_items i WHERE i.order_id = o.id)) AS bad_totals,
         (SELECT count(*)::int FROM public.order_items i JOIN public.orders o ON o.id = i.order_id
           WHERE i.store_id <> o.store_id) AS bad_item_stores,
         (SELECT count(*)::int FROM public.orders
           WHERE ordered_at < '2024-01-01 00:00:00+00' OR ordered_at > '2025-06-30 23:59:59+00'
              OR shipped_at > '2025-06-30 23:59:59+00') AS orders_outside_window,
         (SELECT count(*)::int FROM public.orders o
           WHERE (o.status IN ('pending', 'cancelled')) = EXISTS (SELECT 1 FROM public.payments p WHERE p.order_id = o.id AND NOT p.is_refund)
          ) AS bad_payments,
         (SELECT last_value::int FROM public.orders_id_seq) AS orders_seq,
         (SELECT last_value::int FROM public."CustomerFeedback_feedbackId_seq") AS feedback_seq`,
    );
    expect(checks).toEqual({
      bad_totals: 0,
      bad_item_stores: 0,
      orders_outside_window: 0,
      bad_payments: 0,
      orders_seq: SAMPLE_ROW_COUNTS['public.orders'],
      feedback_seq: SAMPLE_ROW_COUNTS['public.CustomerFeedback'],
    });
  });
}

describe('sample database script', () => {
  it('is byte-identical across generations and matches SAMPLE_SCRIPT_VERSION', () => {
    const first = SAMPLE_SCHEMA_SQL + generateSampleDataSql() + SAMPLE_POST_DATA_SQL;
    const second = SAMPLE_SCHEMA_SQL + generateSampleDataSql() + SAMPLE_POST_DATA_SQL;
    // Compare booleans: a failing toBe on half a megabyte of SQL would print an unreadable diff.
    expect(first === second).toBe(true);
    expect(sampleDatabaseScript() === first).toBe(true);
    expect(sampleDatabaseScript()).toBe(sampleDatabaseScript()); // memoized: same string
    expect(SAMPLE_SCRIPT_VERSION).toMatch(/^[0-9a-f]{12}$/);
    expect(createHash('sha256').update(first).digest('hex').slice(0, 12)).toBe(SAMPLE_SCRIPT_VERSION);
  });

  it('has the same SAMPLE_SCRIPT_VERSION in a fresh process with another TimeZone', () => {
    const code = `const m = await import(${JSON.stringify(SAMPLE_INDEX_URL)}); process.stdout.write(m.SAMPLE_SCRIPT_VERSION);`;
    const output = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '--eval', code], {
      cwd: PROJECT_ROOT,
      env: { ...process.env, TZ: 'Pacific/Kiritimati' },
      encoding: 'utf8',
    });
    expect(output).toBe(SAMPLE_SCRIPT_VERSION);
  });

  it('declares row counts that match the generator and cover every table', () => {
    expect(generateSampleData().rowCounts).toEqual(SAMPLE_ROW_COUNTS);
    expect(Object.keys(SAMPLE_ROW_COUNTS).sort()).toEqual([...SAMPLE_TABLES].sort());
    expect(SAMPLE_DB_NAME).toBe('trailhead_outfitters');
    for (const name of [...SAMPLE_TABLES, ...SAMPLE_VIEWS]) expect(name).toMatch(/^(public|hr)\.[A-Za-z_]+$/);
  });

  it('stays well under 2 MB and uses no volatile SQL in the data', () => {
    const script = sampleDatabaseScript();
    expect(Buffer.byteLength(script)).toBeLessThan(2 * 1024 * 1024);
    expect(generateSampleDataSql()).not.toMatch(/\b(random|now|current_date|current_timestamp)\b/i);
  });

  it('renders SQL literals safely', () => {
    expect(sqlLiteral(null)).toBe('NULL');
    expect(sqlLiteral(true)).toBe('true');
    expect(sqlLiteral(12.5)).toBe('12.5');
    expect(sqlLiteral("O'Brien")).toBe("'O''Brien'");
    expect(sqlLiteral('2024-05-01')).toBe("'2024-05-01'");
    expect(sqlLiteral({ kind: 'jsonb', value: { note: "it's", n: 1 } })).toBe(`'{"note":"it''s","n":1}'::jsonb`);
    expect(sqlLiteral({ kind: 'textArray', value: ['camping', "editor's pick"] })).toBe("ARRAY['camping', 'editor''s pick']::text[]");
    expect(sqlLiteral({ kind: 'textArray', value: [] })).toBe("'{}'::text[]");
    expect(() => sqlLiteral(Number.NaN)).toThrow();
    expect(() => sqlLiteral('a\0b')).toThrow();
  });
});

describe('sample database loaded into PGlite', () => {
  let db: PGlite | undefined;

  beforeAll(async () => {
    db = await PGlite.create();
    await db.exec(sampleDatabaseScript());
  });

  afterAll(async () => {
    await db?.close();
  });

  defineLoadedDatabaseChecks(() => async (sql) => {
    if (!db) throw new Error('PGlite database was not created');
    return (await db.query<Row>(sql)).rows;
  });
});

describe('sample database loaded into a real PostgreSQL server', () => {
  const databaseName = `dp_sample_test_${randomBytes(6).toString('hex')}`;
  let admin: pg.Client | undefined;
  let client: pg.Client | undefined;
  let created = false;
  // A failing beforeAll would only mark the checks as skipped; keeping the error and throwing it
  // from every check makes each of them FAIL with the reason (this test must never skip).
  let setupError: Error | undefined;

  beforeAll(async () => {
    const candidate = new pg.Client({ connectionString: ADMIN_URL, connectionTimeoutMillis: 5_000 });
    try {
      await candidate.connect();
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      setupError = new Error(`PostgreSQL server at ${ADMIN_URL} is unreachable (${reason}); this test requires a running server and never skips.`);
      return;
    }
    admin = candidate;
    try {
      await admin.query(`CREATE DATABASE ${databaseName}`);
      created = true;
      const url = new URL(ADMIN_URL);
      url.pathname = `/${databaseName}`;
      client = new pg.Client({ connectionString: url.toString(), connectionTimeoutMillis: 5_000 });
      await client.connect();
      await client.query(sampleDatabaseScript()); // simple protocol: the whole multi-statement script at once
    } catch (error) {
      setupError = error instanceof Error ? error : new Error(String(error));
    }
  });

  afterAll(async () => {
    await client?.end();
    if (admin) {
      if (created) await admin.query(`DROP DATABASE IF EXISTS ${databaseName} WITH (FORCE)`);
      await admin.end();
    }
  });

  defineLoadedDatabaseChecks(() => async (sql) => {
    if (setupError) throw setupError;
    if (!client) throw new Error('PostgreSQL test database was not created');
    return (await client.query<Row>(sql)).rows;
  });
});
