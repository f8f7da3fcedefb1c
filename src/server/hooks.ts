/** Request hooks shared by routes. */
import type { FastifyRequest } from 'fastify';

/**
 * `preValidation` hook of JSON routes whose fields are all optional (or that should report the
 * missing ones by name): a request without a body (or with `null`) is validated as `{}`, so its
 * defaults apply.
 */
export async function emptyBodyAsObject(request: FastifyRequest): Promise<void> {
  if (request.body === undefined || request.body === null) request.body = {};
}

/**
 * A DELETE without a body takes its parameters from the query string (then validated as the body).
 * Query values are text: the id list is split, and `true`/`false` are read as booleans (a JSON
 * body's values are never converted).
 */
export async function bodyFromQuery(request: FastifyRequest): Promise<void> {
  if (request.body !== undefined && request.body !== null) return;
  const query = request.query as Record<string, string | string[] | undefined>;
  const body: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined) continue;
    const text = [value].flat();
    if (key === 'task_ids') {
      body[key] = text
        .flatMap((v) => v.split(','))
        .map((v) => v.trim())
        .filter(Boolean);
    } else {
      body[key] = text.length === 1 && (text[0] === 'true' || text[0] === 'false') ? text[0] === 'true' : value;
    }
  }
  request.body = body;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The route gives `null` a meaning of its own (PATCH of a pair: `review: null` clears it). */
    nullIsValue?: boolean;
  }
}

/**
 * JSON bodies: a field sent as `null` is taken as not sent (clients write "no value" that way), so
 * its default applies; only a route that says so (`config.nullIsValue`) takes null as a value.
 */
export async function nullFieldsAsAbsent(request: FastifyRequest): Promise<void> {
  if (request.routeOptions.config.nullIsValue) return;
  const body = request.body;
  if (!body || typeof body !== 'object' || Array.isArray(body)) return;
  for (const [key, value] of Object.entries(body)) if (value === null) delete (body as Record<string, unknown>)[key];
}
