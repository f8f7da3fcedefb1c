/**
 * Sample rows and enumeration checks, read in read-only transactions. Many tables are read with
 * one statement (`TableSampler` batches them): a statement per table cost more in protocol round
 * trips and system calls than in reading. Each table's rows come back as one JSON array of text
 * values, so both backends and every type render the same way; the columns that look like codes
 * are then checked with SELECT DISTINCT, again one statement for the whole batch.
 */
import pLimit, { type LimitFunction } from 'p-limit';
import type { Queryable, SqlDatabase } from '../db/sql-database.js';
import { quoteIdent, quoteQualified } from '../sql/identifiers.js';
import type { ColumnInfo, TableInfo } from './catalog.js';
import { likelyEnumColumns } from './enum-candidates.js';

export type SampleRow = Record<string, string | null>;

export interface SamplingOptions {
  /** Rows to fetch (20 by default: enough to show a column's shape). */
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

/** Sample rows of a table, and the enumeration checks made while reading it. */
export interface TableSample {
  rows: SampleRow[];
  enumChecks: EnumCheck[];
}

const DEFAULT_LARGE_TABLE_ROWS = 100_000;

/** Longest text kept per sampled value: a sample is for a reader, not a dump. */
const MAX_VALUE_LENGTH = 200;

function truncate(value: string | null): string | null {
  return value !== null && value.length > MAX_VALUE_LENGTH ? `${value.slice(0, MAX_VALUE_LENGTH)}…` : value;
}

/** Type categories (boolean, date/time, enum, network, numeric, interval) whose text is short. */
const SHORT_TEXT_CATEGORIES = new Set(['B', 'D', 'E', 'I', 'N', 'T']);

/**
 * A column's text as sampled. Other values are cut on the server, far above what `truncate` keeps
 * even when a character is several bytes, so a table of documents still travels as a modest JSON.
 */
function sampledText(column: ColumnInfo): string {
  const text = `${quoteIdent(column.name)}::text`;
  return SHORT_TEXT_CATEGORIES.has(column.category) ? text : `left(${text}, ${5 * MAX_VALUE_LENGTH})`;
}

/**
 * SQL expression: the JSON array of the table's sample rows, each an array of the columns' text
 * (an ARRAY constructor, since functions take at most 100 arguments). Large tables are read with
 * TABLESAMPLE; when that yields too few rows, from their start (COALESCE evaluates the second
 * subquery only when the first is null).
 */
function sampleRowsJson(table: TableInfo, limit: number, largeTableRows: number): string {
  if (table.columns.length === 0) return 'NULL::json';
  const from = quoteQualified(table.schema, table.name);
  const values = `ARRAY[${table.columns.map(sampledText).join(', ')}]`;
  const plain = `(SELECT json_agg(r) FROM (SELECT ${values} AS r FROM ${from} LIMIT ${limit}) s)`;
  const sampleable = table.kind === 'table' || table.kind === 'materialized_view' || table.kind === 'partitioned_table';
  if (!sampleable || table.rowEstimate === null || table.rowEstimate <= largeTableRows) return plain;
  // SYSTEM sampling reads whole pages from all over the table: ~20x the rows we need.
  const percent = Math.min(100, Math.max(0.0001, ((limit * 20) / table.rowEstimate) * 100));
  const sampled = `(SELECT CASE WHEN count(*) >= ${limit} THEN json_agg(r) END FROM (SELECT ${values} AS r FROM ${from} TABLESAMPLE SYSTEM (${percent.toFixed(6)}) REPEATABLE (42) LIMIT ${limit}) s)`;
  return `COALESCE(${sampled}, ${plain})`;
}

/** Sample rows of `tables`, read with one statement. */
async function sampleRowsIn(tx: Queryable, tables: readonly TableInfo[], options: SamplingOptions): Promise<SampleRow[][]> {
  const limit = Math.max(1, Math.floor(options.rows));
  const large = options.largeTableRows ?? DEFAULT_LARGE_TABLE_ROWS;
  const selects = tables.map((table, i) => `SELECT ${i} AS i, ${sampleRowsJson(table, limit, large)} AS r`);
  const found = await tx.query<{ i: number; r: (string | null)[][] | null }>(selects.join(' UNION ALL '));
  const rows: SampleRow[][] = tables.map(() => []);
  for (const { i, r } of found) {
    const columns = (tables[i] as TableInfo).columns;
    rows[i] = (r ?? []).map((values) => {
      const row: SampleRow = {};
      columns.forEach((column, k) => {
        row[column.name] = truncate(values[k] ?? null);
      });
      return row;
    });
  }
  return rows;
}

/** Sample rows of a batch of tables and, when asked, the checks of their code-like columns. */
async function sampleBatchIn(tx: Queryable, tables: readonly TableInfo[], options: SamplingOptions): Promise<TableSample[]> {
  const rows = await sampleRowsIn(tx, tables, options);
  const maxValues = options.enumMaxValues;
  if (!maxValues) return rows.map((r) => ({ rows: r, enumChecks: [] }));
  // Candidates depend on the sample (repeated values), so they are checked after it.
  const requests = tables.map((table, i) => ({ table, columns: likelyEnumColumns(table, rows[i] as SampleRow[]) }));
  const checks = await enumChecksIn(tx, requests, maxValues);
  return rows.map((r, i) => ({ rows: r, enumChecks: checks[i] as EnumCheck[] }));
}

/** Sample rows of one table (and its enumeration checks when asked). */
export async function sampleTable(db: SqlDatabase, table: TableInfo, options: SamplingOptions): Promise<TableSample> {
  const [sample] = await db.transaction((tx) => sampleBatchIn(tx, [table], options), {
    readOnly: true,
    statementTimeoutMs: options.statementTimeoutMs,
    rollback: true,
  });
  return sample as TableSample;
}

type SampleOutcome = { ok: true; sample: TableSample } | { ok: false; error: unknown };

/** Plain tables (and materialized views) answer `LIMIT n` at once; views and foreign tables may not. */
function sharesStatements(table: TableInfo): boolean {
  return table.kind === 'table' || table.kind === 'partitioned_table' || table.kind === 'materialized_view';
}

/**
 * Sample rows for workers that take tables in list order (as `mapConcurrent` hands them out). Tables
 * are sampled in batches of `batchSize`, each with one statement (and one for their code-like
 * columns) in one READ ONLY transaction; batches run in list order, `concurrency` at a time, up to
 * `lookahead` batches ahead of the latest request, so samples are ready before workers ask. When
 * anything in a batch fails, its tables are sampled again one by one, so only the failing table
 * fails, with its own error. Views and foreign tables, whose reads may be slow, are sampled alone
 * when asked for.
 */
export class TableSampler {
  private readonly outcomes: (Promise<SampleOutcome> | undefined)[];
  private readonly settle: ((outcome: SampleOutcome) => void)[] = [];
  private readonly batchSize: number;
  private readonly lookahead: number;
  /** Runs batches in the order they are scheduled, `concurrency` at a time. */
  private readonly lanes: LimitFunction;
  /** Batches scheduled so far (batch numbers below this one). */
  private scheduled = 0;

  constructor(
    private readonly db: SqlDatabase,
    private readonly tables: readonly TableInfo[],
    private readonly options: SamplingOptions & { signal?: AbortSignal; batchSize?: number; lookahead?: number; concurrency?: number },
  ) {
    this.batchSize = Math.max(1, Math.floor(options.batchSize ?? 16));
    this.lookahead = Math.max(0, Math.floor(options.lookahead ?? 1));
    this.lanes = pLimit(Math.max(1, Math.floor(options.concurrency ?? 1)));
    this.outcomes = tables.map((_, index) => new Promise<SampleOutcome>((resolve) => (this.settle[index] = resolve)));
  }

  /** The sample of `tables[index]` (each index is taken once); rejects with that table's error. */
  async take(index: number): Promise<TableSample> {
    const table = this.tables[index];
    const pending = this.outcomes[index];
    if (!table || !pending) throw new Error(`no samples for table #${index}: out of range or already taken`);
    // Released once taken: the sampler holds no more than the batches in flight.
    this.outcomes[index] = undefined;
    const last = Math.min(Math.floor(index / this.batchSize) + this.lookahead, Math.ceil(this.tables.length / this.batchSize) - 1);
    while (this.scheduled <= last) this.schedule(this.scheduled++);
    if (!sharesStatements(table)) return sampleTable(this.db, table, this.options);
    const outcome = await pending;
    if (!outcome.ok) throw outcome.error;
    return outcome.sample;
  }

  private schedule(batch: number): void {
    const indexes: number[] = [];
    const from = batch * this.batchSize;
    for (let i = from; i < Math.min(from + this.batchSize, this.tables.length); i++) {
      if (sharesStatements(this.tables[i] as TableInfo)) indexes.push(i);
    }
    if (indexes.length > 0) void this.lanes(() => this.sampleBatch(indexes));
  }

  /** Settles every table of the batch; never rejects. */
  private async sampleBatch(indexes: readonly number[]): Promise<void> {
    const { signal } = this.options;
    const tables = indexes.map((i) => this.tables[i] as TableInfo);
    const together = signal?.aborted
      ? undefined
      : await this.db
          .transaction((tx) => sampleBatchIn(tx, tables, this.options), {
            readOnly: true,
            statementTimeoutMs: this.options.statementTimeoutMs,
            rollback: true,
          })
          .catch(() => undefined);
    if (together) {
      together.forEach((sample, k) => {
        this.settle[indexes[k] as number]?.({ ok: true, sample });
      });
      return;
    }
    // A broken relation, a permission or the batch's statement timeout: which table failed is
    // unknown, so each is read again alone and reports its own outcome.
    for (const [k, index] of indexes.entries()) {
      const settle = this.settle[index] as (outcome: SampleOutcome) => void;
      if (signal?.aborted) settle({ ok: false, error: signal.reason });
      else {
        await sampleTable(this.db, tables[k] as TableInfo, this.options).then(
          (sample) => settle({ ok: true, sample }),
          (error: unknown) => settle({ ok: false, error }),
        );
      }
    }
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

/** The candidate columns of a table that planner statistics (`pg_stats.n_distinct`) do not rule out. */
async function notRuledOutByStats(tx: Queryable, table: TableInfo, columns: readonly string[], maxValues: number): Promise<string[]> {
  const stats = await tx.query<ColumnStats>(
    `SELECT attname AS column, n_distinct::float8 AS n_distinct FROM pg_stats
     WHERE schemaname = $1 AND tablename = $2 AND attname = ANY($3::text[])`,
    [table.schema, table.name, [...columns]],
  );
  const byColumn = new Map(stats.map((s) => [s.column, s]));
  return columns.filter((c) => !clearlyTooMany(byColumn.get(c), table.rowEstimate, maxValues));
}

interface EnumRequest {
  table: TableInfo;
  columns: readonly string[];
}

/**
 * The sorted distinct values (at most `maxValues + 1`) of each requested column, all tables in one
 * statement: per request, a JSON array holding one array of values (or null) per column.
 */
async function distinctValuesIn(tx: Queryable, requests: readonly EnumRequest[], maxValues: number): Promise<Map<string, string[]>[]> {
  const values = requests.map(() => new Map<string, string[]>());
  const selects: string[] = [];
  requests.forEach(({ table, columns }, i) => {
    if (columns.length === 0) return;
    const from = quoteQualified(table.schema, table.name);
    const lists = columns.map((column) => {
      const col = quoteIdent(column);
      return `(SELECT to_json(array_agg(v)) FROM (SELECT DISTINCT ${col}::text AS v FROM ${from} WHERE ${col} IS NOT NULL ORDER BY 1 LIMIT ${maxValues + 1}) d)`;
    });
    // An ARRAY of json, not json_build_array: functions take at most 100 arguments.
    selects.push(`SELECT ${i} AS i, to_json(ARRAY[${lists.join(', ')}]) AS v`);
  });
  if (selects.length === 0) return values;
  const found = await tx.query<{ i: number; v: (string[] | null)[] }>(selects.join(' UNION ALL '));
  for (const { i, v } of found) {
    for (const [k, column] of (requests[i] as EnumRequest).columns.entries()) (values[i] as Map<string, string[]>).set(column, v[k] ?? []);
  }
  return values;
}

/**
 * Checks candidate columns of several tables: planner statistics first (for large tables only),
 * then, for the columns they do not rule out, `SELECT DISTINCT … LIMIT max+1`, all in one statement.
 */
async function enumChecksIn(
  tx: Queryable,
  requests: readonly EnumRequest[],
  maxValues: number,
  statsAboveRows = STATS_WORTHWHILE_ROWS,
): Promise<EnumCheck[][]> {
  const toRead: EnumRequest[] = [];
  for (const { table, columns } of requests) {
    // Reading a small table is cheaper than planning a query on the pg_stats view.
    const large = columns.length > 0 && (table.rowEstimate ?? 0) > statsAboveRows;
    toRead.push({ table, columns: large ? await notRuledOutByStats(tx, table, columns, maxValues) : columns });
  }
  const values = await distinctValuesIn(tx, toRead, maxValues);
  return requests.map(({ columns }, i) =>
    columns.map((column) => {
      const found = values[i]?.get(column);
      if (!found) return { column, values: [], accepted: false };
      return { column, values: found.slice(0, maxValues), accepted: found.length > 0 && found.length <= maxValues };
    }),
  );
}

/** Checks enumeration candidates (those an LLM proposed) in a read-only transaction of their own. */
export async function checkEnumCandidates(
  db: SqlDatabase,
  table: TableInfo,
  columns: readonly string[],
  options: { maxValues: number; statementTimeoutMs?: number; statsAboveRows?: number },
): Promise<EnumCheck[]> {
  if (columns.length === 0) return [];
  const [checks] = await db.transaction((tx) => enumChecksIn(tx, [{ table, columns }], options.maxValues, options.statsAboveRows), {
    readOnly: true,
    statementTimeoutMs: options.statementTimeoutMs,
    rollback: true,
  });
  return checks as EnumCheck[];
}
