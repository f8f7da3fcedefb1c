/**
 * Sample rows and enumeration checks, read in read-only transactions: one table per transaction, or
 * (`TableSampler`) many tables sharing one, so a long list does not pay BEGIN and ROLLBACK per table.
 * The columns that look like codes are checked with SELECT DISTINCT in the same transaction as the
 * sample, while the table is warm. Values come back as text so both backends and every type render
 * the same way.
 */
import type { Queryable, SqlDatabase } from '../db/sql-database.js';
import { quoteIdent, quoteQualified } from '../sql/identifiers.js';
import type { TableInfo } from './catalog.js';
import { likelyEnumColumns } from './enum-candidates.js';

export type SampleRow = Record<string, string | null>;

export interface SamplingOptions {
  /** Rows to fetch (the reference's 20). */
  rows: number;
  /** Above this row estimate a table is sampled with TABLESAMPLE instead of read from its start. */
  largeTableRows?: number;
  statementTimeoutMs?: number;
  /** When set, `likelyEnumColumns` are checked in the sample's transaction with this limit. */
  enumMaxValues?: number;
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

/** Sample rows of a table, and the enumeration checks made while reading it. */
export interface TableSample {
  rows: SampleRow[];
  enumChecks: EnumCheck[];
}

async function sampleIn(tx: Queryable, table: TableInfo, options: SamplingOptions): Promise<TableSample> {
  const rows = await sampleRowsIn(tx, table, options);
  const enumChecks = options.enumMaxValues ? await enumChecksIn(tx, table, likelyEnumColumns(table, rows), options.enumMaxValues) : [];
  return { rows, enumChecks };
}

async function sampleRowsIn(tx: Queryable, table: TableInfo, options: SamplingOptions): Promise<SampleRow[]> {
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


/** Sample rows of one table (and its enumeration checks when asked). */
export function sampleTable(db: SqlDatabase, table: TableInfo, options: SamplingOptions): Promise<TableSample> {
  return db.transaction((tx) => sampleIn(tx, table, options), {
    readOnly: true,
    statementTimeoutMs: options.statementTimeoutMs,
    rollback: true,
  });
}

export type SampleOutcome = { ok: true; sample: TableSample } | { ok: false; error: unknown };

/**
 * Samples `tables` in order, sharing READ ONLY transactions between them (one BEGIN and one
 * ROLLBACK for many tables). Each outcome is reported as soon as it is known. A table whose
 * statement fails fails alone, as it would in its own transaction: that transaction is rolled back
 * and the tables after it continue in a new one. Never rejects.
 */
export async function sampleTablesInOrder(
  db: SqlDatabase,
  tables: readonly TableInfo[],
  options: SamplingOptions & { signal?: AbortSignal },
  onOutcome: (index: number, outcome: SampleOutcome) => void,
): Promise<void> {
  const { signal } = options;
  let next = 0;
  while (next < tables.length) {
    if (signal?.aborted) {
      for (; next < tables.length; next++) onOutcome(next, { ok: false, error: signal.reason });
      return;
    }
    const first = next;
    try {
      await db.transaction(
        async (tx) => {
          for (; next < tables.length && !signal?.aborted; next++) {
            let sample: TableSample;
            try {
              sample = await sampleIn(tx, tables[next] as TableInfo, options);
            } catch (error) {
              onOutcome(next, { ok: false, error });
              next += 1;
              throw error;
            }
            onOutcome(next, { ok: true, sample });
          }
        },
        { readOnly: true, statementTimeoutMs: options.statementTimeoutMs, rollback: true },
      );
    } catch (error) {
      // Not a table's own statement (no connection, BEGIN failed): charge the next table, so every
      // table still gets exactly one attempt.
      if (next === first) {
        onOutcome(next, { ok: false, error });
        next += 1;
      }
    }
  }
}

/** Plain tables (and materialized views) answer `LIMIT n` at once; views and foreign tables may not. */
function sharesTransactions(table: TableInfo): boolean {
  return table.kind === 'table' || table.kind === 'partitioned_table' || table.kind === 'materialized_view';
}

/**
 * Sample rows for workers that take tables in list order (as `mapConcurrent` hands them out): the
 * first request for a batch of `batchSize` tables samples the batch's tables in shared transactions,
 * and `lookahead` further batches are started meanwhile, so samples are ready before workers ask.
 * A worker waits for the tables before its own in the batch, never for the whole batch. Views and
 * foreign tables, whose reads may be slow, are sampled alone when asked for, as `sampleTable` does.
 */
export class TableSampler {
  private readonly outcomes: (Promise<SampleOutcome> | undefined)[];
  private readonly settle: ((outcome: SampleOutcome) => void)[] = [];
  private readonly started = new Set<number>();
  private readonly batchSize: number;
  private readonly lookahead: number;

  constructor(
    private readonly db: SqlDatabase,
    private readonly tables: readonly TableInfo[],
    private readonly options: SamplingOptions & { signal?: AbortSignal; batchSize?: number; lookahead?: number },
  ) {
    this.batchSize = Math.max(1, Math.floor(options.batchSize ?? 16));
    this.lookahead = Math.max(0, Math.floor(options.lookahead ?? 1));
    this.outcomes = tables.map((_, index) => new Promise<SampleOutcome>((resolve) => (this.settle[index] = resolve)));
  }

  /** The sample of `tables[index]` (each index is taken once); rejects with that table's error. */
  async take(index: number): Promise<TableSample> {
    const table = this.tables[index];
    const pending = this.outcomes[index];
    if (!table || !pending) throw new Error(`no samples for table #${index}: out of range or already taken`);
    // Released once taken: the sampler holds no more than the batches in flight.
    this.outcomes[index] = undefined;
    const batch = Math.floor(index / this.batchSize);
    for (let b = batch; b <= batch + this.lookahead; b++) this.start(b);
    if (!sharesTransactions(table)) return sampleTable(this.db, table, this.options);
    const outcome = await pending;
    if (!outcome.ok) throw outcome.error;
    return outcome.sample;
  }

  private start(batch: number): void {
    const from = batch * this.batchSize;
    if (from >= this.tables.length || this.started.has(batch)) return;
    this.started.add(batch);
    const indexes: number[] = [];
    for (let i = from; i < Math.min(from + this.batchSize, this.tables.length); i++) {
      if (sharesTransactions(this.tables[i] as TableInfo)) indexes.push(i);
    }
    const tables = indexes.map((i) => this.tables[i] as TableInfo);
    void sampleTablesInOrder(this.db, tables, this.options, (i, outcome) => this.settle[indexes[i] as number]?.(outcome));
  }
}

/** Above this row estimate, statistics are consulted before reading a column in full. */
const STATS_WORTHWHILE_ROWS = 10_000;

interface ColumnStats extends Record<string, unknown> {
  column: string;
  n_distinct: number;
}

/**
 * Whether planner statistics rule a column out: estimates are rough, so only a column estimated
 * at more than twice the limit is skipped without reading it.
 */
function clearlyTooMany(stats: ColumnStats | undefined, rowEstimate: number | null, maxValues: number): boolean {
  if (!stats) return false;
  const distinct = stats.n_distinct >= 0 ? stats.n_distinct : -stats.n_distinct * (rowEstimate ?? 0);
  return distinct > 2 * maxValues;
}

/**
 * Checks candidate columns: planner statistics first (`pg_stats.n_distinct`, for large tables
 * only), then, for the columns they do not rule out, one `SELECT DISTINCT … LIMIT max+1` each, all
 * in one statement.
 */
async function enumChecksIn(
  tx: Queryable,
  table: TableInfo,
  columns: readonly string[],
  maxValues: number,
  statsAboveRows = STATS_WORTHWHILE_ROWS,
): Promise<EnumCheck[]> {
  if (columns.length === 0) return [];
  // Reading a small table is cheaper than planning a query on the pg_stats view.
  const large = (table.rowEstimate ?? 0) > statsAboveRows;
  const stats = large
    ? await tx.query<ColumnStats>(
        `SELECT attname AS column, n_distinct::float8 AS n_distinct FROM pg_stats
         WHERE schemaname = $1 AND tablename = $2 AND attname = ANY($3::text[])`,
        [table.schema, table.name, [...columns]],
      )
    : [];
  const byColumn = new Map(stats.map((s) => [s.column, s]));
  const toRead = columns.filter((c) => !clearlyTooMany(byColumn.get(c), table.rowEstimate, maxValues));
  const values = new Map<string, string[]>();
  if (toRead.length > 0) {
    const from = quoteQualified(table.schema, table.name);
    const selects = toRead.map((column, i) => {
      const col = quoteIdent(column);
      return `(SELECT to_json(array_agg(v)) FROM (SELECT DISTINCT ${col}::text AS v FROM ${from} WHERE ${col} IS NOT NULL ORDER BY 1 LIMIT ${maxValues + 1}) d${i}) AS c${i}`;
    });
    const [row] = await tx.query<Record<string, string[] | null>>(`SELECT ${selects.join(', ')}`);
    toRead.forEach((column, i) => values.set(column, row?.[`c${i}`] ?? []));
  }
  return columns.map((column) => {
    const found = values.get(column);
    if (!found) return { column, values: [], accepted: false };
    return { column, values: found.slice(0, maxValues), accepted: found.length > 0 && found.length <= maxValues };
  });
}

/** Checks enumeration candidates (those an LLM proposed) in a read-only transaction of their own. */
export function checkEnumCandidates(
  db: SqlDatabase,
  table: TableInfo,
  columns: readonly string[],
  options: { maxValues: number; statementTimeoutMs?: number; statsAboveRows?: number },
): Promise<EnumCheck[]> {
  if (columns.length === 0) return Promise.resolve([]);
  return db.transaction((tx) => enumChecksIn(tx, table, columns, options.maxValues, options.statsAboveRows), {
    readOnly: true,
    statementTimeoutMs: options.statementTimeoutMs,
    rollback: true,
  });
}
