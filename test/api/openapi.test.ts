/**
 * The OpenAPI document: version 3.1.x, every task, table-list, file, log and database route with
 * its parameters, request schema (fields, enums, bounds, defaults) and its success and error
 * responses, complete and closed (every response of the suite is checked against them by
 * test/support/response-conformance.ts); and the Swagger UI at /docs.
 */
import { promises as fs } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/api-server.js';
import { STEP_NAMES } from '../../src/workflow/steps/catalog.js';

const TASKS = '/api/v0/data_pipeline/tasks';
const TASK = `${TASKS}/{task_id}`;

interface Operation {
  parameters?: { in: string; name: string; required?: boolean; schema: Record<string, any> }[];
  requestBody?: { content: Record<string, { schema: { properties: Record<string, any>; required?: string[] } }> };
  responses: Record<string, unknown>;
}

interface Expected {
  method: 'get' | 'post' | 'delete';
  path: string;
  success?: '200' | '201' | '202';
  pathParams?: string[];
  query?: string[];
  body?: string[];
  required?: string[];
}

/** Every endpoint the contract tests cover, with what its request is made of. */
const EXPECTED: Expected[] = [
  {
    method: 'post',
    path: TASKS,
    success: '201',
    body: [
      'task_name',
      'db_connection',
      'db_name',
      'business_context',
      'table_list_file',
      'enable_sql_validation',
      'enable_llm_repair',
      'modify_original_file',
      'enable_training_data_load',
      'language',
    ],
  },
  {
    method: 'post',
    path: `${TASK}/execute`,
    success: '202',
    pathParams: ['task_id'],
    body: ['execution_mode', 'step_name', 'backup_vector_tables', 'truncate_vector_tables', 'skip_training'],
  },
  { method: 'get', path: TASK, success: '200', pathParams: ['task_id'] },
  { method: 'get', path: TASKS, success: '200', query: ['limit', 'offset', 'status'] },
  {
    method: 'post',
    path: `${TASKS}/query`,
    success: '200',
    body: [
      'page',
      'page_size',
      'status',
      'task_name',
      'created_by',
      'db_name',
      'created_time_start',
      'created_time_end',
      'started_time_start',
      'started_time_end',
      'completed_time_start',
      'completed_time_end',
      'sort_by',
      'sort_order',
    ],
  },
  {
    method: 'delete',
    path: TASKS,
    success: '200',
    body: ['task_ids', 'confirm', 'delete_database_records', 'continue_on_error'],
    required: ['task_ids', 'confirm'],
    query: ['task_ids', 'confirm'],
  },
  { method: 'post', path: `${TASK}/cancel`, success: '200', pathParams: ['task_id'] },
  { method: 'post', path: `${TASK}/upload-table-list`, success: '200', pathParams: ['task_id'] },
  { method: 'post', path: `${TASK}/table-list`, success: '200', pathParams: ['task_id'], body: ['tables'], required: ['tables'] },
  { method: 'get', path: `${TASK}/table-list-info`, success: '200', pathParams: ['task_id'] },
  { method: 'get', path: `${TASK}/files`, success: '200', pathParams: ['task_id'] },
  // The download's success is a file, not the envelope: only its errors are described.
  { method: 'get', path: `${TASK}/files/{file_name}`, pathParams: ['task_id', 'file_name'] },
  { method: 'post', path: `${TASK}/files`, success: '200', pathParams: ['task_id'] },
  { method: 'get', path: `${TASK}/logs`, success: '200', pathParams: ['task_id'], query: ['limit', 'level'] },
  {
    method: 'post',
    path: `${TASK}/logs/query`,
    success: '200',
    pathParams: ['task_id'],
    body: ['page', 'page_size', 'level', 'start_time', 'end_time', 'keyword', 'logger_name', 'step_name', 'sort_by', 'sort_order'],
  },
  { method: 'post', path: '/api/v0/database/tables', success: '200', body: ['db_connection', 'schema', 'table_name_pattern'] },
  { method: 'post', path: '/api/v0/database/table/ddl', success: '200', body: ['table', 'db_connection', 'business_context', 'type'], required: ['table'] },
];

let server: TestServer;
let doc: { openapi: string; info: Record<string, unknown>; paths: Record<string, Record<string, Operation>> };

beforeAll(async () => {
  server = await startTestServer();
  const res = await server.call('GET', '/openapi.json');
  expect(res.status).toBe(200);
  doc = res.body as unknown as typeof doc;
});
afterAll(async () => {
  await server?.close();
  if (server) await fs.rm(server.root, { recursive: true, force: true });
});

function operation(method: string, path: string): Operation {
  const op = doc.paths[path]?.[method];
  expect(op, `${method.toUpperCase()} ${path} is not in /openapi.json`).toBeDefined();
  return op as Operation;
}

function bodySchema(method: string, path: string) {
  const schema = operation(method, path).requestBody?.content['application/json']?.schema;
  expect(schema, `${method.toUpperCase()} ${path} has no JSON request schema`).toBeDefined();
  return schema as { properties: Record<string, any>; required?: string[] };
}

function parameter(method: string, path: string, where: string, name: string) {
  return operation(method, path).parameters?.find((p) => p.in === where && p.name === name);
}

describe('/openapi.json', () => {
  it('is an OpenAPI 3.1.x document with a title and version', () => {
    expect(doc.openapi).toMatch(/^3\.1\.\d+$/);
    expect(doc.info).toMatchObject({ title: expect.any(String), version: expect.any(String) });
  });

  it('lists every route with its path parameters, query parameters and request body fields', () => {
    for (const route of EXPECTED) {
      const label = `${route.method.toUpperCase()} ${route.path}`;
      const op = operation(route.method, route.path);
      for (const name of route.pathParams ?? []) {
        expect(parameter(route.method, route.path, 'path', name), `${label}: path parameter ${name}`).toMatchObject({ required: true });
      }
      for (const name of route.query ?? []) {
        expect(parameter(route.method, route.path, 'query', name), `${label}: query parameter ${name}`).toBeDefined();
      }
      if (route.body) {
        const schema = bodySchema(route.method, route.path);
        expect(Object.keys(schema.properties), label).toEqual(expect.arrayContaining(route.body));
        expect(sortedOrEmpty(schema.required), `${label}: required fields`).toEqual(sortedOrEmpty(route.required));
      }
      if (route.success) expect(Object.keys(op.responses), `${label}: responses`).toContain(route.success);
      expect(Object.keys(op.responses), `${label}: responses`).toEqual(expect.arrayContaining(['400', '404']));
    }
  });

  it('documents the enums, bounds and defaults of the request fields', () => {
    const execute = bodySchema('post', `${TASK}/execute`).properties;
    expect(execute.execution_mode).toMatchObject({ enum: ['complete', 'step'], default: 'complete' });
    expect(execute.step_name.enum).toEqual([...STEP_NAMES]);
    expect(execute.backup_vector_tables).toMatchObject({ type: 'boolean', default: false });

    const create = bodySchema('post', TASKS).properties;
    for (const flag of ['enable_sql_validation', 'enable_llm_repair', 'modify_original_file', 'enable_training_data_load']) {
      expect(create[flag], flag).toMatchObject({ type: 'boolean', default: true });
    }
    expect(create.language.enum).toEqual(['en', 'zh']);

    expect(parameter('get', TASKS, 'query', 'limit')?.schema).toMatchObject({ type: 'integer', minimum: 1, maximum: 100, default: 50 });
    expect(parameter('get', TASKS, 'query', 'offset')?.schema).toMatchObject({ minimum: 0, default: 0 });
    expect(parameter('get', TASKS, 'query', 'status')?.schema.enum).toEqual([
      'pending',
      'in_progress',
      'partial_completed',
      'completed',
      'failed',
      'running',
      'cancelled',
    ]);

    const query = bodySchema('post', `${TASKS}/query`).properties;
    expect(query.page).toMatchObject({ minimum: 1, default: 1 });
    expect(query.page_size).toMatchObject({ minimum: 1, maximum: 100, default: 20 });
    expect(query.sort_by.enum).toEqual(['created_at', 'started_at', 'completed_at', 'task_name', 'status']);
    expect(query.sort_order).toMatchObject({ enum: ['asc', 'desc'], default: 'desc' });
    expect(query.created_time_start).toMatchObject({ type: 'string', format: 'date-time-zone-optional' });

    const remove = bodySchema('delete', TASKS).properties;
    expect(remove.task_ids).toMatchObject({ type: 'array', minItems: 1 });
    expect(remove.delete_database_records).toMatchObject({ default: false });
    expect(remove.continue_on_error).toMatchObject({ default: true });

    expect(parameter('get', `${TASK}/logs`, 'query', 'limit')?.schema).toMatchObject({ minimum: 1, maximum: 1000, default: 100 });
    expect(parameter('get', `${TASK}/logs`, 'query', 'level')?.schema.enum).toEqual(['DEBUG', 'INFO', 'WARNING', 'ERROR', 'CRITICAL']);
    const logs = bodySchema('post', `${TASK}/logs/query`).properties;
    expect(logs.page_size).toMatchObject({ minimum: 1, maximum: 500 });
    expect(logs.keyword).toMatchObject({ maxLength: 200 });

    expect(bodySchema('post', '/api/v0/database/table/ddl').properties.type).toMatchObject({ enum: ['ddl', 'md', 'both'], default: 'ddl' });
    expect(parameter('get', TASK, 'path', 'task_id')?.schema.pattern).toBe('^[A-Za-z0-9_-]{1,64}$');
  });

  it('describes the parts of the multipart uploads', () => {
    const upload = doc.paths['/api/v0/data_pipeline/tasks/{task_id}/files']?.post?.requestBody?.content?.['multipart/form-data']?.schema;
    expect(upload).toMatchObject({ required: ['file'], properties: { file: { format: 'binary' }, overwrite_mode: { enum: ['backup', 'replace', 'skip'] } } });
    const tableList = doc.paths['/api/v0/data_pipeline/tasks/{task_id}/upload-table-list']?.post?.requestBody?.content?.['multipart/form-data']?.schema;
    expect(tableList).toMatchObject({ required: ['file'], properties: { file: { format: 'binary' } } });
  });

  it('describes the error envelope on the error responses', () => {
    const op = operation('post', TASKS) as Operation & {
      responses: Record<string, { content: Record<string, { schema: { properties: Record<string, any> } }> }>;
    };
    const error = op.responses['400']?.content['application/json']?.schema;
    expect(Object.keys(error?.properties ?? {})).toEqual(expect.arrayContaining(['code', 'success', 'message', 'data']));
    expect(Object.keys(error?.properties.data.properties)).toEqual(
      expect.arrayContaining(['response', 'timestamp', 'error_type', 'error_code', 'missing_params', 'invalid_params']),
    );
  });

  it('documents every JSON success response as a closed object, down to its nested objects', () => {
    const open: string[] = [];
    const walk = (schema: Record<string, any> | undefined, at: string) => {
      if (!schema || typeof schema !== 'object') return;
      if (schema.type === 'object' && schema.properties && schema.additionalProperties !== false) open.push(at);
      for (const [name, child] of Object.entries((schema.properties ?? {}) as Record<string, any>)) walk(child, `${at}.${name}`);
      if (schema.items) walk(schema.items, `${at}[]`);
      for (const branch of [...(schema.anyOf ?? []), ...(schema.oneOf ?? [])]) walk(branch, at);
    };
    let documented = 0;
    for (const [path, operations] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(operations)) {
        for (const [status, response] of Object.entries(op.responses as Record<string, { content?: Record<string, { schema?: Record<string, any> }> }>)) {
          const schema = response.content?.['application/json']?.schema;
          if (!schema) continue;
          documented += 1;
          walk(schema, `${method.toUpperCase()} ${path} ${status}`);
        }
      }
    }
    expect(documented).toBeGreaterThan(100);
    expect(open).toEqual([]);
  });

  it('bounds every number a request may carry (so "Infinity" and 1e400 are refused, never passed on)', () => {
    const unbounded: string[] = [];
    const walk = (schema: Record<string, any> | undefined, at: string) => {
      if (!schema || typeof schema !== 'object') return;
      if ((schema.type === 'integer' || schema.type === 'number') && (typeof schema.minimum !== 'number' || typeof schema.maximum !== 'number'))
        unbounded.push(at);
      for (const [name, child] of Object.entries((schema.properties ?? {}) as Record<string, any>)) walk(child, `${at}.${name}`);
      if (schema.items) walk(schema.items, `${at}[]`);
      for (const branch of [...(schema.anyOf ?? []), ...(schema.oneOf ?? [])]) walk(branch, at);
    };
    for (const [path, operations] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(operations)) {
        for (const p of op.parameters ?? []) walk(p.schema, `${method.toUpperCase()} ${path} ${p.in}.${p.name}`);
        walk(op.requestBody?.content['application/json']?.schema, `${method.toUpperCase()} ${path} body`);
      }
    }
    expect(unbounded).toEqual([]);
  });

  it('asks for no authentication when no token is configured', () => {
    expect((doc as { security?: unknown[] }).security ?? []).toEqual([]);
  });
});

describe('/docs', () => {
  it('answers the Swagger UI as HTML', async () => {
    const response = await fetch(`${server.url}/docs`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await response.text()).toMatch(/<html[\s\S]*Swagger UI/i);
  });
});

function sortedOrEmpty(values: string[] | undefined): string[] {
  return [...(values ?? [])].sort();
}
