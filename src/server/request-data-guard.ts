/**
 * Request data is checked at the edge, before anything walks it:
 * - PostgreSQL text cannot hold NUL (U+0000): a string with one would reach the task store or a
 *   source database and fail there, as a server error. The field is named instead.
 * - No request of this API nests deeper than a few levels, and a body nested 100,000 levels deep
 *   (600 KB, well under the size limit) would overflow the stack of any recursive walk (schema
 *   validation, serialization, ours). Bodies deeper than MAX_REQUEST_DEPTH are refused.
 * The walk itself is iterative, so it cannot overflow whatever it is given.
 */
import type { FastifyInstance } from 'fastify';
import { AppError } from '../errors.js';

/** How deeply request data may nest: objects and arrays inside one another, the top level counting 1. */
export const MAX_REQUEST_DEPTH = 32;

export type RequestDataProblem = { kind: 'nul'; field: string } | { kind: 'depth'; field: string };

/**
 * The first problem of a request part (`body`, `query`, `params`): a NUL in a string value or an
 * object key (the field named, e.g. `body.tables[2]`), or nesting deeper than MAX_REQUEST_DEPTH.
 */
export function requestDataProblem(value: unknown, at: string): RequestDataProblem | undefined {
  const pending: { value: unknown; at: string; depth: number }[] = [{ value, at, depth: 0 }];
  while (pending.length > 0) {
    const next = pending.pop() as { value: unknown; at: string; depth: number };
    const item = next.value;
    if (typeof item === 'string') {
      if (item.includes('\u0000')) return { kind: 'nul', field: next.at };
      continue;
    }
    if (!item || typeof item !== 'object') continue;
    const depth = next.depth + 1;
    if (depth > MAX_REQUEST_DEPTH) return { kind: 'depth', field: at };
    // Pushed in reverse, so the first problem in document order is found first.
    const children: { value: unknown; at: string; depth: number }[] = [];
    if (Array.isArray(item)) {
      item.forEach((child, i) => {
        children.push({ value: child, at: `${next.at}[${i}]`, depth });
      });
    } else {
      for (const [key, child] of Object.entries(item)) {
        if (key.includes('\u0000')) return { kind: 'nul', field: next.at };
        children.push({ value: child, at: `${next.at}.${key}`, depth });
      }
    }
    for (let i = children.length - 1; i >= 0; i -= 1) pending.push(children[i] as (typeof children)[number]);
  }
  return undefined;
}

/** Refuses, with 400, any request whose body, query or path parameters hold a NUL character or nest too deeply. */
export function refuseUnsafeRequestData(app: FastifyInstance): void {
  app.addHook('preValidation', async (request) => {
    const parts: [string, unknown][] = [
      ['params', request.params],
      ['query', request.query],
      ['body', request.body],
    ];
    for (const [part, value] of parts) {
      const problem = requestDataProblem(value, part);
      if (problem?.kind === 'nul') throw AppError.invalid(problem.field, 'contains a NUL character (U+0000)', 'text without NUL characters');
      if (problem?.kind === 'depth') {
        throw AppError.invalid(
          problem.field,
          `is nested more than ${MAX_REQUEST_DEPTH} levels deep`,
          `JSON nested at most ${MAX_REQUEST_DEPTH} levels deep (objects and arrays inside one another)`,
        );
      }
    }
  });
}
