/**
 * Live progress as Server-Sent Events: the id of each event is its sequence number, so a client
 * reconnecting with Last-Event-ID (header or `last_event_id` query) resumes after the last one it
 * saw. The stream ends with `event: end` after the run finishes (or at once when none is active).
 */
import { AppError } from '../../errors.js';
import { followTaskEvents, MAX_EVENT_ID, openTaskEvents } from '../../services/events.js';
import type { ApiServer, AppContext } from '../context.js';
import { errorResponses, NonJson, TaskIdParams } from '../schemas/common.js';
import { EventsQuery } from '../schemas/files.js';

const KEEPALIVE_MS = 15_000;

export function eventRoutes(app: ApiServer, ctx: AppContext): void {
  app.get(
    '/api/v0/data_pipeline/tasks/:task_id/events',
    {
      schema: {
        tags: ['tasks'],
        summary: 'Server-Sent Events of the task: run and step start/finish, progress, log lines (resumable with Last-Event-ID)',
        params: TaskIdParams,
        querystring: EventsQuery,
        response: { 200: NonJson('text/event-stream', 'Server-Sent Events: id (the sequence number), event (its type), data (JSON)'), ...errorResponses },
      },
    },
    async (request, reply) => {
      const { task_id } = request.params;
      await openTaskEvents(ctx.services, task_id);
      const headerText = request.headers['last-event-id'];
      const header = headerText === undefined ? undefined : Number(headerText);
      if (header !== undefined && !(Number.isSafeInteger(header) && header >= 0)) {
        throw AppError.invalid(
          'headers.last-event-id',
          `is not an event id (${JSON.stringify(String(headerText).slice(0, 40))})`,
          `an integer from 0 to ${MAX_EVENT_ID}`,
        );
      }
      let lastSeq = header ?? request.query.last_event_id ?? 0;

      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      });
      res.write('retry: 2000\n\n');

      const stop = new AbortController();
      const onStop = () => stop.abort();
      request.raw.on('close', onStop);
      ctx.shutdown.addEventListener('abort', onStop, { once: true });
      const keepalive = setInterval(() => res.write(': keepalive\n\n'), KEEPALIVE_MS);
      try {
        for await (const event of followTaskEvents(ctx.services, task_id, lastSeq, stop.signal)) {
          lastSeq = event.seq;
          res.write(`id: ${event.seq}\nevent: ${event.type}\ndata: ${JSON.stringify({ ...event.data, run_id: event.run_id, at: event.created_at })}\n\n`);
        }
        if (!stop.signal.aborted) res.write(`event: end\ndata: ${JSON.stringify({ last_event_id: lastSeq })}\n\n`);
      } finally {
        clearInterval(keepalive);
        ctx.shutdown.removeEventListener('abort', onStop);
        request.raw.off('close', onStop);
        res.end();
      }
    },
  );
}
