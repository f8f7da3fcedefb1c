/**
 * Declared enumerations: the values a CHECK constraint restricts one column to, read from the
 * definitions PostgreSQL prints (`pg_get_constraintdef`), on real server output and by hand.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresDatabase } from '../src/db/postgres-database.js';
import { ensureSqlParser } from '../src/sql/pg-parser.js';
import type { LlmProvider } from '../src/llm/llm-provider.js';
import { readCatalog, type TableInfo } from '../src/source/catalog.js';
import { declaredValues } from '../src/source/check-constraints.js';
import { likelyEnumColumns } from '../src/source/enum-candidates.js';
import { parseTableList } from '../src/source/table-list.js';
import { documentTable } from '../src/workflow/document-table.js';
import { createScratchDatabase, type ScratchDatabase } from './support/env.js';

beforeAll(() => ensureSqlParser());

describe('declaredValues', () => {
  it.each([
    [
      "CHECK (status::text = ANY (ARRAY['open'::character varying, 'pending'::character varying, 'closed'::character varying]::text[]))",
      { column: 'status', values: ['open', 'pending', 'closed'] },
    ],
    ["CHECK (kind = ANY (ARRAY['a'::text, 'it''s'::text]))", { column: 'kind', values: ['a', "it's"] }],
    ["CHECK (kind = 'a'::text OR kind = 'b'::text OR kind = 'c'::text)", { column: 'kind', values: ['a', 'b', 'c'] }],
    ["CHECK (\"Kind\" IN ('x', 'y'))", { column: 'Kind', values: ['x', 'y'] }],
    ['CHECK (level = ANY (ARRAY[0, 1, 2]))', { column: 'level', values: ['0', '1', '2'] }],
    ["CHECK (tier IS NULL OR tier = ANY (ARRAY['gold'::text, 'silver'::text]))", { column: 'tier', values: ['gold', 'silver'] }],
    ["CHECK (kind = ANY (ARRAY['a'::text, NULL::text, 'a'::text]))", { column: 'kind', values: ['a'] }],
  ])('reads %s', (definition, expected) => {
    expect(declaredValues(definition)).toEqual(expected);
  });

  it.each([
    ['a range', 'CHECK (quantity >= 0)'],
    ['an inequality', "CHECK (status <> 'x'::text)"],
    ['two columns', "CHECK (a = 'x'::text OR b = 'y'::text)"],
    ['a conjunction', "CHECK (a = 'x'::text AND a = 'y'::text)"],
    ['a comparison with another column', 'CHECK (a = b)'],
    ['a function of the column', "CHECK (lower(a) = ANY (ARRAY['x'::text]))"],
    ['a constraint not validated (existing rows may break it)', "CHECK (kind = ANY (ARRAY['a'::text, 'b'::text])) NOT VALID"],
    ['text that does not parse', "CHECK (kind = ANY (ARRAY['a'"],
    ['a NOT NULL constraint', 'NOT NULL kind'],
    ['another column allowed to be NULL (then the listed one may hold anything)', "CHECK (f IS NULL OR e = ANY (ARRAY['u'::text, 'v'::text]))"],
    ['a cast that maps the column to other values', 'CHECK (price::integer = ANY (ARRAY[1, 2]))'],
  ])('ignores %s', (_what, definition) => {
    expect(declaredValues(definition)).toBeUndefined();
  });

  it('reads through the casts PostgreSQL adds to string columns', () => {
    expect(declaredValues("CHECK (code::bpchar = ANY (ARRAY['A'::bpchar, 'B'::bpchar]))")).toEqual({ column: 'code', values: ['A', 'B'] });
  });
});

describe('declaredValues on definitions printed by the PostgreSQL server', () => {
  let scratch: ScratchDatabase;
  let db: PostgresDatabase;

  beforeAll(async () => {
    scratch = await createScratchDatabase('dp_checks');
    db = await PostgresDatabase.connect(scratch.url);
    await db.execScript(`
      CREATE TABLE t (
        status varchar(10) CHECK (status IN ('open', 'pending', 'closed')),
        "Grade" text CHECK ("Grade" = 'A' OR "Grade" = 'B'),
        priority smallint CHECK (priority IN (1, 2, 3)),
        amount numeric CHECK (amount >= 0)
      );
      ALTER TABLE t ADD CONSTRAINT later CHECK (status IN ('open', 'pending')) NOT VALID;
      CREATE TABLE two_lists (
        tier text CHECK (tier IN ('bronze', 'silver', 'gold')),
        CONSTRAINT no_gold CHECK (tier IN ('silver', 'bronze', 'platinum')),
        size text CHECK (size IN ('s', 'm', 'l')),
        many text CHECK (many IN ('a', 'b', 'c', 'd')),
        sometimes text,
        other text,
        CHECK (other IS NULL OR sometimes IN ('x', 'y'))
      );
      INSERT INTO two_lists VALUES ('bronze', 's', 'a', 'x', NULL), ('bronze', 's', 'a', 'x', 'o');
      CREATE DOMAIN grade_code AS varchar(2) CHECK (VALUE IN ('A', 'B', 'C'));
      CREATE DOMAIN positive AS int CHECK (VALUE > 0);
      CREATE TABLE with_domains (grade grade_code, narrower grade_code CHECK (narrower IN ('B', 'A', 'D')), n positive, "value" text CHECK ("value" IN ('v')));`);
  });
  afterAll(async () => {
    await db?.close();
    await scratch?.drop();
  });

  it('reads each list in declared order and ignores the other constraints', async () => {
    const rows = await db.query<{ definition: string }>(
      `SELECT pg_get_constraintdef(oid, true) AS definition FROM pg_constraint WHERE conrelid = 't'::regclass ORDER BY conname`,
    );
    const found = rows.map((r) => declaredValues(r.definition)).filter(Boolean);
    expect(found).toEqual([
      { column: 'Grade', values: ['A', 'B'] },
      { column: 'priority', values: ['1', '2', '3'] },
      { column: 'status', values: ['open', 'pending', 'closed'] },
    ]);
  });

  it("keeps only what every list on a column allows, and never another column's list", async () => {
    const [table] = (await readCatalog(db, parseTableList('two_lists').tables)).tables as [TableInfo];
    const allowed = Object.fromEntries(table.columns.map((c) => [c.name, c.allowedValues]));
    // tier: both lists allow bronze and silver, in the order of the first constraint by name (no_gold).
    expect(allowed).toEqual({ tier: ['silver', 'bronze'], size: ['s', 'm', 'l'], many: ['a', 'b', 'c', 'd'], sometimes: null, other: null });
  });

  it("reads the list of a column's domain (CHECK (VALUE IN …)), and keeps what the table allows of it", async () => {
    const [table] = (await readCatalog(db, parseTableList('with_domains').tables)).tables as [TableInfo];
    const allowed = Object.fromEntries(table.columns.map((c) => [c.name, c.allowedValues]));
    // narrower: what both its own list and its domain's allow, in its own list's order.
    expect(allowed).toEqual({ grade: ['A', 'B', 'C'], narrower: ['B', 'A'], n: null, value: ['v'] });
  });

  it('documents a declared list as an enumeration up to DP_ENUM_MAX_VALUES, and never reads such a column', async () => {
    const [table] = (await readCatalog(db, parseTableList('two_lists').tables)).tables as [TableInfo];
    expect(likelyEnumColumns(table, [])).toEqual([]);
    // The provider guesses that every column is an enumeration. A SELECT DISTINCT over `many` would
    // find one value and accept it; its declared list (4 values) is over the limit of 3, so it is
    // neither documented nor read. `sometimes` has no list of its own: it is read.
    const llm: Pick<LlmProvider, 'commentTable'> = {
      commentTable: async () => ({ tableComment: null, columnComments: {}, enumColumns: ['tier', 'size', 'many', 'sometimes'] }),
    };
    const comments = await documentTable({
      db,
      table,
      sample: { rows: [], enumChecks: [] },
      llm: llm as LlmProvider,
      businessContext: 'a shop',
      language: 'en',
      overwriteComments: false,
      enumMaxValues: 3,
      statementTimeoutMs: 5_000,
    });
    expect(comments.enums).toEqual({ tier: ['silver', 'bronze'], size: ['s', 'm', 'l'], sometimes: ['x'] });
  });
});
