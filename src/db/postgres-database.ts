import pg from 'pg';
import { AppError } from '../errors.js';
import { connectionSecrets, redactSecrets, redactUrl } from '../util/redact.js';
import { transactionModes, transactionSettings, valueParsers, type Queryable, type SqlDatabase, type SqlRow, type TransactionOptions } from './sql-database.js';

export interface PostgresOptions {
  /** Pool size: one small pool serves the whole run. */
  maxConnections?: number;
  applicationName?: string;
  /** Session defaults applied at connect time, as a second guard besides explicit transactions. */
  sessionReadOnly?: boolean;
  sessionStatementTimeoutMs?: number;
  connectTimeoutMs?: number;
}

const typeOverrides = {
  getTypeParser(oid: number, format?: string): (text: string) => unknown {
    const custom = valueParsers[oid];
    if (custom && format !== 'binary') return custom;
    return pg.types.getTypeParser(oid, 'text') as (text: string) => unknown;
  },
};

/** node-postgres' QueryConfig lacks `queryMode` in its typings; it forces the extended protocol. */
type ExtendedQueryConfig = pg.QueryConfig & { queryMode: 'extended' };

function extended(text: string, params: readonly unknown[] | undefined): ExtendedQueryConfig {
  return { text, values: params ? [...params] : [], queryMode: 'extended' };
}

export class PostgresDatabase implements SqlDatabase {
  readonly backend = 'postgres' as const;

  private constructor(
    private readonly pool: pg.Pool,
    readonly maxConnections: number,
  ) {}

  static async connect(url: string, options: PostgresOptions = {}): Promise<PostgresDatabase> {
    const sessionOptions: string[] = [];
    if (options.sessionReadOnly) sessionOptions.push('-c default_transaction_read_only=on');
    if (options.sessionStatementTimeoutMs !== undefined) {
      sessionOptions.push(`-c statement_timeout=${Math.floor(options.sessionStatementTimeoutMs)}`);
    }
    const maxConnections = options.maxConnections ?? 5;
    const pool = new pg.Pool({
      connectionString: url,
      max: maxConnections,
      idleTimeoutMillis: 10_000,
      connectionTimeoutMillis: options.connectTimeoutMs ?? 10_000,
      application_name: options.applicationName ?? 'data-pipeline',
      options: sessionOptions.length ? sessionOptions.join(' ') : undefined,
      types: typeOverrides,
    });
    // An idle client losing its connection must not crash the process; the next query reports it.
    pool.on('error', () => undefined);
    const db = new PostgresDatabase(pool, maxConnections);
    try {
      await db.query('SELECT 1');
    } catch (error) {
      await pool.end().catch(() => undefined);
      throw new DatabaseConnectionError(url, error);
    }
    return db;
  }

  async query<R extends SqlRow = SqlRow>(text: string, params?: readonly unknown[]): Promise<R[]> {
    const result = await this.pool.query<R>(extended(text, params));
    return result.rows;
  }

  async transaction<T>(fn: (tx: Queryable) => Promise<T>, options: TransactionOptions = {}): Promise<T> {
    const client = await this.pool.connect();
    let connectionBroken = false;
    // The server ending a checked-out session (idle_in_transaction_session_timeout, a restart)
    // makes the client emit 'error', which would crash the process without a listener; the query
    // in flight rejects with it anyway.
    const markBroken = () => {
      connectionBroken = true;
    };
    client.on('error', markBroken);
    try {
      // The preamble is our own constant text, so one simple-protocol round trip carries it.
      const begin = `BEGIN ${transactionModes(options)}`.trim();
      await client.query([begin, ...transactionSettings(options)].join('; '));
      const tx: Queryable = {
        query: async <R extends SqlRow = SqlRow>(text: string, params?: readonly unknown[]) => (await client.query<R>(extended(text, params))).rows,
      };
      const result = await fn(tx);
      if (options.rollback) {
        // Nothing to keep: a read whose session ended after it answered still answered.
        await client.query('ROLLBACK').catch(() => markBroken());
      } else {
        await client.query('COMMIT');
      }
      return result;
    } catch (error) {
      try {
        await client.query('ROLLBACK');
      } catch {
        connectionBroken = true;
      }
      throw error;
    } finally {
      client.off('error', markBroken);
      client.release(connectionBroken ? true : undefined);
    }
  }

  async execScript(sql: string): Promise<void> {
    await this.pool.query(sql);
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}

/**
 * A database could not be reached: the connection the user gave is wrong or the server is down
 * (DB_CONNECTION_FAILED). The message masks the password(s) of the URL it was given, in any form.
 */
export class DatabaseConnectionError extends AppError {
  constructor(url: string, cause: unknown) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    super('DB_CONNECTION_FAILED', redactSecrets(`cannot connect to ${describeUrl(url)}: ${reason}`, connectionSecrets(url)), { canRetry: true });
    this.name = 'DatabaseConnectionError';
  }
}

/** host:port/database of a connection URL, never its password (read after masking it, so none of it is taken for a host). */
export function describeUrl(url: string): string {
  try {
    const u = new URL(redactUrl(url));
    return `${u.hostname}${u.port ? `:${u.port}` : ''}${u.pathname}`;
  } catch {
    return 'the database (unparseable URL)';
  }
}
