/**
 * PostgreSQL reserves the schema names starting with lower-case `pg_` (and has information_schema);
 * a quoted name is exact, so `"PG_Stats"` is a legal schema of the user's own and is documented,
 * while no spelling reaches pg_catalog's tables through the case-insensitive name match.
 */
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresDatabase } from '../src/db/postgres-database.js';
import { readCatalog } from '../src/source/catalog.js';
import { parseTableList } from '../src/source/table-list.js';
import { TaskDirectory } from '../src/task-directory/task-dir.js';
import { parseMapping } from '../src/task-directory/task-files.js';
import { runWorkflow } from '../src/workflow/orchestrator.js';
import { workflowOptions } from '../src/workflow/run-options.js';
import { createScratchDatabase, makeTempDir, testSettings, type ScratchDatabase } from './support/env.js';

describe('a user schema named like a system one ("PG_Stats")', () => {
  let scratch: ScratchDatabase;

  beforeAll(async () => {
    scratch = await createScratchDatabase('dp_pgstats');
    const client = new pg.Client({ connectionString: scratch.url });
    await client.connect();
    try {
      await client.query(`
        CREATE SCHEMA "PG_Stats";
        CREATE TABLE "PG_Stats".daily (id int PRIMARY KEY, day date NOT NULL, page text NOT NULL, visits int NOT NULL);
        COMMENT ON TABLE "PG_Stats".daily IS 'Page visits per day';
        INSERT INTO "PG_Stats".daily SELECT g, date '2025-01-01' + g, 'page_' || (g % 5), g * 3 FROM generate_series(1, 40) g;`);
    } finally {
      await client.end();
    }
  });
  afterAll(async () => scratch?.drop());

  it('reads the quoted user schema, and never a system table whatever the spelling', async () => {
    const list = parseTableList('"PG_Stats".daily\n"PG_CATALOG".pg_authid\n"Information_Schema".tables\nPG_Stats.daily\n"pg_catalog".pg_authid\n');
    // Unquoted, PG_Stats is pg_stats; quoted, pg_catalog is pg_catalog.
    expect(list.invalid.map((e) => e.text)).toEqual(['PG_Stats.daily', '"pg_catalog".pg_authid']);
    const db = await PostgresDatabase.connect(scratch.url, { sessionReadOnly: true });
    try {
      const catalog = await readCatalog(db, list.tables);
      expect(catalog.tables.map((t) => `${t.schema}.${t.name}`)).toEqual(['PG_Stats.daily']);
      expect(catalog.missing).toEqual([
        { table: 'PG_CATALOG.pg_authid', reason: 'no such table, view or materialized view' },
        { table: 'Information_Schema.tables', reason: 'no such table, view or materialized view' },
      ]);
    } finally {
      await db.close();
    }
  });

  it('documents it and generates and validates pairs for it in a complete run', async () => {
    const settings = testSettings(await makeTempDir('dp-pgstats-'));
    const dir = await TaskDirectory.open(path.join(settings.trainingDataDir, 'task_pgstats'), { create: true });
    await dir.writeFile('table_list.txt', '"PG_Stats".daily\n');
    const options = workflowOptions({
      task_id: 'task_pgstats',
      db_connection: scratch.url,
      business_context: 'Web analytics',
      enable_training_data_load: false,
    });
    const result = await runWorkflow({ dir, settings, options, mode: 'complete' });
    expect(result.status, result.error_message ?? '').toBe('completed');
    expect(parseMapping(await dir.readText('filename_mapping.txt')).map((m) => m.table)).toEqual(['PG_Stats.daily']);
    // The later steps read the table back from the mapping, as the catalog spells it.
    expect(result.summary.tables).toBe(1);
    expect(result.summary.pairs).toBeGreaterThan(0);
    expect(result.summary.validation_rate).toBe(1);
    // Step mode: nothing profiled in this run, the tables come from the mapping's names alone.
    for (const step of ['qa_generation', 'sql_validation'] as const) {
      const again = await runWorkflow({ dir, settings, options, mode: 'step', step });
      expect(again.status, `${step}: ${again.error_message ?? ''}`).toBe('completed');
      const counters = again.steps[0]?.counters ?? {};
      expect(step === 'qa_generation' ? counters.pairs : counters.pairs_valid, step).toBeGreaterThan(0);
    }
  });
});
