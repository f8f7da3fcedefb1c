/**
 * PostgreSQL text cannot hold NUL (U+0000): a string with one would reach the task store or a
 * source database and fail there, as a server error. Requests are checked at the edge instead, and
 * the field is named.
 */
import type { FastifyInstance } from 'fastify';
import { ApiError } from './envelope.js';

/** Where the first NUL is (`body.tables[2]`), in string values and in object keys; undefined if none. */
export function fieldWithNul(value: unknown, at: string): string | undefined {
  if (typeof value === 'string') return value.includes('\u0000') ? at : undefined;
  if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) {
      const found = fieldWithNul(item, `${at}[${i}]`);
      if (found) return found;
    }
    return undefined;
  }
  if (value && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      if (key.includes('\u0000')) return at;
      const found = fieldWithNul(item, `${at}.${key}`);
      if (found) return found;
    }
  }
  return undefined;
}

/** Refuses, with 400, any request whose body, query or path parameters hold a NUL character. */
export function refuseNulCharacters(app: FastifyInstance): void {
  app.addHook('preValidation', async (request) => {
    const parts: [string, unknown][] = [
      ['params', request.params],
      ['query', request.query],
      ['body', request.body],
    ];
    for (const [part, value] of parts) {
      const field = fieldWithNul(value, part);
      if (field) throw ApiError.invalid(field, 'contains a NUL character (U+0000)', 'text without NUL characters');
    }
  });
}
