/**
 * The task's Server-Sent Events, read with fetch (EventSource cannot send the bearer token).
 * Resumes after the last event id when the connection drops; stops at `end` or when aborted.
 */
import { authHeaders, taskPath } from './api.js';

export interface TaskEvent {
  id: number | null;
  type: string;
  data: Record<string, unknown>;
}

export async function followTaskEvents(taskId: string, onEvent: (event: TaskEvent) => void, signal: AbortSignal): Promise<void> {
  let lastId = 0;
  for (let attempt = 0; !signal.aborted && attempt < 5; attempt += 1) {
    try {
      const response = await fetch(`${taskPath(taskId)}/events${lastId ? `?last_event_id=${lastId}` : ''}`, {
        headers: { accept: 'text/event-stream', ...authHeaders() },
        signal,
      });
      if (!response.ok || !response.body) return;
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = '';
      let ended = false;
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value;
        let split: number;
        while ((split = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, split);
          buffer = buffer.slice(split + 2);
          const event: TaskEvent = { id: null, type: 'message', data: {} };
          let data = '';
          for (const line of block.split('\n')) {
            if (line.startsWith('id: ')) event.id = Number(line.slice(4));
            else if (line.startsWith('event: ')) event.type = line.slice(7);
            else if (line.startsWith('data: ')) data += line.slice(6);
          }
          if (!data) continue;
          try {
            event.data = JSON.parse(data) as Record<string, unknown>;
          } catch {
            continue;
          }
          if (event.id !== null) lastId = event.id;
          if (event.type === 'end') ended = true;
          onEvent(event);
        }
      }
      if (ended) return;
    } catch {
      if (signal.aborted) return;
    }
    // Dropped before the end: wait a little and resume after the last event seen.
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}
