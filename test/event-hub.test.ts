/** The event hub on a real store: progress thinning that never loses the latest value or reorders events. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresDatabase } from '../src/db/postgres-database.js';
import { TaskEventHub } from '../src/tasks/event-hub.js';
import { migrate } from '../src/tasks/store/migrate.js';
import { TaskStore } from '../src/tasks/store/task-store.js';
import { createScratchDatabase, type ScratchDatabase } from './support/env.js';
import { newTask } from './support/task-fixtures.js';

describe('task event hub', () => {
  let scratch: ScratchDatabase;
  let db: PostgresDatabase;
  let store: TaskStore;

  beforeAll(async () => {
    scratch = await createScratchDatabase('dp_events_test');
    db = await PostgresDatabase.connect(scratch.url, { maxConnections: 4 });
    await migrate(db);
    store = new TaskStore(db, Number.POSITIVE_INFINITY);
    await store.createTask(newTask('task_events'));
  });

  afterAll(async () => {
    await db?.close();
    await scratch?.drop();
  });

  const progress = (done: number, total = 10) => ({ task_id: 'task_events', run_id: null, type: 'progress', data: { step: 'ddl_generation', done, total } });
  const stored = async () =>
    (await store.readEvents('task_events', 0)).map((e) => (e.type === 'progress' ? `progress ${String((e.data as { done: number }).done)}` : e.type));

  it('thins progress, then sends the latest held value before the next event of the task, in order', async () => {
    const hub = new TaskEventHub(store);
    hub.publish(progress(0));
    for (let done = 1; done <= 7; done += 1) hub.publish(progress(done));
    hub.publish({ task_id: 'task_events', run_id: null, type: 'step_finished', data: { step: 'ddl_generation', status: 'failed' } });
    await hub.flush();
    expect(await stored()).toEqual(['progress 0', 'progress 7', 'step_finished']);
  });

  it('sends a held value on its own once the interval has passed (a stalled step shows where it is)', async () => {
    await db.query('DELETE FROM dp_task_events');
    const hub = new TaskEventHub(store);
    hub.publish(progress(1));
    hub.publish(progress(2));
    // No flush: only the hold's own timer can store the held value.
    await expect.poll(stored, { timeout: 5_000, interval: 50 }).toEqual(['progress 1', 'progress 2']);
  });

  it('stores a held value at flush (the end of a run) instead of dropping it', async () => {
    await db.query('DELETE FROM dp_task_events');
    const hub = new TaskEventHub(store);
    hub.publish(progress(3));
    hub.publish(progress(4));
    await hub.flush();
    expect(await stored()).toEqual(['progress 3', 'progress 4']);
  });
});
