/**
 * Task events (step started/finished, progress, log lines) go to the store, so that a client can
 * resume with Last-Event-ID and a server process other than the runner's can serve them; local
 * subscribers are woken as soon as a batch is stored. Progress is thinned to a few per second,
 * and the latest thinned one still goes out once its interval has passed (a step that stalls after
 * it shows where it stalled).
 */
import type { TaskStore } from './store/task-store.js';

export interface PendingEvent {
  task_id: string;
  run_id: string | null;
  type: string;
  data: Record<string, unknown>;
}

const FLUSH_DELAY_MS = 50;
const PROGRESS_INTERVAL_MS = 250;

export class TaskEventHub {
  private buffer: PendingEvent[] = [];
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();
  private readonly listeners = new Map<string, Set<() => void>>();
  private readonly lastProgress = new Map<string, number>();
  /** The newest progress held back by the thinning, per task and step, and its timer. */
  private readonly heldProgress = new Map<string, { event: PendingEvent; timer: NodeJS.Timeout }>();

  constructor(private readonly store: TaskStore) {}

  publish(event: PendingEvent): void {
    if (event.type === 'progress') {
      // Keep the last of each step (done === total) and at most one per interval otherwise.
      const key = `${event.task_id}/${String(event.data.step)}`;
      const now = Date.now();
      const final = event.data.done === event.data.total;
      const wait = PROGRESS_INTERVAL_MS - (now - (this.lastProgress.get(key) ?? 0));
      if (!final && wait > 0) {
        this.holdProgress(key, event, wait);
        return;
      }
      this.dropHeld(key);
      this.lastProgress.set(key, now);
    } else {
      // Anything else of the task comes after its progress so far: a held value goes out first.
      this.releaseHeld((key) => key.startsWith(`${event.task_id}/`));
      if (event.type === 'step_finished') this.lastProgress.delete(`${event.task_id}/${String(event.data.step)}`);
    }
    this.enqueue(event);
  }

  /** Sends the held progress values whose keys match, in place, now. */
  private releaseHeld(matches: (key: string) => boolean): void {
    for (const [key, held] of [...this.heldProgress]) {
      if (!matches(key)) continue;
      clearTimeout(held.timer);
      this.heldProgress.delete(key);
      this.lastProgress.set(key, Date.now());
      this.buffer.push(held.event);
    }
  }

  private enqueue(event: PendingEvent): void {
    this.buffer.push(event);
    this.timer ??= setTimeout(() => void this.flush(), FLUSH_DELAY_MS);
  }

  private holdProgress(key: string, event: PendingEvent, wait: number): void {
    const held = this.heldProgress.get(key);
    if (held) {
      held.event = event;
      return;
    }
    const timer = setTimeout(() => {
      const entry = this.heldProgress.get(key);
      this.heldProgress.delete(key);
      if (!entry) return;
      this.lastProgress.set(key, Date.now());
      this.enqueue(entry.event);
    }, wait);
    timer.unref();
    this.heldProgress.set(key, { event, timer });
  }

  private dropHeld(key: string): void {
    const held = this.heldProgress.get(key);
    if (!held) return;
    clearTimeout(held.timer);
    this.heldProgress.delete(key);
  }

  /** Stores what is buffered (held progress included) and wakes the subscribers of those tasks. */
  flush(): Promise<void> {
    this.releaseHeld(() => true);
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.buffer;
    this.buffer = [];
    this.flushing = this.flushing.then(async () => {
      if (batch.length === 0) return;
      try {
        await this.store.appendEvents(batch);
      } catch {
        // Events are best effort: a failed insert must not fail the run (the step rows still tell).
        return;
      }
      for (const taskId of new Set(batch.map((e) => e.task_id))) this.notify(taskId);
    });
    return this.flushing;
  }

  /** Wakes the subscribers of a task after events were stored without the hub (`run_finished`). */
  notify(taskId: string): void {
    for (const wake of this.listeners.get(taskId) ?? []) wake();
  }

  subscribe(taskId: string, wake: () => void): () => void {
    const set = this.listeners.get(taskId) ?? new Set();
    set.add(wake);
    this.listeners.set(taskId, set);
    return () => {
      set.delete(wake);
      if (set.size === 0) this.listeners.delete(taskId);
    };
  }
}
