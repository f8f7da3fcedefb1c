/**
 * One small interface over PostgreSQL (node-postgres) and PGlite, so the source database, the
 * vector store and the task store share one code path whatever the backend.
 *
 * Both backends return the same JavaScript types (see `valueParsers`): int8 as number, numeric and
 * date/time values as their PostgreSQL text, json/jsonb parsed.
 */
export type SqlRow = Record<string, unknown>;

export interface Queryable {
  /**
   * Runs exactly one statement through the extended protocol, which refuses several statements
   * in one string: callers may pass SQL they did not write.
   */
  query<R extends SqlRow = SqlRow>(text: string, params?: readonly unknown[]): Promise<R[]>;
}

export interface TransactionOptions {
  readOnly?: boolean;
  isolation?: 'read committed' | 'repeatable read' | 'serializable';
  /** Applies `SET LOCAL statement_timeout` (PostgreSQL only: PGlite cannot interrupt a statement). */
  statementTimeoutMs?: number;
  /** Roll back instead of committing even when `fn` succeeds (EXPLAIN and execute checks). */
  rollback?: boolean;
  /**
   * Sees the snapshot another open transaction exported with `pg_export_snapshot()` (PostgreSQL
   * only, REPEATABLE READ): several connections then read one consistent state at once.
   */
  snapshot?: string;
}

export interface SqlDatabase extends Queryable {
  readonly backend: 'postgres' | 'pglite';
  /** Transactions that can be open at once (the pool's size; 1 for PGlite, which has one session). */
  readonly maxConnections: number;
  /** Runs `fn` on one connection inside one transaction. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>, options?: TransactionOptions): Promise<T>;
  /** Runs a trusted script of several statements (migrations, fixtures); never user SQL. */
  execScript(sql: string): Promise<void>;
  close(): Promise<void>;
}

/** The transaction modes of `options`, e.g. `ISOLATION LEVEL REPEATABLE READ READ ONLY` (trusted text). */
export function transactionModes(options: TransactionOptions): string {
  const modes: string[] = [];
  if (options.isolation) modes.push(`ISOLATION LEVEL ${options.isolation.toUpperCase()}`);
  if (options.readOnly) modes.push('READ ONLY');
  return modes.join(' ');
}

/** Snapshot ids as PostgreSQL prints them, e.g. `00000003-0000001B-1`. */
const SNAPSHOT_ID = /^[0-9A-F]+-[0-9A-F]+(-[0-9]+)?$/i;

/** The statements that set up a transaction of `options`, after BEGIN (trusted text). */
export function transactionSettings(options: TransactionOptions): string[] {
  const settings: string[] = [];
  if (options.snapshot !== undefined) {
    if (!SNAPSHOT_ID.test(options.snapshot)) throw new Error(`not a snapshot id: ${JSON.stringify(options.snapshot)}`);
    settings.push(`SET TRANSACTION SNAPSHOT '${options.snapshot}'`);
  }
  if (options.statementTimeoutMs !== undefined) {
    settings.push(`SET LOCAL statement_timeout = ${Math.max(1, Math.floor(options.statementTimeoutMs))}`);
  }
  return settings;
}

/** PostgreSQL type OIDs whose parsing we align across backends. */
export const TYPE_OIDS = {
  int8: 20,
  numeric: 1700,
  date: 1082,
  timestamp: 1114,
  timestamptz: 1184,
  time: 1083,
  timetz: 1266,
  interval: 1186,
  json: 114,
  jsonb: 3802,
} as const;

export const valueParsers: Record<number, (text: string) => unknown> = {
  [TYPE_OIDS.int8]: (text) => {
    const n = Number(text);
    return Number.isSafeInteger(n) ? n : text;
  },
  [TYPE_OIDS.numeric]: (text) => text,
  [TYPE_OIDS.date]: (text) => text,
  [TYPE_OIDS.timestamp]: (text) => text,
  [TYPE_OIDS.timestamptz]: (text) => text,
  [TYPE_OIDS.time]: (text) => text,
  [TYPE_OIDS.timetz]: (text) => text,
  [TYPE_OIDS.interval]: (text) => text,
  [TYPE_OIDS.json]: (text) => JSON.parse(text) as unknown,
  [TYPE_OIDS.jsonb]: (text) => JSON.parse(text) as unknown,
};
