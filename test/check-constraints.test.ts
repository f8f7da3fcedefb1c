/**
 * Declared enumerations: the values a CHECK constraint restricts one column to, read from the
 * definitions PostgreSQL prints (`pg_get_constraintdef`), on real server output and by hand.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresDatabase } from '../src/db/postgres-database.js';
import { ensureSqlParser } from '../src/sql/pg-parser.js';
import { declaredValues } from '../src/source/check-constraints.js';
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
    ['CHECK ("Kind" IN (\'x\', \'y\'))', { column: 'Kind', values: ['x', 'y'] }],
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
  ])('ignores %s', (_what, definition) => {
    expect(declaredValues(definition)).toBeUndefined();
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
      ALTER TABLE t ADD CONSTRAINT later CHECK (status <> 'closed') NOT VALID;`);
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
});
