/**
 * SQL from an LLM is checked by PostgreSQL's parser before anything runs: only exactly one
 * read-only query passes; everything else is rejected without reaching the database.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresDatabase } from '../src/db/postgres-database.js';
import type { Queryable, SqlDatabase, SqlRow, TransactionOptions } from '../src/db/sql-database.js';
import { ensureSqlParser } from '../src/sql/pg-parser.js';
import { displayIdent, displayQualified } from '../src/sql/identifiers.js';
import { checkReadOnlyQuery } from '../src/sql/statement-guard.js';
import { inspectQuery } from '../src/workflow/steps/execute-check.js';
import { checkSql, returnsRows } from '../src/workflow/steps/sql-validation.js';
import { createSampleDatabaseOnServer, type ScratchDatabase } from './support/env.js';

/** Counts statements reaching the real database. */
class Counting implements SqlDatabase {
  statements = 0;
  constructor(private readonly inner: SqlDatabase) {}
  get backend() {
    return this.inner.backend;
  }
  get maxConnections() {
    return this.inner.maxConnections;
  }
  query<R extends SqlRow = SqlRow>(text: string, params?: readonly unknown[]) {
    this.statements += 1;
    return this.inner.query<R>(text, params);
  }
  transaction<T>(fn: (tx: Queryable) => Promise<T>, options?: TransactionOptions) {
    this.statements += 1;
    return this.inner.transaction(fn, options);
  }
  execScript(sql: string) {
    return this.inner.execScript(sql);
  }
  close() {
    return this.inner.close();
  }
}

const REJECTED: [string, RegExp][] = [
  ['SELECT 1; SELECT 2', /exactly one statement, found 2/],
  ['SELECT count(*) FROM orders; DELETE FROM orders', /exactly one statement, found 2/],
  ['', /exactly one statement, found 0/],
  ['-- only a comment', /exactly one statement, found 0/],
  ['DELETE FROM orders', /found DELETE/],
  ["UPDATE orders SET status = 'paid'", /found UPDATE/],
  ["INSERT INTO regions VALUES (99, 'ZZ', 'x')", /found INSERT/],
  ['DROP TABLE orders', /found DROP/],
  ['TRUNCATE orders', /found TRUNCATE/],
  ['CREATE TABLE x AS SELECT * FROM orders', /found CREATETABLEAS/],
  ['ALTER TABLE orders ADD COLUMN x int', /found ALTERTABLE/],
  ["COPY orders TO '/tmp/x'", /found COPY/],
  ['SET statement_timeout = 0', /found VARIABLESET/],
  ['EXPLAIN ANALYZE DELETE FROM orders', /found EXPLAIN/],
  ['SELECT * INTO new_orders FROM orders', /SELECT INTO creates a table/],
  ['SELECT * FROM orders FOR UPDATE', /row locking/],
  ['WITH gone AS (DELETE FROM orders RETURNING *) SELECT count(*) FROM gone', /data-modifying DELETE/],
  ['SELECT * FROM (WITH x AS (UPDATE orders SET status = status RETURNING 1) SELECT * FROM x) s', /data-modifying UPDATE/],
  ['SELEC * FROM orders', /syntax error/],
];

describe('statement guard', () => {
  beforeAll(() => ensureSqlParser());

  it.each(REJECTED)('rejects %j', (sql, reason) => {
    const result = checkReadOnlyQuery(sql);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toMatch(reason);
  });

  it('accepts one SELECT or WITH … SELECT, with comments and a trailing semicolon', () => {
    for (const sql of [
      'SELECT 1',
      'select count(*) from orders;',
      '-- leading comment\nSELECT o.id FROM orders o /* inline; with semicolon */ WHERE o.id = 1;',
      "WITH t AS (SELECT * FROM orders WHERE status = 'paid') SELECT count(*) FROM t",
      'SELECT id FROM orders UNION ALL SELECT id FROM customers ORDER BY 1 LIMIT 5',
      "SELECT ';' AS semicolon_in_string",
    ]) {
      expect(checkReadOnlyQuery(sql).ok, sql).toBe(true);
    }
  });

  it('lists the tables a query reads, without its CTE names', () => {
    const result = checkReadOnlyQuery(
      'WITH recent AS (SELECT * FROM orders) SELECT * FROM recent r JOIN public.customers c ON c.id = r.customer_id JOIN hr.employees e ON true',
    );
    const tables = result.ok ? result.tables.map((t) => `${t.schema ?? ''}.${t.name}`).sort() : [];
    expect(tables).toEqual(['.orders', 'hr.employees', 'public.customers']);
    expect(result.ok && result.statement.endsWith(';')).toBe(false);
  });
});

describe('checks against the real database', () => {
  let scratch: ScratchDatabase;
  let db: PostgresDatabase;
  let counting: Counting;

  beforeAll(async () => {
    await ensureSqlParser();
    scratch = await createSampleDatabaseOnServer();
    db = await PostgresDatabase.connect(scratch.url, { sessionReadOnly: true });
    counting = new Counting(db);
  });
  afterAll(async () => {
    await db?.close();
    await scratch?.drop();
  });

  it('rejected statements never reach the database and change nothing', async () => {
    const [before] = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM orders');
    for (const [sql] of REJECTED) {
      const outcome = await checkSql(counting, sql, 5000);
      expect(outcome.ok, sql).toBe(false);
    }
    expect(counting.statements).toBe(0);
    const [after] = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM orders');
    expect(after?.n).toBe(before?.n);
  });

  it('EXPLAINs a valid query and reports PostgreSQL errors for invalid ones', async () => {
    expect(await checkSql(db, 'SELECT count(*) FROM orders', 5000)).toEqual({ ok: true, statement: 'SELECT count(*) FROM orders' });
    const missing = await checkSql(db, 'SELECT ordr_number FROM orders', 5000);
    expect(missing).toMatchObject({ ok: false, repairable: true });
    expect(!missing.ok && missing.error).toMatch(/column "ordr_number" does not exist/);
    const dml = await checkSql(db, 'DELETE FROM orders', 5000);
    expect(dml).toMatchObject({ ok: false, repairable: false });
  });

  it('reads "nothing matched" from no row, or from the lone row of an aggregate holding only 0 or NULL', async () => {
    const empty = async (sql: string) => {
      const inspection = await inspectQuery(db, sql, [], 5000);
      return inspection.kind === 'checked' && inspection.empty;
    };
    expect(await empty("SELECT count(*) AS n FROM orders WHERE ordered_at >= '2100-01-01'")).toBe(true);
    expect(await empty('SELECT sum(total_amount) AS s, count(*) AS n FROM orders WHERE false')).toBe(true);
    expect(await empty('SELECT status, count(*) FROM orders WHERE false GROUP BY status')).toBe(true);
    expect(await empty('SELECT count(*) AS n FROM orders')).toBe(false);
    // Not an aggregate: a 0 is an answer, not an empty filter.
    expect(await empty('SELECT 0 AS zero')).toBe(false);
  });

  it('runs execute checks read-only, rolled back, under the statement timeout', async () => {
    expect(await returnsRows(db, 'SELECT * FROM orders', 5000)).toBe(true);
    expect(await returnsRows(db, 'SELECT * FROM orders WHERE false', 5000)).toBe(false);
    await expect(returnsRows(db, 'SELECT pg_sleep(3)', 200)).rejects.toThrow(/statement timeout/);
    await expect(returnsRows(db, "SELECT nextval('orders_id_seq')", 5000)).rejects.toThrow(/read-only transaction/);
  });
});

describe('identifiers as written in DDL', () => {
  beforeAll(async () => {
    await ensureSqlParser();
  });

  it('quotes keywords, mixed case and odd characters only; names with digits are never keywords', () => {
    expect(displayIdent('orders')).toBe('orders');
    expect(displayIdent('order')).toBe('"order"');
    expect(displayIdent('user')).toBe('"user"');
    expect(displayIdent('order_0042')).toBe('order_0042');
    expect(displayIdent('user1')).toBe('user1');
    expect(displayIdent('Orders')).toBe('"Orders"');
    expect(displayIdent('1st_place')).toBe('"1st_place"');
    expect(displayQualified('public', 'select')).toBe('public."select"');
  });
});
