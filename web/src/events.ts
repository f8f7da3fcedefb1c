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

/**
 * Follows the events of one run (`runId`): the stream starts with the task's history, whose events
 * of earlier runs are skipped. Gives up after 5 failed connections in a row.
 */
export async function followTaskEvents(taskId: string, runId: string, onEvent: (event: TaskEvent) => void, signal: AbortSignal): Promise<void> {
  let lastId = 0;
  for (let failures = 0; !signal.aborted && failures < 5; ) {
    try {
      const response = await fetch(`${taskPath(taskId)}/events${lastId ? `?last_event_id=${lastId}` : ''}`, {
        headers: { accept: 'text/event-stream', ...authHeaders() },
        signal,
      });
      if (!response.ok || !response.body) return;
      failures = 0;
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = '';
      // A CR at the very end of a chunk may be the first half of a CRLF: it waits for the next chunk.
      let pendingCr = '';
      let ended = false;
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        // Lines may end in CRLF or CR as well (the SSE format allows all three).
        let text = pendingCr + value;
        pendingCr = text.endsWith('\r') ? '\r' : '';
        if (pendingCr) text = text.slice(0, -1);
        buffer += text.replace(/\r\n?/g, '\n');
        let split: number;
        for (split = buffer.indexOf('\n\n'); split >= 0; split = buffer.indexOf('\n\n')) {
          const block = buffer.slice(0, split);
          buffer = buffer.slice(split + 2);
          const event: TaskEvent = { id: null, type: 'message', data: {} };
          let data = '';
          for (const line of block.split('\n')) {
            const colon = line.indexOf(':');
            if (colon <= 0) continue;
            const field = line.slice(0, colon);
            const text = line.slice(colon + 1).replace(/^ /, '');
            if (field === 'id') event.id = Number(text);
            else if (field === 'event') event.type = text;
            else if (field === 'data') data += data ? `\n${text}` : text;
          }
          if (!data) continue;
          try {
            event.data = JSON.parse(data) as Record<string, unknown>;
          } catch {
            continue;
          }
          if (event.id !== null) lastId = event.id;
          if (event.type === 'end') {
            ended = true;
            onEvent(event);
          } else if (event.data.run_id === runId) {
            onEvent(event);
          }
        }
      }
      if (ended) return;
    } catch {
      if (signal.aborted) return;
    }
    failures += 1;
    // Dropped before the end: wait a little and resume after the last event seen.
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}
