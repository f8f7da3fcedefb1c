import { describe, expect, it } from 'vitest';
import { parseTableList, parseTableName, tableListTooLong } from '../src/source/table-list.js';

describe('table list parsing (the reference format)', () => {
  it('splits commas, skips blank and comment lines, defaults the schema to public', () => {
    const parsed = parseTableList(['# a comment', '-- another', '', 'orders, customers', '  hr.employees  ', 'stores,'].join('\n'));
    expect(parsed.tables).toEqual([
      { schema: 'public', name: 'orders' },
      { schema: 'public', name: 'customers' },
      { schema: 'hr', name: 'employees' },
      { schema: 'public', name: 'stores' },
    ]);
    expect(parsed.invalid).toEqual([]);
    expect(parsed.originalCount).toBe(4);
  });

  it('drops duplicates keeping the first, treating "t" and "public.t" as the same table', () => {
    const parsed = parseTableList('orders\npublic.orders, customers\norders');
    expect(parsed.tables.map((t) => t.name)).toEqual(['orders', 'customers']);
    expect(parsed.duplicates).toEqual(['public.orders', 'public.orders']);
    expect(parsed.originalCount).toBe(4);
  });

  it('keeps quoted names exactly, including dots, commas and spaces inside quotes', () => {
    const parsed = parseTableList('public."CustomerFeedback", "Order Lines", "a.b"."c,d"');
    expect(parsed.tables).toEqual([
      { schema: 'public', name: 'CustomerFeedback' },
      { schema: 'public', name: 'Order Lines' },
      { schema: 'a.b', name: 'c,d' },
    ]);
  });

  it('reports invalid names with their line instead of failing the list', () => {
    const parsed = parseTableList('orders\ndb.schema.table\n"unclosed\nsome table\ncustomers');
    expect(parsed.tables.map((t) => t.name)).toEqual(['orders', 'customers']);
    expect(parsed.invalid.map((i) => [i.line, i.text])).toEqual([
      [2, 'db.schema.table'],
      [3, '"unclosed'],
      [4, 'some table'],
    ]);
    expect(parsed.invalid[0]?.reason).toMatch(/at most one dot/);
  });

  it('handles CRLF line ends, a UTF-8 BOM and comment lines with leading spaces', () => {
    const parsed = parseTableList('\uFEFForders\r\n   # skipped\r\n  -- skipped\r\ncustomers\r\n');
    expect(parsed.tables.map((t) => t.name)).toEqual(['orders', 'customers']);
  });

  it('an empty or comment-only list has no tables', () => {
    expect(parseTableList('').tables).toEqual([]);
    expect(parseTableList('# only\n-- comments\n\n').tables).toEqual([]);
  });

  it('parses single names and explains bad ones', () => {
    expect(parseTableName('hr.employees')).toEqual({ schema: 'hr', name: 'employees' });
    expect(parseTableName('"We""ird"')).toEqual({ schema: 'public', name: 'We"ird' });
    expect(parseTableName('.orders')).toHaveProperty('error');
    expect(parseTableName('"a"b"')).toHaveProperty('error');
  });

  it('refuses system catalog schemas as PostgreSQL resolves them (unquoted names folded, quoted ones exact)', () => {
    for (const name of [
      'pg_catalog.pg_authid',
      'information_schema.tables',
      'pg_toast.pg_toast_1255',
      'pg_temp_3.t',
      // Unquoted, PostgreSQL folds these to pg_catalog, information_schema and pg_stats.
      'PG_CATALOG.pg_class',
      'INFORMATION_SCHEMA.columns',
      'PG_Stats.daily',
      // Quoted, the name is exact: these are the system schemas themselves.
      '"pg_catalog".pg_class',
      '"information_schema".tables',
      '"pg_temp_3".t',
    ]) {
      expect(parseTableName(name), name).toEqual({ error: expect.stringMatching(/^is in the system schema /) });
    }
    // Quoted names that are not lower-case pg_…: legal schemas of the user's own.
    expect(parseTableName('"PG_Stats".daily')).toEqual({ schema: 'PG_Stats', name: 'daily' });
    expect(parseTableName('"PG_CATALOG".pg_class')).toEqual({ schema: 'PG_CATALOG', name: 'pg_class' });
    expect(parseTableName('"Information_Schema".tables')).toEqual({ schema: 'Information_Schema', name: 'tables' });
    // Names read back from filename_mapping.txt are spelled as the catalog spells them: exact.
    expect(parseTableName('PG_Stats.daily', { catalogSpelling: true })).toEqual({ schema: 'PG_Stats', name: 'daily' });
    expect(parseTableName('pg_catalog.pg_authid', { catalogSpelling: true })).toHaveProperty('error');
    // A table named like a catalog in the user's schema is the user's own.
    expect(parseTableName('pg_authid')).toEqual({ schema: 'public', name: 'pg_authid' });
    expect(parseTableName('app.pg_stats_copy')).toEqual({ schema: 'app', name: 'pg_stats_copy' });
    const parsed = parseTableList('orders\npg_catalog.pg_authid\n');
    expect(parsed.tables.map((t) => t.name)).toEqual(['orders']);
    expect(parsed.invalid).toEqual([{ line: 2, text: 'pg_catalog.pg_authid', reason: 'is in the system schema pg_catalog: list tables of your own schemas' }]);
  });

  it('one limit on the names a list holds, duplicates and invalid entries included', () => {
    expect(tableListTooLong(parseTableList('a\nb\nc'), 3)).toBeUndefined();
    expect(tableListTooLong(parseTableList('a\nb\na\nbad name'), 3)).toBe('names 4 tables; at most 3 are accepted (DP_MAX_TABLES)');
  });
});
