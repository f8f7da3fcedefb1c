/**
 * Every JSON response a test server sends is checked against what /openapi.json documents for its
 * route, method and status (before serialization, so a field the schema does not list is caught
 * rather than silently dropped). Violations are collected; the test server fails its close() when
 * there are any, so every API test file checks the document as a side effect.
 */
import { Ajv, type ValidateFunction } from 'ajv';
import type { ApiServer } from '../../src/server/context.js';

export interface ResponseViolation {
  route: string;
  status: number;
  errors: string;
}

interface OpenApiDocument {
  paths: Record<string, Record<string, { responses?: Record<string, { content?: Record<string, { schema?: object }> }> }>>;
}

/** `/tasks/:task_id/files/:file_name` → `/tasks/{task_id}/files/{file_name}`, as the document spells paths. */
const openApiPath = (url: string) => url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');

export class ResponseConformance {
  readonly violations: ResponseViolation[] = [];
  readonly checked = { count: 0 };
  private readonly ajv = new Ajv({ strict: false, validateFormats: false, allErrors: true });
  private readonly validators = new Map<string, ValidateFunction | null>();
  private document: OpenApiDocument | undefined;

  /** Installs the check on an app before it listens. */
  observe(app: ApiServer): void {
    app.addHook('preSerialization', async (request, reply, payload) => {
      const route = request.routeOptions.url;
      if (!route || route === '/openapi.json' || typeof payload !== 'object' || payload === null) return payload;
      this.document ??= app.swagger() as unknown as OpenApiDocument;
      const key = `${request.method} ${route} ${reply.statusCode}`;
      if (!this.validators.has(key)) {
        const schema =
          this.document.paths[openApiPath(route)]?.[request.method.toLowerCase()]?.responses?.[String(reply.statusCode)]?.content?.['application/json']?.schema;
        this.validators.set(key, schema ? this.ajv.compile(schema) : null);
      }
      const validate = this.validators.get(key);
      this.checked.count += 1;
      if (!validate) {
        this.violations.push({ route: key, status: reply.statusCode, errors: 'no response schema for this status in /openapi.json' });
      } else if (!validate(payload)) {
        this.violations.push({ route: key, status: reply.statusCode, errors: this.ajv.errorsText(validate.errors, { separator: '; ' }) });
      }
      return payload;
    });
  }

  /** Throws when any response broke its documented schema. */
  assertClean(): void {
    if (this.violations.length === 0) return;
    const lines = this.violations.slice(0, 20).map((v) => `${v.route}: ${v.errors}`);
    throw new Error(`${this.violations.length} response(s) do not match /openapi.json:\n${lines.join('\n')}`);
  }
}
