/** Literals compared with an enumerated column, read from PostgreSQL's parse tree: which column each one meets, and when nothing can be told for sure. */
import { beforeAll, describe, expect, it } from 'vitest';
import { enumLiteralIssues, type KnownTable } from '../src/sql/enum-literals.js';
import { ensureSqlParser } from '../src/sql/pg-parser.js';

const TABLES: KnownTable[] = [
  {
    schema: 'public',
    name: 'orders',
    columns: new Set(['id', 'customer_id', 'status', 'channel']),
    enumerations: new Map([
      ['status', { values: ['paid', 'shipped'], source: 'enum type' }],
      ['channel', { values: ['web', 'store'], source: 'CHECK constraint' }],
    ]),
  },
  {
    schema: 'public',
    name: 'customers',
    columns: new Set(['id', 'region', 'status']),
    enumerations: new Map([
      ['region', { values: ['north', 'south'], source: 'documented' }],
      ['status', { values: ['active', 'closed'], source: 'documented' }],
    ]),
  },
  { schema: 'hr', name: 'orders', columns: new Set(['id', 'channel']), enumerations: new Map([['channel', { values: ['phone'], source: 'documented' }]]) },
];

const found = (sql: string) => enumLiteralIssues(sql, TABLES).map((i) => `${i.table}.${i.column} ${i.operator} ${i.value}`);

beforeAll(async () => {
  await ensureSqlParser();
});

describe('enumLiteralIssues', () => {
  it('reads =, <>, IN and NOT IN, either side, through casts', () => {
    expect(found("SELECT 1 FROM orders WHERE status = 'Paid' AND 'mobile' = channel AND channel NOT IN ('web', 'fax') AND status::text <> 'lost'")).toEqual([
      'public.orders.status = Paid',
      'public.orders.channel = mobile',
      'public.orders.channel NOT IN fax',
      'public.orders.status <> lost',
    ]);
    expect(enumLiteralIssues("SELECT 1 FROM orders WHERE status = 'Paid'", TABLES)[0]).toMatchObject({ suggestion: 'paid', allowed: ['paid', 'shipped'] });
  });

  it('finds nothing wrong with values the enumeration holds, or with other operators and columns', () => {
    expect(found("SELECT 1 FROM orders WHERE status IN ('paid', 'shipped') AND channel = 'web' AND channel LIKE 'w%' AND id = 7")).toEqual([]);
  });

  it('resolves aliases and schema-qualified names to the right table, inner scopes first', () => {
    expect(found("SELECT 1 FROM orders o JOIN customers c ON c.id = o.customer_id WHERE c.status = 'paid' AND o.status = 'active'")).toEqual([
      'public.customers.status = paid',
      'public.orders.status = active',
    ]);
    expect(found("SELECT 1 FROM hr.orders WHERE channel = 'web'")).toEqual(['hr.orders.channel = web']);
    expect(found("SELECT 1 FROM customers c WHERE EXISTS (SELECT 1 FROM orders WHERE channel = 'north' AND c.region = 'east')")).toEqual([
      'public.orders.channel = north',
      'public.customers.region = east',
    ]);
  });

  it('reads both branches of a UNION', () => {
    expect(found("SELECT id FROM orders WHERE channel = 'fax' UNION SELECT id FROM customers WHERE region = 'west'")).toEqual([
      'public.orders.channel = fax',
      'public.customers.region = west',
    ]);
  });

  it('judges no column it cannot place for sure: ambiguous names, CTEs, derived tables, unknown tables', () => {
    expect(found("SELECT 1 FROM orders o JOIN customers c ON c.id = o.customer_id WHERE status = 'x'")).toEqual([]);
    expect(found("WITH orders AS (SELECT 'fax' AS channel) SELECT 1 FROM orders WHERE channel = 'fax'")).toEqual([]);
    expect(found("SELECT 1 FROM orders, (SELECT 'x' AS region) d WHERE region = 'west'")).toEqual([]);
    expect(found("SELECT 1 FROM shipments s WHERE s.channel = 'fax'")).toEqual([]);
    expect(found('SELECT FROM WHERE')).toEqual([]);
  });
});
