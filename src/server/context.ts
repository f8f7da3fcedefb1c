/**
 * What the routes hold: the services' context (passed on to the use cases, never used directly)
 * and the server's own state. The typed Fastify instance: request bodies, queries and parameters
 * are typed by their TypeBox schemas, and handlers' answers by their response schemas.
 */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyBaseLogger, FastifyInstance, RawReplyDefaultExpression, RawRequestDefaultExpression, RawServerDefault } from 'fastify';
import type { ServiceContext } from '../services/context.js';

export interface AppContext {
  services: ServiceContext;
  /** Aborted when the server starts stopping: long-lived responses (SSE) end. */
  shutdown: AbortSignal;
}

export type ApiServer = FastifyInstance<RawServerDefault, RawRequestDefaultExpression, RawReplyDefaultExpression, FastifyBaseLogger, TypeBoxTypeProvider>;
