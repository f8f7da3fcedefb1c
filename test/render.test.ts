/** File names and file formats of ddl_generation, on awkward names. */
import { beforeAll, describe, expect, it } from 'vitest';
import type { TableInfo } from '../src/source/catalog.js';
import { ensureSqlParser, parseStatements } from '../src/sql/pg-parser.js';
import { column } from './support/catalog-fixtures.js';
import { parseMarkdown, renderDdl, renderMarkdown, shortName, tableFileBases } from '../src/workflow/render/table-files.js';

const awkward: TableInfo = {
  schema: 'Sales Data',
  name: 'Order "Lines"',
  kind: 'table',
  comment: null,
  rowEstimate: 10,
  sizeBytes: 8192,
  columns: [
    column('id', { type: 'integer', typeName: 'int4', category: 'N', notNull: true, isPrimaryKey: true, defaultExpr: "nextval('x_seq'::regclass)" }),
    column('order', { comment: 'reserved word -- with dashes' }),
    column('CamelCase', { type: 'numeric(10,2)', typeName: 'numeric', category: 'N', defaultExpr: '0' }),
    column('note', { comment: 'two\nlines; and a semicolon' }),
    column('made', { type: 'timestamptz', typeName: 'timestamptz', category: 'D', identity: '', defaultExpr: 'now()' }),
    column('code', { type: 'integer', typeName: 'int4', category: 'N', identity: 'a', notNull: true }),
  ],
  primaryKey: ['id'],
  uniqueKeys: [['order', 'CamelCase']],
  foreignKeys: [],
  checks: [{ name: 'positive', definition: 'CHECK ("CamelCase" >= 0::numeric)' }],
  viewDefinition: null,
};

describe('table file names', () => {
  it('are schema__table outside public, plain inside, and never collide', () => {
    const bases = tableFileBases([
      { schema: 'public', name: 'orders' },
      { schema: 'hr', name: 'employees' },
      { schema: 'public', name: 'hr__employees' },
      { schema: 'public', name: 'Orders' },
      { schema: 'public', name: 'a/b' },
      { schema: 'public', name: 'a_b' },
    ]);
    expect(bases.get('hr.employees')).toMatch(/^hr__employees__[0-9a-f]{6}$/);
    expect(bases.get('public.hr__employees')).toMatch(/^hr__employees__[0-9a-f]{6}$/);
    expect(bases.get('public.orders')).toMatch(/^orders__[0-9a-f]{6}$/);
    expect(bases.get('public.Orders')).toMatch(/^Orders__[0-9a-f]{6}$/);
    expect(bases.get('public.a_b')).toMatch(/^a_b__[0-9a-f]{6}$/);
    expect(bases.get('public.a/b')).toMatch(/^a_b__[0-9a-f]{6}$/);
    const all = [...bases.values()].map((b) => b.toLowerCase());
    expect(new Set(all).size).toBe(all.length);
    // A name that had to be changed always carries its hash, so it cannot shadow a real name.
    expect(tableFileBases([{ schema: 'public', name: 'a/b' }]).get('public.a/b')).toBe(bases.get('public.a/b'));
    expect(tableFileBases([{ schema: 'public', name: 'a_b' }]).get('public.a_b')).toBe('a_b');
    expect(tableFileBases([{ schema: 'hr', name: 'employees' }]).get('hr.employees')).toBe('hr__employees');
  });

  it('short names take the first clause of a comment', () => {
    expect(shortName('Customer orders, one row per order', 'orders')).toBe('Customer orders');
    expect(shortName('订单表，记录订单信息', 'orders')).toBe('订单表');
    expect(shortName('x'.repeat(80), 'orders')).toBe('orders');
  });
});

describe('.ddl and _detail.md of awkward names', () => {
  beforeAll(() => ensureSqlParser());

  const comments = {
    table: 'Lines of orders\nwith a newline',
    columns: Object.fromEntries(awkward.columns.map((c) => [c.name, c.comment ?? `${c.name} comment`])),
    enums: { order: ['a', 'b'] },
  };

  it('quotes what needs quotes and still parses: its schema created unless it exists, then the table', () => {
    const ddl = renderDdl(awkward, comments, 'en');
    expect(ddl.split('\n').slice(0, 2)).toEqual(['-- Name: Lines of orders', '-- Description: Lines of orders with a newline']);
    expect(ddl).toContain('create table "Sales Data"."Order ""Lines""" (');
    expect(ddl).toMatch(/^ {2}id serial,/m);
    expect(ddl).toMatch(/^ {2}"order" text, +-- reserved word -- with dashes$/m);
    expect(ddl).toMatch(/^ {2}"CamelCase" numeric\(10,2\) default 0,/m);
    expect(ddl).toMatch(/^ {2}note text, +-- two lines; and a semicolon$/m);
    expect(ddl).toMatch(/code integer generated always as identity not null/);
    expect(ddl).toContain('create schema if not exists "Sales Data";');
    const statements = parseStatements(ddl);
    expect(statements.map((s) => s.kind)).toEqual(['CreateSchemaStmt', 'CreateStmt']);
  });

  it('writes Markdown whose comments and enumerations read back by column name', () => {
    const md = renderMarkdown(awkward, comments, [{ id: '1', order: 'a', CamelCase: '1.50', note: null, made: null, code: '7' }], 'zh');
    expect(md.split('\n')[0]).toBe('## "Sales Data"."Order ""Lines"""（Lines of orders）');
    const parsed = parseMarkdown(md);
    expect(parsed.columnComments).toMatchObject({ order: 'reserved word -- with dashes', CamelCase: 'CamelCase comment', note: 'two lines; and a semicolon' });
    expect(parsed.enumValues).toEqual({ order: ['a', 'b'] });
    expect(parsed.tableComment).toBe('Lines of orders with a newline');
  });
});
