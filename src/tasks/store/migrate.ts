/**
 * Versioned migrations of the task store: `migrations/NNN_name.sql`, applied in order, each in its
 * own transaction, recorded in `dp_schema_migrations`. An advisory lock keeps two processes that
 * start together from applying the same migration twice.
 */
import { promises as fs } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { SqlDatabase } from '../../db/sql-database.js';
import { ensureSqlParser, parseStatements } from '../../sql/pg-parser.js';

const MIGRATIONS_DIR = fileURLToPath(new URL('./migrations/', import.meta.url));
/** Arbitrary constant naming our advisory lock. */
const MIGRATION_LOCK = 7_240_315;

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export async function loadMigrations(): Promise<Migration[]> {
  const files = (await fs.readdir(MIGRATIONS_DIR)).filter((f) => /^\d{3}_[\w-]+\.sql$/.test(f)).sort();
  return Promise.all(
    files.map(async (file) => ({
      version: Number(file.slice(0, 3)),
      name: file.slice(4, -4),
      sql: await fs.readFile(`${MIGRATIONS_DIR}${file}`, 'utf8'),
    })),
  );
}

/** Applies pending migrations; returns the versions applied now. */
export async function migrate(db: SqlDatabase): Promise<number[]> {
  const migrations = await loadMigrations();
  await ensureSqlParser();
  return db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await tx.query(
      'CREATE TABLE IF NOT EXISTS dp_schema_migrations (version int PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())',
    );
    const done = new Set((await tx.query<{ version: number }>('SELECT version FROM dp_schema_migrations')).map((r) => r.version));
    const applied: number[] = [];
    for (const migration of migrations) {
      if (done.has(migration.version)) continue;
      // A migration file holds several statements: run them one by one through the extended protocol.
      for (const statement of parseStatements(migration.sql)) await tx.query(statement.text);
      await tx.query('INSERT INTO dp_schema_migrations (version, name) VALUES ($1, $2)', [migration.version, migration.name]);
      applied.push(migration.version);
    }
    return applied;
  });
}
