/**
 * Following a task's events (what SSE viewers read), on a real store: the race where a run ends
 * between a viewer's empty read and its look for an active run is forced, not hoped for. The
 * store is the real one; only the moment of the run's end is chosen by the test.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresDatabase } from '../src/db/postgres-database.js';
import { followTaskEvents } from '../src/services/events.js';
import { TaskEventHub } from '../src/tasks/event-hub.js';
import { migrate } from '../src/tasks/store/migrate.js';
import { TaskStore, type RunRecord } from '../src/tasks/store/task-store.js';
import { createScratchDatabase, type ScratchDatabase } from './support/env.js';
import { newTask, PLAIN_RUN_OPTIONS } from './support/task-fixtures.js';

/** A store that lets the test act right before each look for the active run. */
class StoreWithPause extends TaskStore {
  beforeActiveRun: (() => Promise<void>) | undefined;

  override async activeRun(taskId: string): Promise<RunRecord | undefined> {
    const pause = this.beforeActiveRun;
    this.beforeActiveRun = undefined;
    await pause?.();
    return super.activeRun(taskId);
  }
}

describe('following a task’s events', () => {
  let scratch: ScratchDatabase;
  let db: PostgresDatabase;
  let store: StoreWithPause;

  beforeAll(async () => {
    scratch = await createScratchDatabase('dp_stream_test');
    db = await PostgresDatabase.connect(scratch.url, { maxConnections: 4 });
    await migrate(db);
    store = new StoreWithPause(db, 0);
  });
  afterAll(async () => {
    await db?.close();
    await scratch?.drop();
  });

  it('delivers run_finished when the run ends between an empty read and the look for an active run', async () => {
    await store.createTask(newTask('task_race'));
    const claim = await store.claimRun({ taskId: 'task_race', mode: 'complete', step: null, options: { ...PLAIN_RUN_OPTIONS }, owner: 'test' });
    if (!('run' in claim)) throw new Error('no claim');
    const events = new TaskEventHub(store);
    events.publish({ task_id: 'task_race', run_id: claim.run.run_id, type: 'run_started', data: {} });
    await events.flush();

    // The viewer reads run_started, then finds nothing new; right then (before it asks whether a run
    // is active) the run ends, storing run_finished in the same transaction.
    store.beforeActiveRun = async () => {
      await store.finishRun(claim.run, { status: 'completed', reason: null, error: null, taskStatus: 'completed', result: null, llmUsage: null });
    };
    const seen: string[] = [];
    for await (const event of followTaskEvents({ store, events }, 'task_race', 0, new AbortController().signal)) seen.push(event.type);

    expect(store.beforeActiveRun).toBeUndefined();
    expect(seen).toEqual(['run_started', 'run_finished']);
  });

  it('ends at once for a task with no active run, after sending what is stored', async () => {
    await store.createTask(newTask('task_idle'));
    const events = new TaskEventHub(store);
    events.publish({ task_id: 'task_idle', run_id: null, type: 'log', data: { message: 'x' } });
    await events.flush();
    const seen: number[] = [];
    for await (const event of followTaskEvents({ store, events }, 'task_idle', 0, new AbortController().signal)) seen.push(event.seq);
    expect(seen).toHaveLength(1);
    const after: number[] = [];
    for await (const event of followTaskEvents({ store, events }, 'task_idle', seen[0] as number, new AbortController().signal)) after.push(event.seq);
    expect(after).toEqual([]);
  });
});
