/**
 * The Fastify application: JSON schemas (TypeBox) for validation, serialization and the OpenAPI
 * 3.1 document (/openapi.json, /docs), the response envelope, optional bearer-token auth on /api,
 * request and upload size limits, and the routes. No state of its own: everything is in `ctx`.
 */
import multipart from '@fastify/multipart';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyReply } from 'fastify';
import { timingSafeEqual } from 'node:crypto';
import { health } from '../services/health.js';
import { errorResponses } from './schemas/common.js';
import { HealthResponse } from './schemas/tasks.js';
import type { ApiServer, AppContext } from './context.js';
import { errorBody, successBody } from './envelope.js';
import { AppError } from '../errors.js';
import { refuseUnsafeRequestData } from './request-data-guard.js';
import { installErrorHandling } from './errors.js';
import { nullFieldsAsAbsent } from './hooks.js';
import { validatorCompiler } from './validation.js';
import { backupRoutes } from './routes/backups.js';
import { databaseRoutes } from './routes/database.js';
import { eventRoutes } from './routes/events.js';
import { fileRoutes } from './routes/files.js';
import { pairRoutes } from './routes/pairs.js';
import { logRoutes } from './routes/logs.js';
import { tableListRoutes } from './routes/table-list.js';
import { taskRoutes } from './routes/tasks.js';
import { vectorRoutes } from './routes/vector.js';
import { CONSOLE_ROUTES, consoleRoutes } from './web-console.js';

/** JSON bodies larger than this are refused with 413 (uploads have their own limits). */
export const JSON_BODY_LIMIT = 1024 * 1024;
const MULTIPART_LIMIT = 10 * 1024 * 1024;

const MULTIPART_DOCS: Record<string, Record<string, unknown>> = {
  'POST /api/v0/data_pipeline/tasks/:task_id/upload-table-list': {
    file: { type: 'string', format: 'binary', description: 'the table list: a .txt file, UTF-8 or GBK, at most 2 MB' },
  },
  'POST /api/v0/data_pipeline/tasks/:task_id/files': {
    file: { type: 'string', format: 'binary', description: '.ddl .md .txt .json .sql .csv, at most 10 MB; stored under its base name' },
    overwrite_mode: { type: 'string', enum: ['backup', 'replace', 'skip'], default: 'backup' },
  },
};

export interface BuildOptions {
  /** Fastify's logger option: pino settings, `false` for none. */
  logger?: boolean | Record<string, unknown>;
}

function tokenMatches(expected: string, header: string | undefined): boolean {
  const given = /^Bearer (.+)$/i.exec(header ?? '')?.[1] ?? '';
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

export async function buildApp(ctx: AppContext, options: BuildOptions = {}): Promise<ApiServer> {
  const app = Fastify({
    logger: options.logger ?? false,
    bodyLimit: JSON_BODY_LIMIT,
    // File names may be 255 characters long; the router's default limit is 100.
    routerOptions: { maxParamLength: 300 },
    // Errors the router raises before any route (a malformed URL) get the envelope too.
    frameworkErrors: (error, _request, reply: FastifyReply) => {
      const appError = new AppError(error.statusCode === 414 ? 'URL_TOO_LONG' : 'INVALID_URL', `the request URL is invalid: ${error.message}`);
      void reply.code(appError.status).send(errorBody(appError));
    },
  }).withTypeProvider<TypeBoxTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  installErrorHandling(app, { jsonBodyBytes: JSON_BODY_LIMIT });
  refuseUnsafeRequestData(app);
  app.addHook('preValidation', nullFieldsAsAbsent);

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Data Pipeline API',
        version: '0.1.0',
        description: 'Tasks that turn a PostgreSQL database into text-to-SQL training data. Every response uses the envelope {code, success, message, data}.',
      },
      components: ctx.services.settings.server.apiToken ? { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } } : {},
      security: ctx.services.settings.server.apiToken ? [{ bearer: [] }] : [],
    },
    // Multipart routes read their parts themselves (no body schema to validate); describe the parts
    // in the document anyway, so clients know the field names.
    transform: ({ schema, url, route }) => {
      const fields = MULTIPART_DOCS[`${route.method} ${url}`];
      if (!fields || !schema) return { schema, url };
      return { schema: { ...schema, body: { type: 'object', required: ['file'], properties: fields } }, url };
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  await app.register(multipart, { limits: { fileSize: MULTIPART_LIMIT, files: 1, fields: 10, fieldSize: 1024 } });

  const token = ctx.services.settings.server.apiToken;
  if (token) {
    app.addHook('onRequest', async (request, reply) => {
      // Decided on the route the router matched, not on the raw URL: the router decodes the path,
      // so `/%61pi/v0/...` reaches the /api routes while not starting with "/api/". Only the API
      // documentation and the console's static files are public; every other path (unknown ones included) needs the token.
      const route = request.routeOptions.url;
      if (route === '/openapi.json' || route === '/docs' || route?.startsWith('/docs/')) return;
      // The console's page and assets hold no data: it asks for the token and sends it to the API.
      if ((CONSOLE_ROUTES as readonly (string | undefined)[]).includes(route)) return;
      if (!tokenMatches(token, request.headers.authorization)) {
        await reply
          .status(401)
          .header('www-authenticate', 'Bearer')
          .send(errorBody(new AppError('UNAUTHORIZED', 'missing or wrong bearer token: send Authorization: Bearer <API_TOKEN>')));
      }
    });
  }

  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  app.get('/api/v0/health', { schema: { tags: ['health'], summary: 'Liveness', response: { 200: HealthResponse, ...errorResponses } } }, async () =>
    successBody(200, 'ok', health(ctx.services)),
  );

  taskRoutes(app, ctx);
  tableListRoutes(app, ctx);
  fileRoutes(app, ctx);
  pairRoutes(app, ctx);
  logRoutes(app, ctx);
  databaseRoutes(app, ctx);
  eventRoutes(app, ctx);
  backupRoutes(app, ctx);
  vectorRoutes(app, ctx);
  await consoleRoutes(app);
  return app;
}
