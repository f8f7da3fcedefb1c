/** The task store on the real PostgreSQL server: migrations, claims, expiry, the detail cache. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresDatabase } from '../src/db/postgres-database.js';
import { loadMigrations, migrate } from '../src/tasks/store/migrate.js';
import { TaskStore } from '../src/tasks/store/task-store.js';
import { newTask, PLAIN_RUN_OPTIONS } from './support/task-fixtures.js';
import { createScratchDatabase, type ScratchDatabase } from './support/env.js';

const OPTIONS = PLAIN_RUN_OPTIONS;

describe('task store', () => {
  let scratch: ScratchDatabase;
  let db: PostgresDatabase;
  let store: TaskStore;

  beforeAll(async () => {
    scratch = await createScratchDatabase('dp_store_test');
    db = await PostgresDatabase.connect(scratch.url, { maxConnections: 8 });
    store = new TaskStore(db, Number.POSITIVE_INFINITY);
  });
  afterAll(async () => {
    await db?.close();
    await scratch?.drop();
  });

  it('applies migrations once, even when two processes start together', async () => {
    const all = (await loadMigrations()).map((m) => m.version);
    expect(all.slice(0, 2)).toEqual([1, 2]);
    const [first, second] = await Promise.all([migrate(db), migrate(db)]);
    expect([...(first ?? []), ...(second ?? [])].sort((a, b) => a - b)).toEqual(all);
    expect(await migrate(db)).toEqual([]);
    const versions = await db.query<{ version: number }>('SELECT version FROM dp_schema_migrations ORDER BY version');
    expect(versions.map((v) => v.version)).toEqual(all);
  });

  it('records a task whole once: a second process recording it at the same time loses without an error', async () => {
    const other = new TaskStore(db, Number.POSITIVE_INFINITY);
    const recorded = {
      ...newTask('task_recorded'),
      status: 'partial_completed' as const,
      created_at: '2025-06-27T06:30:52.000Z',
      started_at: null,
      completed_at: '2025-06-27T06:45:00.000Z',
      error_message: null,
      origin: 'folder' as const,
      origin_info: null,
      steps: [
        {
          step_name: 'ddl_generation' as const,
          step_status: 'completed' as const,
          started_at: null,
          completed_at: null,
          error_message: null,
          execution_id: 'e1',
        },
      ],
    };
    const outcomes = await Promise.all([store.recordTask(recorded), other.recordTask({ ...recorded, status: 'failed' })]);
    expect(outcomes.filter(Boolean)).toHaveLength(1);
    const task = await store.getTask('task_recorded');
    expect(task).toMatchObject({ origin: 'folder', status: outcomes[0] ? 'partial_completed' : 'failed' });
    expect(Date.parse(task?.created_at ?? '')).toBe(Date.parse('2025-06-27T06:30:52Z'));
    expect((await store.getSteps('task_recorded')).map((s) => [s.step_name, s.step_status])).toEqual([
      ['ddl_generation', 'completed'],
      ['qa_generation', 'pending'],
      ['sql_validation', 'pending'],
      ['training_load', 'pending'],
    ]);
    expect(await store.recordTask(recorded)).toBe(false);
    expect([...(await store.knownTaskIds(['task_recorded', 'task_unknown']))]).toEqual(['task_recorded']);
  });

  it('gives colliding task ids a suffix, or refuses them', async () => {
    const a = await store.createTask(newTask('task_same'), { suffixOnConflict: true });
    const b = await store.createTask(newTask('task_same'), { suffixOnConflict: true });
    expect([a.task_id, b.task_id]).toEqual(['task_same', 'task_same_2']);
    await expect(store.createTask(newTask('task_same'))).rejects.toThrow(/already exists/);
    expect((await store.getSteps('task_same')).map((s) => [s.step_name, s.step_status])).toEqual([
      ['ddl_generation', 'pending'],
      ['qa_generation', 'pending'],
      ['sql_validation', 'pending'],
      ['training_load', 'pending'],
    ]);
  });

  it('claims a task for one run at a time, atomically', async () => {
    await store.createTask(newTask('task_claim'));
    const claims = await Promise.all(
      Array.from({ length: 20 }, (_, i) => store.claimRun({ taskId: 'task_claim', mode: 'complete', step: null, options: OPTIONS, owner: `p${i}` })),
    );
    const won = claims.filter((c) => 'run' in c);
    expect(won).toHaveLength(1);
    const winner = (won[0] as { run: { run_id: string } }).run.run_id;
    for (const c of claims) if ('conflict' in c) expect(c.conflict.run_id).toBe(winner);
  });

  it('expires runs by heartbeat age or owner, once, and their tasks fail as interrupted', async () => {
    await store.createTask(newTask('task_expire'));
    const claim = await store.claimRun({ taskId: 'task_expire', mode: 'complete', step: null, options: OPTIONS, owner: 'dead-process' });
    if (!('run' in claim)) throw new Error('no claim');
    expect(await store.expireRuns({ ttlMs: 60_000 })).toEqual([]);
    await db.query(`UPDATE dp_task_runs SET heartbeat_at = now() - interval '10 minutes' WHERE run_id = $1`, [claim.run.run_id]);
    // The process that knows the run is still going (its beat came late) spares it.
    expect(await store.expireRuns({ ttlMs: 300_000, except: [claim.run.run_id] })).toEqual([]);
    const expired = await store.expireRuns({ ttlMs: 300_000, except: ['run_some_other'] });
    expect(expired.map((r) => r.run_id)).toEqual([claim.run.run_id]);
    expect(await store.expireRuns({ ttlMs: 300_000 })).toEqual([]);
    const task = await store.getTask('task_expire');
    expect(task).toMatchObject({ status: 'failed', error_message: expect.stringMatching(/^interrupted/) });
    // The claim is released: a new run can start.
    expect('run' in (await store.claimRun({ taskId: 'task_expire', mode: 'complete', step: null, options: OPTIONS, owner: 'me' }))).toBe(true);
  });

  it('never serves a detail read that overlapped a write', async () => {
    await store.createTask(newTask('task_cache'));
    for (let i = 0; i < 30; i += 1) {
      const read = store.getTaskDetail('task_cache');
      await store.stepProgress('task_cache', 'ddl_generation', { progress: { done: i, total: 30, unit: 'tables' } });
      await read;
      const detail = await store.getTaskDetail('task_cache');
      expect(detail?.steps[0]?.counters.progress?.done).toBe(i);
    }
  });
});
