/**
 * How requests are validated against their schemas. Query strings and path parameters are text,
 * so their values are read as the schema's type ("5" → 5, "true" → true). JSON bodies are not
 * converted: a body already has types, and converting them would turn `"confirm": 1` into true
 * (a delete) or a lone string into a list of task ids. Unknown body fields are refused, never
 * dropped: a misspelt option must not silently keep its default.
 */
import { Ajv, type Options } from 'ajv';
import addFormatsPlugin from 'ajv-formats';
import type { FastifySchemaCompiler } from 'fastify';
import { zonedIsoDateTime } from '../util/time.js';

/** The format name of a date and time whose zone may be left out. */
export const LOCAL_OR_ZONED_DATE_TIME = 'date-time-zone-optional';

// ajv-formats is CommonJS with a default export of a function.
const addFormats = addFormatsPlugin as unknown as (ajv: Ajv) => Ajv;

const COMMON: Options = {
  // Every problem at once, with the offending value (the envelope names each field).
  allErrors: true,
  verbose: true,
  useDefaults: true,
  removeAdditional: false,
  // With strictNumbers on, Ajv coerces "Infinity" to Infinity and then skips minimum/maximum
  // (ajv#2212); off, every request number's bounds refuse it (each has a maximum).
  strictNumbers: false,
  // TypeBox and @fastify/swagger add keywords of their own (descriptions, examples).
  strict: false,
};

/** `date-time` with the zone optional (without one: the server's): what the existing service's clients send. */
const withFormats = (ajv: Ajv) =>
  addFormats(ajv).addFormat(LOCAL_OR_ZONED_DATE_TIME, { type: 'string', validate: (value: string) => zonedIsoDateTime(value) !== undefined });

const textParts = withFormats(new Ajv({ ...COMMON, coerceTypes: 'array' }));
const bodies = withFormats(new Ajv({ ...COMMON, coerceTypes: false }));

export const validatorCompiler: FastifySchemaCompiler<object> = ({ schema, httpPart }) =>
  (httpPart === 'body' ? bodies : textParts).compile(schema) as ReturnType<FastifySchemaCompiler<object>>;
