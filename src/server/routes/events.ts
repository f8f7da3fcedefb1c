/**
 * Live progress as Server-Sent Events. Events come from the store (so any server process sharing
 * it can serve them); the id of each is its sequence number, so a client reconnecting with
 * Last-Event-ID (header or `last_event_id` query) resumes after the last one it saw. The stream
 * ends after the run finishes, or at once when no run is active and nothing is left to send.
 */
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../context.js';
import { ApiError } from '../envelope.js';
import { errorResponses, TaskIdParams } from '../schemas.js';
import { requireTask } from './task-access.js';

const POLL_MS = 1_000;
const KEEPALIVE_MS = 15_000;

/** Event ids are sequence numbers: beyond this they cannot be one (nor a safe JavaScript integer). */
const MAX_EVENT_ID = Number.MAX_SAFE_INTEGER;
const EventsQuery = Type.Object({ last_event_id: Type.Optional(Type.Integer({ minimum: 0, maximum: MAX_EVENT_ID })) });

export function eventRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.get(
    '/api/v0/data_pipeline/tasks/:task_id/events',
    {
      schema: {
        tags: ['tasks'],
        summary: 'Server-Sent Events of the task: run and step start/finish, progress, log lines (resumable with Last-Event-ID)',
        params: TaskIdParams,
        querystring: EventsQuery,
        produces: ['text/event-stream'],
        response: errorResponses,
      },
    },
    async (request, reply) => {
      const { task_id } = request.params as typeof TaskIdParams.static;
      const query = request.query as typeof EventsQuery.static;
      await requireTask(ctx, task_id);
      const headerText = request.headers['last-event-id'];
      const header = headerText === undefined ? undefined : Number(headerText);
      if (header !== undefined && !(Number.isSafeInteger(header) && header >= 0)) {
        throw ApiError.invalid('headers.last-event-id', `is not an event id (${JSON.stringify(String(headerText).slice(0, 40))})`, `an integer from 0 to ${MAX_EVENT_ID}`);
      }
      let lastSeq = header ?? query.last_event_id ?? 0;

      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      });
      res.write('retry: 2000\n\n');

      let closed = false;
      let wake: () => void = () => undefined;
      const unsubscribe = ctx.events.subscribe(task_id, () => wake());
      const keepalive = setInterval(() => res.write(': keepalive\n\n'), KEEPALIVE_MS);
      const stop = () => {
        closed = true;
        wake();
      };
      request.raw.on('close', stop);
      ctx.shutdown.addEventListener('abort', stop, { once: true });
      try {
        while (!closed) {
          const events = await ctx.store.readEvents(task_id, lastSeq);
          for (const event of events) {
            lastSeq = event.seq;
            res.write(`id: ${event.seq}\nevent: ${event.type}\ndata: ${JSON.stringify({ ...event.data, run_id: event.run_id, at: event.created_at })}\n\n`);
          }
          if (events.length > 0) continue;
          // Nothing new: end when no run is active (after a last look for its final events).
          if (!(await ctx.store.activeRun(task_id))) {
            await ctx.events.flush();
            const tail = await ctx.store.readEvents(task_id, lastSeq);
            if (tail.length === 0) break;
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
        if (!closed) res.write(`event: end\ndata: ${JSON.stringify({ last_event_id: lastSeq })}\n\n`);
      } finally {
        clearInterval(keepalive);
        ctx.shutdown.removeEventListener('abort', stop);
        unsubscribe();
        res.end();
      }
    },
  );
}
