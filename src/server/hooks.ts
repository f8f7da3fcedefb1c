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

/** A DELETE without a body takes its parameters from the query string (then validated as the body). */
export async function bodyFromQuery(request: FastifyRequest): Promise<void> {
  if (request.body !== undefined && request.body !== null) return;
  const query = request.query as Record<string, string | string[] | undefined>;
  const body: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined) continue;
    body[key] =
      key === 'task_ids'
        ? [value]
            .flat()
            .flatMap((v) => v.split(','))
            .map((v) => v.trim())
            .filter(Boolean)
        : value;
  }
  request.body = body;
}
