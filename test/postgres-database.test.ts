/**
 * PostgresDatabase transactions on the real server: importing another transaction's snapshot, and
 * a session the server ends while a transaction holds it.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresDatabase } from '../src/db/postgres-database.js';
import { createScratchDatabase, type ScratchDatabase } from './support/env.js';

describe('PostgresDatabase transactions', () => {
  let scratch: ScratchDatabase;
  let db: PostgresDatabase;

  beforeAll(async () => {
    scratch = await createScratchDatabase('dp_transactions');
    db = await PostgresDatabase.connect(scratch.url, { maxConnections: 3 });
    await db.execScript('CREATE TABLE counted (n int); INSERT INTO counted VALUES (1);');
  });
  afterAll(async () => {
    await db?.close();
    await scratch?.drop();
  });

  it('a transaction importing a snapshot sees the data as the exporting one did', async () => {
    const seen = await db.transaction(
      async (tx) => {
        const [exported] = await tx.query<{ snapshot: string }>('SELECT pg_export_snapshot() AS snapshot');
        // Committed on another connection after the export.
        await db.query('INSERT INTO counted VALUES (2)');
        const count = 'SELECT count(*)::int AS n FROM counted';
        const [inSnapshot] = await db.transaction((other) => other.query<{ n: number }>(count), {
          isolation: 'repeatable read',
          readOnly: true,
          snapshot: exported?.snapshot,
        });
        const [now] = await db.query<{ n: number }>(count);
        return [inSnapshot?.n, now?.n];
      },
      { isolation: 'repeatable read', readOnly: true },
    );
    expect(seen).toEqual([1, 2]);
  });

  it('refuses a snapshot id that is not one, before sending anything', async () => {
    await expect(db.transaction(async () => 'never', { snapshot: "x'; DROP TABLE counted; --" })).rejects.toThrow(/not a snapshot id/);
    expect(await db.query('SELECT count(*)::int AS n FROM counted')).toHaveLength(1);
  });

  it('survives the server ending a session mid-transaction: a finished read still answers, a write fails', async () => {
    const idle = async (tx: { query: (sql: string) => Promise<unknown> }) => {
      await tx.query("SET LOCAL idle_in_transaction_session_timeout = '100ms'");
      // Idle in the transaction until the server ends the session (the client emits 'error').
      await sleep(500);
      return 'answered';
    };
    expect(await db.transaction(idle, { readOnly: true, rollback: true })).toBe('answered');
    await expect(db.transaction(idle)).rejects.toThrow(/terminat|connection|closed/i);
    // The broken connections were not returned to the pool.
    expect(await db.query('SELECT 1 AS one')).toEqual([{ one: 1 }]);
  });
});
