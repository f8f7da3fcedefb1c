// Types only: PGlite itself (a large WebAssembly module) is loaded by whoever creates a database.
import type { PGlite, PGliteOptions, Transaction } from '@electric-sql/pglite';
import { transactionModes, valueParsers, type Queryable, type SqlDatabase, type SqlRow, type TransactionOptions } from './sql-database.js';

/** PGlite options shared by every embedded database: the value parsers of both backends agree. */
export function pgliteBaseOptions(): Pick<PGliteOptions, 'parsers'> {
  return { parsers: valueParsers };
}

export class PgliteDatabase implements SqlDatabase {
  readonly backend = 'pglite' as const;
  readonly maxConnections = 1;

  constructor(readonly pglite: PGlite) {}

  async query<R extends SqlRow = SqlRow>(text: string, params?: readonly unknown[]): Promise<R[]> {
    // PGlite's query() uses the extended protocol: one statement only, like the pg backend.
    const result = await this.pglite.query<R>(text, params ? [...params] : []);
    return result.rows;
  }

  async transaction<T>(fn: (tx: Queryable) => Promise<T>, options: TransactionOptions = {}): Promise<T> {
    return this.pglite.transaction(async (tx: Transaction) => {
      // PGlite has already sent BEGIN: set the same modes through SET TRANSACTION.
      const modes = transactionModes(options);
      if (modes) await tx.query(`SET TRANSACTION ${modes}`);
      // statement_timeout is not sent: single-threaded PGlite cannot interrupt a statement anyway.
      const wrapped: Queryable = {
        query: async <R extends SqlRow = SqlRow>(text: string, params?: readonly unknown[]) => (await tx.query<R>(text, params ? [...params] : [])).rows,
      };
      const result = await fn(wrapped);
      if (options.rollback) await tx.rollback();
      return result;
    });
  }

  async execScript(sql: string): Promise<void> {
    await this.pglite.exec(sql);
  }

  async close(): Promise<void> {
    if (!this.pglite.closed) await this.pglite.close();
  }
}
