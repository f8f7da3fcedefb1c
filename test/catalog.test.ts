/**
 * Catalog reading of every feature of the sample database, on PGlite and on the real PostgreSQL
 * server, in a constant number of queries.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresDatabase } from '../src/db/postgres-database.js';
import type { Queryable, SqlDatabase, SqlRow, TransactionOptions } from '../src/db/sql-database.js';
import { readCatalog, type CatalogResult, type TableInfo } from '../src/source/catalog.js';
import { SAMPLE_TABLES, SAMPLE_VIEWS } from '../src/source/sample/index.js';
import { checkEnumCandidates, sampleTable, TableSampler } from '../src/source/sampling.js';
import { openSampleDatabase } from '../src/source/source-database.js';
import { parseTableList } from '../src/source/table-list.js';
import { createSampleDatabaseOnServer, createScratchDatabase, TEST_CACHE_DIR, type ScratchDatabase } from './support/env.js';

/** Counts the statements a real database runs for us (instrumentation, not a stand-in). */
class CountingDatabase implements SqlDatabase {
  queries = 0;
  constructor(private readonly inner: SqlDatabase) {}
  get backend() {
    return this.inner.backend;
  }
  get maxConnections() {
    return this.inner.maxConnections;
  }
  query<R extends SqlRow = SqlRow>(text: string, params?: readonly unknown[]): Promise<R[]> {
    this.queries += 1;
    return this.inner.query<R>(text, params);
  }
  transaction<T>(fn: (tx: Queryable) => Promise<T>, options?: TransactionOptions): Promise<T> {
    return this.inner.transaction(
      (tx) =>
        fn({
          query: <R extends SqlRow = SqlRow>(text: string, params?: readonly unknown[]) => {
            this.queries += 1;
            return tx.query<R>(text, params);
          },
        }),
      options,
    );
  }
  execScript(sql: string): Promise<void> {
    return this.inner.execScript(sql);
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

/** The same real database on a server that cannot export snapshots (some standbys and compatible engines). */
class WithoutSnapshotExport extends CountingDatabase {
  exportsTried = 0;
  override transaction<T>(fn: (tx: Queryable) => Promise<T>, options?: TransactionOptions): Promise<T> {
    return super.transaction(
      (tx) =>
        fn({
          query: <R extends SqlRow = SqlRow>(text: string, params?: readonly unknown[]) => {
            if (!text.includes('pg_export_snapshot()')) return tx.query<R>(text, params);
            this.exportsTried += 1;
            // The server's own error for a function it does not have.
            return tx.query<R>(text.replace('pg_export_snapshot()', 'pg_export_snapshot_unsupported()'), params);
          },
        }),
      options,
    );
  }
}

const LIST = [...SAMPLE_TABLES, ...SAMPLE_VIEWS, 'public.no_such_table'].join('\n');

function table(result: CatalogResult, name: string): TableInfo {
  const found = result.tables.find((t) => `${t.schema}.${t.name}` === name);
  if (!found) throw new Error(`${name} not in catalog`);
  return found;
}

function column(t: TableInfo, name: string) {
  const found = t.columns.find((c) => c.name === name);
  if (!found) throw new Error(`${t.name}.${name} not found`);
  return found;
}

const backends: [string, () => Promise<{ db: SqlDatabase; cleanup: () => Promise<void> }>][] = [
  [
    'PGlite (bundled sample)',
    async () => {
      const db = await openSampleDatabase(TEST_CACHE_DIR);
      return { db, cleanup: () => db.close() };
    },
  ],
  [
    'PostgreSQL server',
    async () => {
      const scratch: ScratchDatabase = await createSampleDatabaseOnServer();
      const db = await PostgresDatabase.connect(scratch.url, { sessionReadOnly: true });
      return {
        db,
        cleanup: async () => {
          await db.close();
          await scratch.drop();
        },
      };
    },
  ],
];

describe.each(backends)('catalog on %s', (_name, open) => {
  let db: CountingDatabase;
  let cleanup: () => Promise<void>;
  let catalog: CatalogResult;

  beforeAll(async () => {
    const opened = await open();
    db = new CountingDatabase(opened.db);
    cleanup = opened.cleanup;
    catalog = await readCatalog(db, parseTableList(LIST).tables);
  });
  afterAll(async () => cleanup?.());

  it('finds every table and view in list order and reports the missing one', () => {
    expect(catalog.tables.map((t) => `${t.schema}.${t.name}`)).toEqual([...SAMPLE_TABLES, ...SAMPLE_VIEWS]);
    expect(catalog.missing).toEqual([{ table: 'public.no_such_table', reason: 'no such table, view or materialized view' }]);
  });

  it('reads the whole list in a constant number of queries', async () => {
    const before = db.queries;
    await readCatalog(db, parseTableList('public.regions').tables);
    const small = db.queries - before;
    const before2 = db.queries;
    await readCatalog(db, parseTableList(LIST).tables);
    const large = db.queries - before2;
    // Relations, columns, constraints, user-defined types; on a PostgreSQL pool of three or more,
    // also the export of the snapshot the columns and constraints are read in.
    expect(small).toBe(db.backend === 'postgres' ? 5 : 4);
    expect(large).toBe(small);
  });

  it('reads the values a CHECK constraint lists as a declared enumeration, in declared order', () => {
    const customers = table(catalog, 'public.customers');
    expect(column(customers, 'loyalty_tier').allowedValues).toEqual(['bronze', 'silver', 'gold', 'platinum']);
    // A range is no list; a column without CHECK has none.
    expect(column(table(catalog, 'public.order_items'), 'quantity').allowedValues).toBeNull();
    expect(column(customers, 'email').allowedValues).toBeNull();
  });

  it('reads types, not-null, defaults, keys, comments, enum labels, estimates and sizes', () => {
    const orders = table(catalog, 'public.orders');
    expect(orders.kind).toBe('table');
    expect(orders.comment).toMatch(/order/i);
    expect(orders.primaryKey).toEqual(['id']);
    expect(orders.uniqueKeys).toContainEqual(['order_number']);
    expect(column(orders, 'id').type).toBe('bigint');
    expect(column(orders, 'id').defaultExpr).toMatch(/^nextval\(/);
    expect(column(orders, 'order_number').type).toBe('varchar(20)');
    expect(column(orders, 'ordered_at').type).toBe('timestamptz');
    expect(column(orders, 'total_amount').type).toBe('numeric(12,2)');
    expect(column(orders, 'total_amount').category).toBe('N');
    expect(column(orders, 'shipped_at').notNull).toBe(false);
    expect(column(orders, 'customer_id').notNull).toBe(true);
    const status = column(orders, 'status');
    expect(status.enumLabels).toEqual(['pending', 'paid', 'shipped', 'delivered', 'cancelled', 'refunded']);
    expect(status.category).toBe('E');
    expect(status.defaultExpr).toMatch(/'pending'::(public\.)?order_status/);
    expect(orders.foreignKeys.map((fk) => `${fk.columns.join(',')}->${fk.refSchema}.${fk.refTable}(${fk.refColumns.join(',')})`).sort()).toEqual([
      'customer_id->public.customers(id)',
      'store_id->public.stores(id)',
    ]);
    expect(orders.rowEstimate).toBe(1500);
    expect(orders.sizeBytes).toBeGreaterThan(8192);
  });

  it('reads the composite primary and foreign key of order_items', () => {
    const items = table(catalog, 'public.order_items');
    expect(items.primaryKey).toEqual(['order_id', 'line_no']);
    const composite = items.foreignKeys.find((fk) => fk.columns.length === 2);
    expect(composite).toMatchObject({
      columns: ['store_id', 'product_id'],
      refSchema: 'public',
      refTable: 'inventory',
      refColumns: ['store_id', 'product_id'],
    });
    expect(column(items, 'store_id').foreignKeys).toHaveLength(1);
    expect(items.comment).toBeNull();
    expect(items.checks.map((c) => c.definition).join(' ')).toMatch(/quantity > 0/);
  });

  it('reads jsonb and array columns, and comments present on some columns only', () => {
    const products = table(catalog, 'public.products');
    expect(column(products, 'attributes')).toMatchObject({ type: 'jsonb', typeName: 'jsonb' });
    expect(column(products, 'tags')).toMatchObject({ type: 'text[]', category: 'A' });
    const commented = products.columns.filter((c) => c.comment !== null).length;
    expect(commented).toBeGreaterThan(0);
    expect(commented).toBeLessThan(products.columns.length);
    expect(table(catalog, 'public.product_categories').columns.every((c) => c.comment === null)).toBe(true);
  });

  it('reads the mixed-case quoted table, the second schema and the views', () => {
    const feedback = table(catalog, 'public.CustomerFeedback');
    expect(feedback.primaryKey).toEqual(['feedbackId']);
    expect(column(feedback, 'NPS_Score').type).toBe('smallint');
    const employees = table(catalog, 'hr.employees');
    expect(employees.foreignKeys.map((fk) => `${fk.refSchema}.${fk.refTable}`).sort()).toEqual(['hr.departments', 'hr.employees', 'public.stores']);
    const view = table(catalog, 'public.v_store_daily_sales');
    expect(view.kind).toBe('view');
    expect(view.viewDefinition).toMatch(/SELECT/i);
    expect(view.sizeBytes).toBe(0);
    expect(table(catalog, 'public.mv_product_sales').kind).toBe('materialized_view');
    const customers = table(catalog, 'public.customers');
    expect(column(customers, 'deleted_at').notNull).toBe(false);
    expect(column(customers, 'loyalty_tier').defaultExpr).toMatch(/bronze/);
  });

  it('matches an unquoted name case-insensitively when unambiguous', async () => {
    const result = await readCatalog(db, parseTableList('customerfeedback\nHR.Employees').tables);
    expect(result.tables.map((t) => `${t.schema}.${t.name}`)).toEqual(['public.CustomerFeedback', 'hr.employees']);
  });

  it('samples rows as text and checks enum candidates with DISTINCT', async () => {
    const orders = table(catalog, 'public.orders');
    const { rows, enumChecks } = await sampleTable(db, orders, { rows: 20, enumMaxValues: 20 });
    // Code-like columns are checked in the same transaction as the sample.
    expect(enumChecks).toEqual([{ column: 'channel', values: ['phone', 'store', 'web'], accepted: true }]);
    expect(rows).toHaveLength(20);
    expect(typeof rows[0]?.total_amount).toBe('string');
    const products = table(catalog, 'public.products');
    const { rows: productRows, enumChecks: none } = await sampleTable(db, products, { rows: 5 });
    expect(none).toEqual([]);
    expect(() => JSON.parse(productRows[0]?.attributes ?? '')).not.toThrow();
    const customers = table(catalog, 'public.customers');
    const [tier, email] = await checkEnumCandidates(db, customers, ['loyalty_tier', 'email'], { maxValues: 20 });
    expect(tier).toEqual({ column: 'loyalty_tier', values: ['bronze', 'gold', 'platinum', 'silver'], accepted: true });
    expect(email?.accepted).toBe(false);
    expect(email?.values).toHaveLength(20);
    // On a large table statistics come first: hundreds of values rule a column out unread.
    const [byStats, tierByStats] = await checkEnumCandidates(db, customers, ['email', 'loyalty_tier'], { maxValues: 20, statsAboveRows: 0 });
    expect(byStats).toEqual({ column: 'email', values: [], accepted: false });
    expect(tierByStats?.accepted).toBe(true);
    // Without usable statistics the column is read: more than the limit means not an enumeration.
    const [channel] = await checkEnumCandidates(db, { ...table(catalog, 'public.orders'), schema: 'public' }, ['channel'], { maxValues: 2 });
    expect(channel).toEqual({ column: 'channel', values: ['phone', 'store'], accepted: false });
  });

  it('samples large tables with TABLESAMPLE and still returns the requested rows', async () => {
    const items = table(catalog, 'public.order_items');
    const { rows } = await sampleTable(db, items, { rows: 10, largeTableRows: 1000 });
    expect(rows).toHaveLength(10);
  });
});

describe('TableSampler on the PostgreSQL server', () => {
  let scratch: ScratchDatabase;
  let db: CountingDatabase;
  let tables: TableInfo[];

  beforeAll(async () => {
    scratch = await createScratchDatabase('dp_sampler');
    const setup = await PostgresDatabase.connect(scratch.url);
    try {
      await setup.execScript(`
        CREATE TABLE tickets (id int PRIMARY KEY, status text, is_open boolean, body text);
        INSERT INTO tickets SELECT g, (ARRAY['open', 'closed'])[1 + g % 2], g % 3 = 0, CASE WHEN g = 1 THEN repeat('é', 3000) END
          FROM generate_series(1, 30) g;
        -- Reading a materialized view that was never refreshed fails: a table-like relation that errors.
        CREATE MATERIALIZED VIEW unrefreshed AS SELECT 1 AS n WITH NO DATA;
        CREATE TABLE "Mixed ""Case""" ("Key" int, "kind" text);
        INSERT INTO "Mixed ""Case""" VALUES (1, 'a'), (2, NULL);
        CREATE TABLE no_columns ();`);
    } finally {
      await setup.close();
    }
    db = new CountingDatabase(await PostgresDatabase.connect(scratch.url, { sessionReadOnly: true }));
    tables = (await readCatalog(db, parseTableList('tickets\nunrefreshed\n"Mixed ""Case"""\nno_columns').tables)).tables;
  });
  afterAll(async () => {
    await db?.close();
    await scratch?.drop();
  });

  const sampler = () => new TableSampler(db, tables, { rows: 5, enumMaxValues: 5, batchSize: 10 });

  it('reads a batch with one statement for the rows and one for the code-like columns', async () => {
    const ok = tables.filter((t) => t.name !== 'unrefreshed');
    db.queries = 0;
    const samples = new TableSampler(db, ok, { rows: 5, enumMaxValues: 5, batchSize: 10 });
    const [tickets, mixed, none] = await Promise.all(ok.map((_, i) => samples.take(i)));
    expect(db.queries).toBe(2);
    expect(tickets?.rows).toHaveLength(5);
    // PostgreSQL's text of each value, long values cut, null kept.
    expect(tickets?.rows[0]).toEqual({ id: '1', status: 'closed', is_open: 'false', body: `${'é'.repeat(200)}…` });
    expect(tickets?.rows[1]?.body).toBeNull();
    expect(tickets?.enumChecks).toEqual([{ column: 'status', values: ['closed', 'open'], accepted: true }]);
    expect(mixed?.rows).toEqual([
      { Key: '1', kind: 'a' },
      { Key: '2', kind: null },
    ]);
    expect(mixed?.enumChecks).toEqual([{ column: 'kind', values: ['a'], accepted: true }]);
    expect(none).toEqual({ rows: [], enumChecks: [] });
  });

  it('still samples the other tables of a batch when one fails, and reports that table alone', async () => {
    const samples = sampler();
    const outcomes = await Promise.allSettled(tables.map((_, i) => samples.take(i)));
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
    expect((outcomes[1] as PromiseRejectedResult).reason.message).toMatch(/"unrefreshed" has not been populated/);
    expect((outcomes[0] as PromiseFulfilledResult<{ rows: unknown[] }>).value.rows).toHaveLength(5);
    expect((outcomes[2] as PromiseFulfilledResult<{ rows: unknown[] }>).value.rows).toHaveLength(2);
  });
});

describe('catalog read at once on several connections', () => {
  let scratch: ScratchDatabase;

  beforeAll(async () => {
    scratch = await createSampleDatabaseOnServer();
  });
  afterAll(async () => scratch?.drop());

  it('gives exactly what one connection reads, for a pool of three as for a pool of one', async () => {
    const one = await PostgresDatabase.connect(scratch.url, { maxConnections: 1 });
    const three = await PostgresDatabase.connect(scratch.url, { maxConnections: 3 });
    try {
      const refs = parseTableList(LIST).tables;
      const sequential = await readCatalog(one, refs);
      // Several reads on one pool of three at once: each holds one connection and needs two more.
      const parallel = await Promise.all([readCatalog(three, refs), readCatalog(three, refs), readCatalog(three, refs)]);
      expect(sequential.tables).toHaveLength(SAMPLE_TABLES.length + SAMPLE_VIEWS.length);
      for (const result of parallel) expect(result).toEqual(sequential);
    } finally {
      await one.close();
      await three.close();
    }
  });

  it('reads sequentially where the server cannot share a snapshot, and remembers it for the pool', async () => {
    const one = await PostgresDatabase.connect(scratch.url, { maxConnections: 1 });
    const db = new WithoutSnapshotExport(await PostgresDatabase.connect(scratch.url, { maxConnections: 3 }));
    try {
      const refs = parseTableList(LIST).tables;
      const sequential = await readCatalog(one, refs);
      expect(await readCatalog(db, refs)).toEqual(sequential);
      expect(await readCatalog(db, refs)).toEqual(sequential);
      expect(db.exportsTried).toBe(1);
    } finally {
      await one.close();
      await db.close();
    }
  });
});
