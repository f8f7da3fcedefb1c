/**
 * Sample rows and enumeration checks for one table, read in one read-only transaction.
 * Values come back as text so both backends and every type render the same way.
 */
import type { Queryable, SqlDatabase } from '../db/sql-database.js';
import { quoteIdent, quoteQualified } from '../sql/identifiers.js';
import type { TableInfo } from './catalog.js';

export type SampleRow = Record<string, string | null>;

export interface SamplingOptions {
  /** Rows to fetch (the reference's 20). */
  rows: number;
  /** Above this row estimate a table is sampled with TABLESAMPLE instead of read from its start. */
  largeTableRows?: number;
  statementTimeoutMs?: number;
}

export interface EnumCheck {
  column: string;
  /** Distinct values, sorted; `accepted` is false when there were more than `maxValues`. */
  values: string[];
  accepted: boolean;
}

const DEFAULT_LARGE_TABLE_ROWS = 100_000;

/** Longest text kept per sampled value: a sample is for a reader, not a dump. */
const MAX_VALUE_LENGTH = 200;

function selectList(table: TableInfo): string {
  return table.columns.map((c) => `${quoteIdent(c.name)}::text AS ${quoteIdent(c.name)}`).join(', ');
}

function truncate(row: SampleRow): SampleRow {
  const out: SampleRow = {};
  for (const [key, value] of Object.entries(row)) {
    out[key] = value !== null && value.length > MAX_VALUE_LENGTH ? `${value.slice(0, MAX_VALUE_LENGTH)}…` : value;
  }
  return out;
}

async function sampleIn(tx: Queryable, table: TableInfo, options: SamplingOptions): Promise<SampleRow[]> {
  if (table.columns.length === 0) return [];
  const from = quoteQualified(table.schema, table.name);
  const limit = Math.max(1, Math.floor(options.rows));
  const large = options.largeTableRows ?? DEFAULT_LARGE_TABLE_ROWS;
  const sampleable = table.kind === 'table' || table.kind === 'materialized_view' || table.kind === 'partitioned_table';
  if (sampleable && table.rowEstimate !== null && table.rowEstimate > large) {
    // SYSTEM sampling reads whole pages from all over the table: ~20x the rows we need.
    const percent = Math.min(100, Math.max(0.0001, ((limit * 20) / table.rowEstimate) * 100));
    const sampled = await tx.query<SampleRow>(
      `SELECT ${selectList(table)} FROM ${from} TABLESAMPLE SYSTEM (${percent.toFixed(6)}) REPEATABLE (42) LIMIT ${limit}`,
    );
    if (sampled.length >= limit) return sampled.map(truncate);
  }
  const rows = await tx.query<SampleRow>(`SELECT ${selectList(table)} FROM ${from} LIMIT ${limit}`);
  return rows.map(truncate);
}

async function enumCheckIn(tx: Queryable, table: TableInfo, column: string, maxValues: number): Promise<EnumCheck> {
  const col = quoteIdent(column);
  const rows = await tx.query<{ v: string }>(
    `SELECT DISTINCT ${col}::text AS v FROM ${quoteQualified(table.schema, table.name)} WHERE ${col} IS NOT NULL ORDER BY 1 LIMIT ${maxValues + 1}`,
  );
  const values = rows.map((r) => r.v);
  return { column, values: values.slice(0, maxValues), accepted: values.length <= maxValues && values.length > 0 };
}

/** Sample rows of one table. */
export function sampleTable(db: SqlDatabase, table: TableInfo, options: SamplingOptions): Promise<SampleRow[]> {
  return db.transaction((tx) => sampleIn(tx, table, options), {
    readOnly: true,
    statementTimeoutMs: options.statementTimeoutMs,
    rollback: true,
  });
}

/** Checks each candidate column with one `SELECT DISTINCT … LIMIT max+1`. */
export function checkEnumCandidates(
  db: SqlDatabase,
  table: TableInfo,
  columns: readonly string[],
  options: { maxValues: number; statementTimeoutMs?: number },
): Promise<EnumCheck[]> {
  if (columns.length === 0) return Promise.resolve([]);
  return db.transaction(
    async (tx) => {
      const checks: EnumCheck[] = [];
      for (const column of columns) checks.push(await enumCheckIn(tx, table, column, options.maxValues));
      return checks;
    },
    { readOnly: true, statementTimeoutMs: options.statementTimeoutMs, rollback: true },
  );
}
