/**
 * A task's events as they happen: read from the store (so any server process sharing it can serve
 * them), in sequence order after the one a client saw last, woken by the event hub when the task
 * has news. The stream ends after the run finishes, or at once when no run is active and nothing
 * is left to send.
 */
import type { StoredEvent } from '../tasks/store/task-store.js';
import type { ServiceContext } from './context.js';
import { requireTask } from './tasks.js';

export type { StoredEvent };

/** Without a wake-up from the hub (another process's run), the store is read again this often. */
const POLL_MS = 1_000;

/** Event ids are sequence numbers: beyond this they cannot be one (nor a safe JavaScript integer). */
export const MAX_EVENT_ID = Number.MAX_SAFE_INTEGER;

/** Checks the task exists (404) before a stream is opened. */
export async function openTaskEvents(ctx: ServiceContext, taskId: string): Promise<void> {
  await requireTask(ctx, taskId);
}

/** The task's events after `afterSeq` until no run is active and all are sent, or `stop` aborts. */
export async function* followTaskEvents(
  ctx: Pick<ServiceContext, 'store' | 'events'>,
  taskId: string,
  afterSeq: number,
  stop: AbortSignal,
): AsyncGenerator<StoredEvent> {
  let lastSeq = afterSeq;
  let wake: () => void = () => undefined;
  const unsubscribe = ctx.events.subscribe(taskId, () => wake());
  const onStop = () => wake();
  stop.addEventListener('abort', onStop, { once: true });
  try {
    while (!stop.aborted) {
      const events = await ctx.store.readEvents(taskId, lastSeq);
      for (const event of events) {
        lastSeq = event.seq;
        yield event;
      }
      if (events.length > 0) continue;
      // Nothing new: end when no run is active (after a last look for its final events).
      if (!(await ctx.store.activeRun(taskId))) {
        await ctx.events.flush();
        const tail = await ctx.store.readEvents(taskId, lastSeq);
        if (tail.length === 0) return;
        continue;
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, POLL_MS);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  } finally {
    stop.removeEventListener('abort', onStop);
    unsubscribe();
  }
}
