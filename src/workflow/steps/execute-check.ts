/**
 * sql_validation's execute check: an EXPLAIN-valid query is also run (READ ONLY, rolled back, one
 * row at most, under the statement timeout), and its literals are compared with the enumerations
 * of the columns they are compared to. Empty results and literals an enumeration does not contain
 * flag the pair; a query that fails when run is invalid after all; a timeout only says the check
 * could not finish (a slow query on a large table is not wrong).
 */
import type { SqlDatabase } from '../../db/sql-database.js';
import { errorMessage } from '../../errors.js';
import type { TableInfo } from '../../source/catalog.js';
import { sqlShape } from '../../sql/sql-shape.js';
import { describeEnumLiteralIssue, enumLiteralIssues, type EnumLiteralIssue, type Enumeration, type KnownTable } from '../../sql/enum-literals.js';

export type Flag = 'empty_result' | 'enum_literal';

export type Inspection =
  | { kind: 'checked'; empty: boolean; enumLiterals: EnumLiteralIssue[] }
  | { kind: 'timed_out'; enumLiterals: EnumLiteralIssue[]; error: string }
  | { kind: 'failed'; error: string };

/**
 * Runs a checked query in a READ ONLY, rolled-back transaction and fetches its first row through a
 * cursor: the query itself runs, as written (a wrapping `SELECT 1 FROM (…)` would let the planner
 * skip its output columns, and with them a division by zero), and at most one row comes back.
 */
export async function returnsRows(db: SqlDatabase, statement: string, statementTimeoutMs: number): Promise<boolean> {
  return (await firstRows(db, statement, statementTimeoutMs, 1)).length > 0;
}

/** The query's first `count` rows, the same way. */
async function firstRows(db: SqlDatabase, statement: string, statementTimeoutMs: number, count: number): Promise<Record<string, unknown>[]> {
  return db.transaction(
    async (tx) => {
      await tx.query(`DECLARE dp_execute_check NO SCROLL CURSOR FOR ${statement}`);
      return tx.query(`FETCH ${count} FROM dp_execute_check`);
    },
    { readOnly: true, statementTimeoutMs, rollback: true },
  );
}

/**
 * Whether a result says "nothing matched": no row, or the single row of an aggregate without
 * GROUP BY holding only 0 or NULL (a count of 0, a sum of nothing), which is how an aggregate's
 * filter that matches nothing shows.
 */
function nothingMatched(rows: readonly Record<string, unknown>[], statement: string): boolean {
  if (rows.length === 0) return true;
  if (rows.length > 1) return false;
  const shape = sqlShape(statement);
  if (!shape?.aggregate || shape.groupBy || shape.window) return false;
  return Object.values(rows[0] ?? {}).every((value) => value === null || Number(value) === 0);
}

/** PostgreSQL's query_canceled: the statement timeout ended it. */
const isTimeout = (error: unknown) => typeof error === 'object' && error !== null && (error as { code?: unknown }).code === '57014';

/**
 * The tables a query's literals are judged against: each documented table's columns, with the
 * enumeration of a column from its enum type, else its CHECK list, else its `_detail.md`.
 */
export function knownTables(tables: readonly TableInfo[], documented: ReadonlyMap<string, Readonly<Record<string, string[]>>>): KnownTable[] {
  return tables.map((table) => {
    const notes = documented.get(`${table.schema}.${table.name}`) ?? {};
    const enumerations = new Map<string, Enumeration>();
    for (const column of table.columns) {
      const noted = notes[column.name];
      if (column.enumLabels?.length) enumerations.set(column.name, { values: column.enumLabels, source: 'enum type' });
      else if (column.allowedValues?.length) enumerations.set(column.name, { values: column.allowedValues, source: 'CHECK constraint' });
      else if (noted?.length) enumerations.set(column.name, { values: noted, source: 'documented' });
    }
    return { schema: table.schema, name: table.name, columns: new Set(table.columns.map((c) => c.name)), enumerations };
  });
}

/** Runs the query and reads its literals. */
export async function inspectQuery(db: SqlDatabase, statement: string, tables: readonly KnownTable[], statementTimeoutMs: number): Promise<Inspection> {
  const enumLiterals = enumLiteralIssues(statement, tables);
  try {
    const empty = nothingMatched(await firstRows(db, statement, statementTimeoutMs, 2), statement);
    return { kind: 'checked', empty, enumLiterals };
  } catch (error) {
    if (isTimeout(error)) return { kind: 'timed_out', enumLiterals, error: errorMessage(error) };
    return { kind: 'failed', error: `execution failed: ${errorMessage(error)}` };
  }
}

/** The flags an inspection raises. */
export function flagsOf(inspection: Inspection): Flag[] {
  if (inspection.kind === 'failed') return [];
  const flags: Flag[] = [];
  if (inspection.kind === 'checked' && inspection.empty) flags.push('empty_result');
  if (inspection.enumLiterals.length) flags.push('enum_literal');
  return flags;
}

/** How many problems an inspection found: a repair is kept only when it leaves fewer. */
export function problemCount(inspection: Inspection): number {
  if (inspection.kind === 'failed') return Number.POSITIVE_INFINITY;
  return (inspection.kind === 'checked' && inspection.empty ? 1 : 0) + inspection.enumLiterals.length;
}

/** What is wrong with a flagged query, in words for the report and for the repair prompt; null when nothing is. */
export function flagExplanation(inspection: Inspection): string | null {
  if (inspection.kind === 'failed') return inspection.error;
  const parts = inspection.enumLiterals.map(describeEnumLiteralIssue);
  if (inspection.kind === 'checked' && inspection.empty) {
    parts.push(
      'the query runs but returns no rows (or an aggregate of only 0 or NULL): a filter likely uses a value, a range or a join the data does not have',
    );
  }
  return parts.length ? parts.join('; ') : null;
}
