/**
 * The security requirements of the API, over real HTTP on loopback:
 *   - the bearer token guards every /api route (and only those);
 *   - task ids are validated on every route before anything touches the file system;
 *   - file names and server paths cannot leave their task directory or the data root (traversal
 *     battery, links planted inside a task directory and in place of one), proved with canary files
 *     outside the data root whose content and mtime must not change and must never be sent back;
 *   - upload names are reduced to a safe base name; size limits answer 413 and leave nothing behind;
 *   - DELETE refuses active runs, invalid ids and linked task directories;
 *   - the database password appears in no response, file or log, even when a run fails.
 * Requests go through node:http with raw paths, so `..` and `%2e%2e` reach the server unnormalised.
 */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../src/server/serve.js';
import { startTestServer, type TestServer } from '../support/api-server.js';
import { createSampleDatabaseOnServer, createScratchDatabase, makeTempDir, testSettings, urlForDatabase, type ScratchDatabase } from '../support/env.js';
import { startScriptedOpenAI, type ScriptedOpenAIServer } from '../support/scripted-openai-server.js';

const BASE = '/api/v0/data_pipeline/tasks';
/** In every canary; a response that contains it read something outside. */
const SALT = randomBytes(6).toString('hex');
const CANARY = `CANARY_${SALT}`;

// ---------------------------------------------------------------------------------------------
// HTTP with raw paths, recording every body received.

interface Reply {
  status: number;
  text: string;
  json: any;
  headers: http.IncomingHttpHeaders;
}

interface Part {
  name: string;
  value?: string;
  filename?: string;
  content?: Buffer | string;
}

/** A multipart/form-data body written by hand, so file names reach the server byte for byte. */
function multipartBody(parts: Part[]): { body: Buffer; contentType: string } {
  const boundary = `----dpsecurity${randomBytes(8).toString('hex')}`;
  const chunks: Buffer[] = [];
  for (const part of parts) {
    chunks.push(Buffer.from(`--${boundary}\r\n`));
    if (part.filename !== undefined) {
      chunks.push(
        Buffer.from(
          `Content-Disposition: form-data; name="${part.name}"; filename="${part.filename.replace(/"/g, '%22')}"\r\nContent-Type: application/octet-stream\r\n\r\n`,
          'utf8',
        ),
      );
      chunks.push(Buffer.isBuffer(part.content) ? part.content : Buffer.from(part.content ?? '', 'utf8'));
    } else {
      chunks.push(Buffer.from(`Content-Disposition: form-data; name="${part.name}"\r\n\r\n${part.value ?? ''}`, 'utf8'));
    }
    chunks.push(Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: Buffer.concat(chunks), contentType: `multipart/form-data; boundary=${boundary}` };
}

class Client {
  /** Every response body (and SSE stream) this client received. */
  readonly seen: string[] = [];

  constructor(
    readonly base: string,
    private readonly defaultHeaders: Record<string, string> = {},
  ) {}

  send(method: string, rawPath: string, options: { body?: Buffer | string; headers?: Record<string, string> } = {}): Promise<Reply> {
    const url = new URL(this.base);
    const body = options.body === undefined ? undefined : Buffer.isBuffer(options.body) ? options.body : Buffer.from(options.body, 'utf8');
    const headers: Record<string, string | number> = { ...this.defaultHeaders, ...options.headers };
    if (body) headers['content-length'] = body.length;
    return new Promise((resolve, reject) => {
      let answered = false;
      const req = http.request({ host: url.hostname, port: url.port, method, path: rawPath, headers }, (res) => {
        answered = true;
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          this.seen.push(text);
          let json: unknown;
          try {
            json = JSON.parse(text);
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, text, json, headers: res.headers });
        });
      });
      // A server may answer (413) before the whole body is sent, then close: not an error for us.
      req.on('error', (error) => {
        if (!answered) reject(error);
      });
      req.end(body);
    });
  }

  json(method: string, rawPath: string, payload?: unknown, headers: Record<string, string> = {}): Promise<Reply> {
    if (payload === undefined) return this.send(method, rawPath, { headers });
    return this.send(method, rawPath, { body: JSON.stringify(payload), headers: { 'content-type': 'application/json', ...headers } });
  }

  upload(
    rawPath: string,
    filename: string,
    content: Buffer | string,
    fields: Record<string, string> = {},
    headers: Record<string, string> = {},
  ): Promise<Reply> {
    const parts: Part[] = [...Object.entries(fields).map(([name, value]) => ({ name, value })), { name: 'file', filename, content }];
    const { body, contentType } = multipartBody(parts);
    return this.send('POST', rawPath, { body, headers: { 'content-type': contentType, ...headers } });
  }

  /** The task's Server-Sent Events until the stream ends (it ends once no run is active). */
  async events(taskId: string): Promise<string> {
    const response = await fetch(`${this.base}${BASE}/${taskId}/events`, { headers: this.defaultHeaders, signal: AbortSignal.timeout(90_000) });
    const text = await response.text();
    this.seen.push(text);
    expect(response.status).toBe(200);
    return text;
  }
}

/** Bytes as written, for what an HTTP client would refuse to send (a NUL in the path). */
function rawHttp(base: string, request: string): Promise<string> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(url.port), url.hostname, () => socket.write(Buffer.from(request, 'latin1')));
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', reject);
    socket.on('close', () => resolve(Buffer.concat(chunks).toString('latin1')));
  });
}

function expectErrorEnvelope(reply: Reply, status: number | number[], label = ''): void {
  const statuses = Array.isArray(status) ? status : [status];
  expect(statuses, `${label}: HTTP ${reply.status} ${reply.text.slice(0, 300)}`).toContain(reply.status);
  expect(reply.json, `${label}: not JSON: ${reply.text.slice(0, 200)}`).toBeDefined();
  expect(reply.json).toMatchObject({ code: reply.status, success: false, data: { error_type: expect.any(String), response: expect.any(String) } });
}

// ---------------------------------------------------------------------------------------------
// Canaries: files outside the data root (and next to it) that nothing may read, write or delete.

interface Entry {
  kind: 'file' | 'dir' | 'link' | 'other';
  size: number;
  mtimeMs: number;
  content?: string;
  target?: string;
}

/** Every entry below `dir` (links not followed), with file contents; `skip` names top-level entries to leave out. */
async function snapshot(dir: string, skip: string[] = []): Promise<Map<string, Entry>> {
  const out = new Map<string, Entry>();
  const walk = async (current: string, depth: number): Promise<void> => {
    for (const name of (await fs.readdir(current)).sort()) {
      if (depth === 0 && skip.includes(name)) continue;
      const full = path.join(current, name);
      const stat = await fs.lstat(full);
      const rel = path.relative(dir, full);
      if (stat.isSymbolicLink()) out.set(rel, { kind: 'link', size: stat.size, mtimeMs: stat.mtimeMs, target: await fs.readlink(full) });
      else if (stat.isDirectory()) {
        out.set(rel, { kind: 'dir', size: 0, mtimeMs: stat.mtimeMs });
        await walk(full, depth + 1);
      } else if (stat.isFile()) out.set(rel, { kind: 'file', size: stat.size, mtimeMs: stat.mtimeMs, content: await fs.readFile(full, 'utf8') });
      else out.set(rel, { kind: 'other', size: stat.size, mtimeMs: stat.mtimeMs });
    }
  };
  await walk(dir, 0);
  return out;
}

class Canaries {
  private readonly files = new Map<string, { content: string; mtimeMs: number }>();
  private readonly trees: { dir: string; skip: string[]; before: Map<string, Entry> }[] = [];
  private passwdLine = '';

  async plant(file: string, label: string, content = `${CANARY} ${label}\n`): Promise<void> {
    await fs.mkdir(path.dirname(file), { recursive: true });
    await fs.writeFile(file, content);
    // An mtime in the past: any write, even of the same bytes, changes it.
    const past = new Date(Date.now() - 3_600_000);
    await fs.utimes(file, past, past);
    this.files.set(file, { content, mtimeMs: (await fs.stat(file)).mtimeMs });
  }

  /** Records a whole tree: later, nothing in it may have appeared, changed or gone. */
  async watch(dir: string, skip: string[] = []): Promise<void> {
    this.trees.push({ dir, skip, before: await snapshot(dir, skip) });
    this.passwdLine = (await fs.readFile('/etc/passwd', 'utf8').catch(() => '')).split('\n')[0] ?? '';
  }

  async expectIntact(seen: string[] = []): Promise<void> {
    for (const [file, expected] of this.files) {
      const stat = await fs.lstat(file);
      expect(stat.isFile(), `${file} is still a file`).toBe(true);
      expect(await fs.readFile(file, 'utf8'), `${file} content`).toBe(expected.content);
      expect(stat.mtimeMs, `${file} mtime`).toBe(expected.mtimeMs);
    }
    for (const tree of this.trees) {
      const after = await snapshot(tree.dir, tree.skip);
      expect([...after.keys()], `entries under ${tree.dir}`).toEqual([...tree.before.keys()]);
      for (const [rel, entry] of tree.before) {
        const now = after.get(rel) as Entry;
        if (entry.kind === 'dir') expect(now.kind, rel).toBe('dir');
        else expect(now, rel).toEqual(entry);
      }
    }
    for (const text of seen) {
      expect(text.includes(SALT), `a response carried canary content: ${text.slice(0, 300)}`).toBe(false);
      if (this.passwdLine) expect(text.includes(this.passwdLine), 'a response carried /etc/passwd').toBe(false);
    }
  }
}

async function listDir(dir: string): Promise<string[]> {
  return (await fs.readdir(dir)).sort();
}

/** Every regular file below `dir`, recursively (links not followed). */
async function allFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await fs.readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await allFiles(full)));
    else if (entry.isFile()) out.push(full);
  }
  return out;
}

async function createTask(client: Client, body: Record<string, unknown> = {}): Promise<string> {
  const created = await client.json('POST', BASE, { db_connection: 'sample', ...body });
  expect(created.status, created.text).toBe(201);
  return created.json.data.task_id as string;
}

async function waitFinal(client: Client, taskId: string, timeoutMs = 90_000): Promise<Reply> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const reply = await client.json('GET', `${BASE}/${taskId}`);
    const data = reply.json.data;
    if (!data.active_run && ['completed', 'failed', 'partial_completed'].includes(data.status)) return reply;
    if (Date.now() > deadline) throw new Error(`task ${taskId} still ${data.status} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

// ---------------------------------------------------------------------------------------------

describe('bearer token (API_TOKEN set)', () => {
  const TOKEN = `tok-${randomBytes(12).toString('hex')}`;
  let server: TestServer;
  let anonymous: Client;
  let authorised: Client;
  let taskId: string;

  beforeAll(async () => {
    server = await startTestServer({ env: { API_TOKEN: TOKEN } });
    anonymous = new Client(server.url);
    authorised = new Client(server.url, { authorization: `Bearer ${TOKEN}` });
    taskId = await createTask(authorised, { task_name: 'token' });
  });
  afterAll(async () => server?.close());

  /** Every route the OpenAPI document lists, with its parameters filled in. */
  async function apiRoutes(): Promise<{ method: string; path: string }[]> {
    const doc = await anonymous.json('GET', '/openapi.json');
    const routes: { method: string; path: string }[] = [];
    for (const [route, operations] of Object.entries(doc.json.paths as Record<string, Record<string, unknown>>)) {
      for (const method of Object.keys(operations)) {
        if (!['get', 'post', 'put', 'patch', 'delete'].includes(method)) continue;
        routes.push({ method: method.toUpperCase(), path: route.replace('{task_id}', taskId).replace('{file_name}', 'table_list.txt') });
      }
    }
    return routes;
  }

  it('answers 401 with the error envelope on every /api route without the token or with a wrong one', async () => {
    const routes = await apiRoutes();
    // The document covers the routes of the reference (and the ones added here).
    const listed = routes.map((r) => `${r.method} ${r.path}`);
    for (const expected of [
      `POST ${BASE}`,
      `GET ${BASE}`,
      `DELETE ${BASE}`,
      `POST ${BASE}/query`,
      `GET ${BASE}/${taskId}`,
      `POST ${BASE}/${taskId}/execute`,
      `POST ${BASE}/${taskId}/cancel`,
      `GET ${BASE}/${taskId}/events`,
      `POST ${BASE}/${taskId}/upload-table-list`,
      `POST ${BASE}/${taskId}/table-list`,
      `GET ${BASE}/${taskId}/table-list-info`,
      `GET ${BASE}/${taskId}/files`,
      `POST ${BASE}/${taskId}/files`,
      `GET ${BASE}/${taskId}/files/table_list.txt`,
      `GET ${BASE}/${taskId}/logs`,
      `POST ${BASE}/${taskId}/logs/query`,
      'POST /api/v0/database/tables',
      'POST /api/v0/database/table/ddl',
      'GET /api/v0/health',
    ]) {
      expect(listed).toContain(expected);
    }
    const wrong = [
      undefined,
      'Bearer',
      'Bearer ',
      'Bearer wrong-token',
      `Bearer ${TOKEN}x`,
      `Bearer ${TOKEN.slice(0, -1)}`,
      `Bearer  ${TOKEN}`,
      TOKEN,
      `Basic ${Buffer.from(`user:${TOKEN}`).toString('base64')}`,
      `Token ${TOKEN}`,
    ];
    for (const route of [...routes, { method: 'GET', path: '/api/v0/no-such-route' }]) {
      for (const header of wrong) {
        const reply = await anonymous.json(
          route.method,
          route.path,
          route.method === 'GET' ? undefined : {},
          header === undefined ? {} : { authorization: header },
        );
        expectErrorEnvelope(reply, 401, `${route.method} ${route.path} with ${JSON.stringify(header)}`);
        expect(reply.json.data.error_code).toBe('UNAUTHORIZED');
        expect(reply.headers['www-authenticate']).toBe('Bearer');
        expect(reply.text).not.toContain(TOKEN);
      }
    }
    // Nothing was done by the refused requests: still one task, no run.
    const list = await authorised.json('GET', BASE);
    expect(list.json.data.total).toBe(1);
    const task = await authorised.json('GET', `${BASE}/${taskId}`);
    expect(task.json.data).toMatchObject({ status: 'pending', active_run: null });
  });

  it('refuses spellings of /api that the router might still match (encoded, other case, doubled slashes)', async () => {
    for (const route of [
      '/%61pi/v0/health',
      '/%61%70%69/v0/data_pipeline/tasks',
      '/API/v0/health',
      '//api/v0/health',
      `/api/v0/data_pipeline/%74asks/${taskId}`,
      '/api/v0/health/',
    ]) {
      const reply = await anonymous.json('GET', route);
      expect([401, 404], `${route}: ${reply.status} ${reply.text.slice(0, 200)}`).toContain(reply.status);
      expect(reply.json).toMatchObject({ code: reply.status, success: false });
    }
  });

  it('works with the right token', async () => {
    const routes = await apiRoutes();
    for (const route of routes) {
      const reply = await authorised.json(
        route.method,
        route.path,
        route.method === 'GET' ? undefined : route.method === 'DELETE' ? { task_ids: ['task_none'], confirm: true } : {},
      );
      expect(reply.status, `${route.method} ${route.path}: ${reply.text.slice(0, 300)}`).not.toBe(401);
      // This server's store is PostgreSQL without pgvector: the vector backup says so with 503.
      if (reply.status === 503) expect(reply.json.data.error_code, `${route.method} ${route.path}`).toBe('VECTOR_STORE_UNAVAILABLE');
      else expect(reply.status, `${route.method} ${route.path}: ${reply.text.slice(0, 300)}`).toBeLessThan(500);
    }
    expect((await authorised.json('GET', '/api/v0/health')).json).toMatchObject({ code: 200, success: true, data: { status: 'ok' } });
    expect((await authorised.json('GET', `${BASE}/${taskId}`)).json).toMatchObject({ code: 200, success: true, data: { task_id: taskId } });
    const created = await authorised.json('POST', BASE, { db_connection: 'sample', task_name: 'second' });
    expect(created.json).toMatchObject({ code: 201, success: true });
    const tables = await authorised.json('POST', `${BASE}/${taskId}/table-list`, { tables: ['orders'] });
    expect(tables.json).toMatchObject({ code: 200, success: true, data: { table_count: 1 } });
    const download = await authorised.send('GET', `${BASE}/${taskId}/files/table_list.txt`);
    expect(download.status).toBe(200);
    expect(download.text).toBe('public.orders\n');
    // Lower-case scheme is the same scheme (RFC 7235).
    expect((await anonymous.json('GET', '/api/v0/health', undefined, { authorization: `bearer ${TOKEN}` })).status).toBe(200);
  });

  it('keeps /openapi.json and /docs readable without the token', async () => {
    const doc = await anonymous.json('GET', '/openapi.json');
    expect(doc.status).toBe(200);
    expect(doc.json.openapi).toBe('3.1.0');
    expect(doc.json.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(doc.text).not.toContain(TOKEN);
    const docs = await anonymous.send('GET', '/docs');
    expect(docs.status).toBe(200);
    expect(docs.text).toMatch(/swagger/i);
  });
});

// ---------------------------------------------------------------------------------------------

describe('confinement: task ids, paths, uploads, sizes and delete', () => {
  let server: TestServer;
  let client: Client;
  let root: string;
  let dataRoot: string;
  let outside: string;
  let victim: string;
  const canaries = new Canaries();
  /** A task with a table list and links planted in its directory. */
  let taskId: string;
  let taskDir: string;

  beforeAll(async () => {
    server = await startTestServer();
    client = new Client(server.url);
    root = server.root;
    dataRoot = server.settings.trainingDataDir;
    outside = await makeTempDir('dp-outside-');
    victim = path.join(outside, 'victim');
    // Outside the data root: what links and traversals would reach.
    for (const name of ['canary.txt', 'canary.md', 'evil.txt', 'x.txt', 'notes.md', 'table_list.txt'])
      await canaries.plant(path.join(outside, name), `outside/${name}`);
    await canaries.plant(path.join(victim, 'table_list.txt'), 'victim/table_list', `${CANARY}\norders\n`);
    await canaries.plant(path.join(victim, 'data_pipeline.log'), 'victim/log', `2025-01-01 00:00:00 [INFO] canary: [ddl_generation] ${CANARY}\n`);
    await canaries.plant(path.join(victim, 'canary.txt'), 'victim/canary.txt');
    await canaries.plant(path.join(victim, 'sub', 'deep.txt'), 'victim/sub/deep.txt');
    // Next to the data root (its parent) and at its top level, outside every task directory.
    for (const name of ['canary.txt', 'x', 'x.txt', 'evil.txt', 'table_list.txt', 'passwd']) await canaries.plant(path.join(root, name), `root/${name}`);
    for (const name of ['x.txt', 'evil.txt', 'table_list.txt', 'canary.txt']) await canaries.plant(path.join(dataRoot, name), `data-root/${name}`);
    await canaries.watch(outside);
    await canaries.watch(root, [path.basename(dataRoot)]);

    taskId = await createTask(client, { task_name: 'confined' });
    taskDir = path.join(dataRoot, taskId);
    expect((await client.json('POST', `${BASE}/${taskId}/table-list`, { tables: ['orders'] })).status).toBe(200);
  });
  afterAll(async () => {
    await server?.close();
    if (outside) await fs.rm(outside, { recursive: true, force: true });
  });

  it("refuses the data root's own vector_bak folder as a task: nothing in it is listed, written or deleted", async () => {
    const globalBackup = path.join(dataRoot, 'vector_bak', 'langchain_pg_embedding_20250101_000000.csv');
    await canaries.plant(globalBackup, 'data-root/vector_bak');
    const refused = await client.json('DELETE', BASE, { task_ids: ['vector_bak'], confirm: true });
    expectErrorEnvelope(refused, 400, 'delete vector_bak');
    expect(refused.json.data.invalid_params).toEqual([expect.objectContaining({ field: 'task_id', problem: expect.stringMatching(/is reserved/) })]);
    // Checked before anything is deleted: a real task listed with it stays.
    expectErrorEnvelope(await client.json('DELETE', BASE, { task_ids: [taskId, 'vector_bak'], confirm: true }), 400, 'delete with vector_bak');
    expect(await listDir(taskDir)).toContain('table_list.txt');
    expectErrorEnvelope(await client.json('GET', `${BASE}/vector_bak/files`), [400, 404], 'list vector_bak');
    expectErrorEnvelope(await client.upload(`${BASE}/vector_bak/files`, 'x.txt', 'x'), [400, 404], 'upload to vector_bak');
    expect(await fs.readFile(globalBackup, 'utf8')).toMatch(CANARY);
    await canaries.expectIntact(client.seen);
  });

  it('refuses a NUL character anywhere in a request with 400 naming the field, before the store or a database sees it', async () => {
    const cases: [string, string, unknown, string][] = [
      ['POST', BASE, { task_name: 'a\u0000b' }, 'body.task_name'],
      ['POST', BASE, { task_name: 'ok', business_context: 'x\u0000' }, 'body.business_context'],
      ['POST', `${BASE}/query`, { filters: { task_name: '\u0000' } }, 'body.filters.task_name'],
      ['POST', `${BASE}/${taskId}/table-list`, { tables: ['orders', 'a\u0000b'] }, 'body.tables[1]'],
      ['POST', '/api/v0/database/tables', { db_connection: 'sample', schema: 'pub\u0000lic' }, 'body.schema'],
      ['GET', `${BASE}?task_name=%00`, undefined, 'query.task_name'],
    ];
    for (const [method, route, body, field] of cases) {
      const reply = await client.json(method, route, body);
      expectErrorEnvelope(reply, 400, `${method} ${route}`);
      expect(reply.json.data.invalid_params, `${method} ${route}`).toEqual([
        { field, problem: 'contains a NUL character (U+0000)', accepted: 'text without NUL characters' },
      ]);
    }
    // The table list was not replaced.
    expect(await fs.readFile(path.join(taskDir, 'table_list.txt'), 'utf8')).toBe('public.orders\n');
  });

  it('refuses JSON nested deeper than 32 levels with 400 naming body (a 600 KB body nested 100,000 levels included)', async () => {
    const nested = (levels: number, inner: string) => `${'{"a":'.repeat(levels)}${inner}${'}'.repeat(levels)}`;
    const deepest = `{"task_name":"deep","x":${'['.repeat(100_000)}${']'.repeat(100_000)}}`;
    const cases: [string, string][] = [
      [BASE, deepest],
      [BASE, `{"task_name":"deep","filters":${nested(120_000, '"\\u0000"')}}`],
      [`${BASE}/query`, `{"filters":${nested(40, '1')}}`],
      // 33 levels: the object, then 32 arrays.
      [`${BASE}/${taskId}/table-list`, `{"tables":${'['.repeat(32)}"orders"${']'.repeat(32)}}`],
    ];
    expect(Buffer.byteLength(cases[1]?.[1] ?? '')).toBeLessThan(1024 * 1024);
    expect(Buffer.byteLength(cases[1]?.[1] ?? '')).toBeGreaterThan(600_000);
    const tasksBefore = (await client.json('GET', BASE)).json.data.total as number;
    for (const [route, body] of cases) {
      const reply = await client.send('POST', route, { body, headers: { 'content-type': 'application/json' } });
      expectErrorEnvelope(reply, 400, `${route} ${body.length} bytes`);
      expect(reply.json.data.invalid_params).toEqual([
        {
          field: 'body',
          problem: 'is nested more than 32 levels deep',
          accepted: 'JSON nested at most 32 levels deep (objects and arrays inside one another)',
        },
      ]);
    }
    // 32 levels pass the guard (and are refused by the schema instead, naming the field).
    const atLimit = await client.send('POST', `${BASE}/${taskId}/table-list`, {
      body: `{"tables":${'['.repeat(31)}"orders"${']'.repeat(31)}}`,
      headers: { 'content-type': 'application/json' },
    });
    expectErrorEnvelope(atLimit, 400, 'at the limit');
    expect(atLimit.json.data.invalid_params[0].field).toMatch(/^body\.tables/);
    expect((await client.json('GET', BASE)).json.data.total).toBe(tasksBefore);
    expect(await fs.readFile(path.join(taskDir, 'table_list.txt'), 'utf8')).toBe('public.orders\n');
  });

  it('refuses numbers that are not finite (Infinity, 1e400) with 400 naming the field, never 500 or a silent pass', async () => {
    const cases: [string, string, unknown, string][] = [
      ['GET', `${BASE}?limit=Infinity`, undefined, 'querystring.limit'],
      ['GET', `${BASE}?offset=1e400`, undefined, 'querystring.offset'],
      ['GET', `${BASE}?limit=-Infinity`, undefined, 'querystring.limit'],
      ['POST', `${BASE}/query`, { page: 'Infinity' }, 'body.page'],
      ['GET', `${BASE}/${taskId}/events?last_event_id=Infinity`, undefined, 'querystring.last_event_id'],
      ['GET', `${BASE}/${taskId}/logs?limit=-Infinity`, undefined, 'querystring.limit'],
      ['POST', `${BASE}/${taskId}/logs/query`, { page: 'Infinity' }, 'body.page'],
      ['POST', `${BASE}/${taskId}/logs/query`, { page_size: '1e400' }, 'body.page_size'],
    ];
    for (const [method, route, body, field] of cases) {
      const reply = await client.json(method, route, body);
      expectErrorEnvelope(reply, 400, `${method} ${route} ${JSON.stringify(body)}`);
      expect(
        reply.json.data.invalid_params.map((p: { field: string }) => p.field),
        `${method} ${route}`,
      ).toContain(field);
    }
  });

  it('names the body and what is accepted when it is not JSON, is empty, or tries prototype poisoning', async () => {
    const json = { 'content-type': 'application/json' };
    for (const [body, type, problem] of [
      ['{"task_name": ', 'INVALID_JSON', 'is not valid JSON'],
      ['{"__proto__": {"admin": true}}', 'INVALID_JSON', 'is not valid JSON'],
      ['', 'EMPTY_JSON_BODY', 'is empty'],
    ] as const) {
      const reply = await client.send('POST', BASE, { body, headers: json });
      expectErrorEnvelope(reply, 400, JSON.stringify(body));
      expect(reply.json.data.error_code).toBe(type);
      expect(reply.json.data.invalid_params).toEqual([expect.objectContaining({ field: 'body', problem, accepted: expect.stringMatching(/JSON object/) })]);
    }
  });

  it('refuses an event id past the largest one (query or Last-Event-ID) with 400 instead of an empty stream', async () => {
    const huge = '99999999999999999999';
    const byQuery = await client.json('GET', `${BASE}/${taskId}/events?last_event_id=${huge}`);
    expectErrorEnvelope(byQuery, 400, 'last_event_id query');
    const byHeader = await client.json('GET', `${BASE}/${taskId}/events`, undefined, { 'last-event-id': huge });
    expectErrorEnvelope(byHeader, 400, 'Last-Event-ID header');
    expect(byHeader.json.data.invalid_params).toEqual([
      expect.objectContaining({ field: 'headers.last-event-id', accepted: `an integer from 0 to ${Number.MAX_SAFE_INTEGER}` }),
    ]);
  });

  const badIds = [
    '..',
    '.',
    'a.b',
    '%2e%2e',
    '%2E%2E',
    '%252e%252e',
    'a%2fb',
    '%2f',
    '%5c',
    'a%5cb',
    'x'.repeat(65),
    '%00',
    'a%00b',
    '%20',
    'a%20b',
    '%E4%B8%AD',
  ];

  type TaskRoute = { method: string; template: string; kind: 'json' | 'none' | 'upload'; payload?: unknown };
  /** Bodies the routes would otherwise accept, so that only the task id is wrong. */
  const VALID_BODIES: Record<string, unknown> = {
    'POST /execute': { execution_mode: 'complete' },
    'POST /table-list': { tables: ['orders'] },
  };
  let taskRoutes: TaskRoute[] = [];

  /** Every route of /openapi.json with a task id in its path (none listed by hand). */
  async function routesWithTaskId(): Promise<TaskRoute[]> {
    const doc = await client.json('GET', '/openapi.json');
    const found: TaskRoute[] = [];
    for (const [template, operations] of Object.entries(
      doc.json.paths as Record<string, Record<string, { requestBody?: { content?: Record<string, unknown> } }>>,
    )) {
      if (!template.includes('{task_id}')) continue;
      for (const [method, operation] of Object.entries(operations)) {
        const content = Object.keys(operation.requestBody?.content ?? {});
        const suffix = `${method.toUpperCase()} ${template.slice(template.indexOf('{task_id}') + '{task_id}'.length)}`;
        const kind = content.includes('multipart/form-data') ? 'upload' : content.includes('application/json') ? 'json' : 'none';
        found.push({ method: method.toUpperCase(), template, kind, payload: kind === 'json' ? (VALID_BODIES[suffix] ?? {}) : undefined });
      }
    }
    return found;
  }

  function routesFor(id: string): { method: string; path: string; kind: TaskRoute['kind']; payload?: unknown }[] {
    return taskRoutes.map((r) => ({
      ...r,
      path: r.template.replace('{task_id}', id).replace('{file_name}', 'table_list.txt').replace('{backup_name}', 'file_bak_20250101_000000'),
    }));
  }

  it('validates task ids on every route: 400 (404 where no route matches), never 500, no file touched', async () => {
    taskRoutes = await routesWithTaskId();
    // The document lists them all, the backups' and the vector ones' included.
    expect(taskRoutes.map((r) => `${r.method} ${r.template}`)).toEqual(
      expect.arrayContaining([
        'GET /api/v0/data_pipeline/tasks/{task_id}/backups',
        'POST /api/v0/data_pipeline/tasks/{task_id}/backups/{backup_name}/restore',
        'DELETE /api/v0/data_pipeline/tasks/{task_id}/backups/{backup_name}',
        'POST /api/v0/data_pipeline/tasks/{task_id}/upload-table-list',
        'GET /api/v0/data_pipeline/tasks/{task_id}/files/{file_name}',
      ]),
    );
    expect(taskRoutes.length).toBeGreaterThanOrEqual(17);
    const before = await listDir(dataRoot);
    const statuses: Record<string, number> = {};
    for (const id of badIds) {
      for (const route of routesFor(id)) {
        const reply =
          route.kind === 'upload'
            ? await client.upload(route.path, 'table_list.txt', 'orders\n', { overwrite_mode: 'replace' })
            : await client.json(route.method, route.path, route.payload);
        const label = `${route.method} ${route.path}`;
        statuses[label] = reply.status;
        expectErrorEnvelope(reply, [400, 404], label);
        // Refused for the task id, not for anything else of the request.
        if (reply.status === 400) expect(JSON.stringify(reply.json.data.invalid_params ?? reply.json.data.error_code), label).toMatch(/task_id|INVALID_URL/);
      }
    }
    // Only the ids that still match a route by shape get 400 from validation: all of these do.
    const notValidated = Object.entries(statuses).filter(([, s]) => s !== 400);
    expect(notValidated, 'every bad id reaches a route and is refused by validation').toEqual([]);
    // A raw NUL byte in the request line is refused by the HTTP parser before any route runs.
    for (const route of [`${BASE}/\u0000`, `${BASE}/\u0000/files`, `${BASE}/a\u0000b/files/table_list.txt`]) {
      expect(await rawHttp(server.url, `GET ${route} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n`)).toMatch(/^HTTP\/1\.1 400 /);
    }
    // A valid id of 64 characters passes validation and is simply not found.
    const longest = await client.json('GET', `${BASE}/${'x'.repeat(64)}/files`);
    expectErrorEnvelope(longest, 404, 'valid 64-char id');
    expect(longest.json.data.error_code).toBe('TASK_NOT_FOUND');
    expect(await listDir(dataRoot)).toEqual(before);
    await canaries.expectIntact(client.seen);
  });

  it('refuses traversal on file download (names, encodings, dot names, NUL, links)', async () => {
    const t = `${BASE}/${taskId}/files`;
    // Links planted inside the task directory: to a file outside, to a file next to the data root
    // (relative), to a directory outside, to nothing; a dot file that is ours alone.
    await fs.symlink(path.join(outside, 'canary.txt'), path.join(taskDir, 'leak.txt'));
    await fs.symlink('../../canary.txt', path.join(taskDir, 'rel.txt'));
    await fs.symlink('../canary.txt', path.join(taskDir, 'up.txt'));
    await fs.symlink(outside, path.join(taskDir, 'leakdir'));
    await fs.symlink(path.join(outside, 'missing.txt'), path.join(taskDir, 'dangling.txt'));
    await fs.writeFile(path.join(taskDir, '.secret'), `${CANARY} dot file`);
    const cases: [string, number[]][] = [
      ['..', [400]],
      ['.', [400]],
      ['../x', [404]], // two segments: no route matches
      ['..%2fx.txt', [400]],
      ['%2e%2e', [400]],
      ['%2e%2e%2fx.txt', [400]],
      ['%2E%2E%2F%2E%2E%2Fcanary.txt', [400]],
      ['%252e%252e%252fcanary.txt', [404]], // a literal name with "%" in it: no such file
      ['%252e%252e%252f', [404]],
      ['%2fetc%2fpasswd', [400]],
      [`${encodeURIComponent(path.join(outside, 'canary.txt'))}`, [400]],
      ['..%5c..%5ccanary.txt', [400]],
      ['..%5Cx.txt', [400]],
      ['leakdir%2fcanary.txt', [400]],
      ['.secret', [400]],
      ['.hidden', [400]],
      ['%2esecret', [400]],
      ['%00', [400]],
      ['table_list.txt%00.md', [400]],
      ['leak.txt', [400]],
      ['rel.txt', [400]],
      ['up.txt', [400]],
      ['leakdir', [400]],
      ['dangling.txt', [400]],
    ];
    for (const [name, expected] of cases) {
      const reply = await client.send('GET', `${t}/${name}`);
      expectErrorEnvelope(reply, expected, `download ${name}`);
    }
    // The listing shows regular files only: no link, no dot file.
    const listing = await client.json('GET', t);
    const names = listing.json.data.files.map((f: { file_name: string }) => f.file_name);
    expect(names).toEqual(['table_list.txt']);
    expect(listing.json.data.directory_info.total_size).toBe('public.orders\n'.length);
    // Positive control: a plain file downloads.
    const ok = await client.send('GET', `${t}/table_list.txt`);
    expect(ok.status).toBe(200);
    expect(ok.text).toBe('public.orders\n');
    for (const link of ['rel.txt', 'up.txt', 'leakdir', 'dangling.txt', '.secret']) await fs.rm(path.join(taskDir, link));
    await canaries.expectIntact(client.seen);
  });

  it('refuses to read the table list or the log through a planted link', async () => {
    const t = `${BASE}/${taskId}`;
    await fs.rename(path.join(taskDir, 'table_list.txt'), path.join(taskDir, 'table_list.real'));
    await fs.symlink(path.join(victim, 'table_list.txt'), path.join(taskDir, 'table_list.txt'));
    await fs.symlink(path.join(victim, 'data_pipeline.log'), path.join(taskDir, 'data_pipeline.log'));
    expectErrorEnvelope(await client.json('GET', `${t}/table-list-info`), 400, 'table-list-info through a link');
    expectErrorEnvelope(await client.json('GET', `${t}/logs`), 400, 'logs through a link');
    expectErrorEnvelope(await client.json('POST', `${t}/logs/query`, {}), 400, 'log query through a link');
    // An execute must not start a run on a table list read from outside.
    expectErrorEnvelope(await client.json('POST', `${t}/execute`, {}), 400, 'execute with a linked table list');
    expect((await client.json('GET', t)).json.data.active_run).toBeNull();
    await fs.rm(path.join(taskDir, 'data_pipeline.log'));
    await canaries.expectIntact(client.seen);
  });

  it('replaces a planted link on upload instead of writing through it', async () => {
    const t = `${BASE}/${taskId}`;
    // table_list.txt is still a link to victim/table_list.txt (previous test).
    expect((await fs.lstat(path.join(taskDir, 'table_list.txt'))).isSymbolicLink()).toBe(true);
    const list = await client.upload(`${t}/upload-table-list`, 'tables.txt', 'orders\ncustomers\n');
    expect(list.status, list.text).toBe(200);
    expect((await fs.lstat(path.join(taskDir, 'table_list.txt'))).isFile()).toBe(true);
    expect(await fs.readFile(path.join(taskDir, 'table_list.txt'), 'utf8')).toBe('orders\ncustomers\n');

    await fs.rm(path.join(taskDir, 'table_list.txt'));
    await fs.symlink(path.join(victim, 'table_list.txt'), path.join(taskDir, 'table_list.txt'));
    const names = await client.json('POST', `${t}/table-list`, { tables: ['stores'] });
    expect(names.status, names.text).toBe(200);
    expect(await fs.readFile(path.join(taskDir, 'table_list.txt'), 'utf8')).toBe('public.stores\n');
    expect((await fs.lstat(path.join(taskDir, 'table_list.txt'))).isFile()).toBe(true);
    await fs.rm(path.join(taskDir, 'table_list.real'));

    // File upload over links, in every overwrite mode: the link is replaced, its target untouched,
    // and no backup copies the outside file in.
    await fs.symlink(path.join(outside, 'notes.md'), path.join(taskDir, 'notes.md'));
    await fs.symlink(path.join(outside, 'canary.md'), path.join(taskDir, 'canary.md'));
    await fs.symlink(path.join(outside, 'missing.md'), path.join(taskDir, 'gone.md'));
    for (const [name, mode] of [
      ['leak.txt', undefined],
      ['notes.md', 'backup'],
      ['canary.md', 'replace'],
      ['gone.md', 'skip'],
    ] as const) {
      const reply = await client.upload(`${t}/files`, name, `uploaded ${name}`, mode ? { overwrite_mode: mode } : {});
      expect(reply.status, `${name} (${mode}): ${reply.text}`).toBe(200);
      expect(reply.json.data.uploaded_file.filename).toBe(name);
      const stat = await fs.lstat(path.join(taskDir, name));
      expect(stat.isFile(), `${name} is now a regular file`).toBe(true);
      expect(await fs.readFile(path.join(taskDir, name), 'utf8')).toBe(`uploaded ${name}`);
    }
    const entries = await listDir(taskDir);
    expect(entries).toEqual(['canary.md', 'gone.md', 'leak.txt', 'notes.md', 'table_list.txt']);
    await canaries.expectIntact(client.seen);
  });

  it('refuses a link planted in place of the task directory itself', async () => {
    const linked = await createTask(client, { task_name: 'linked' });
    const linkedDir = path.join(dataRoot, linked);
    await fs.rm(linkedDir, { recursive: true });
    await fs.symlink(victim, linkedDir);
    const t = `${BASE}/${linked}`;
    // Reads: nothing from the victim directory comes back.
    // A link is not a task directory: the task is shown as having none.
    const files = await client.json('GET', `${t}/files`);
    expect(files.status, files.text).toBe(200);
    expect(files.json.data.files).toEqual([]);
    expect(files.json.data.directory_info.exists).toBe(false);
    expectErrorEnvelope(await client.send('GET', `${t}/files/canary.txt`), [400, 404], 'download through a linked task dir');
    expectErrorEnvelope(await client.send('GET', `${t}/files/table_list.txt`), [400, 404], 'download through a linked task dir');
    const info = await client.json('GET', `${t}/table-list-info`);
    expect(info.status, info.text).toBe(200);
    expect(info.json.data.has_file).toBe(false);
    for (const reply of [await client.json('GET', `${t}/logs`), await client.json('POST', `${t}/logs/query`, {})]) {
      expect(reply.status, reply.text).toBe(200);
      expect(reply.json.data.logs).toEqual([]);
    }
    // Writes: refused.
    expectErrorEnvelope(await client.upload(`${t}/upload-table-list`, 'table_list.txt', 'orders\n'), 400, 'table list upload into a linked dir');
    expectErrorEnvelope(await client.json('POST', `${t}/table-list`, { tables: ['orders'] }), 400, 'table list into a linked dir');
    expectErrorEnvelope(await client.upload(`${t}/files`, 'canary.txt', 'overwritten', { overwrite_mode: 'replace' }), 400, 'upload into a linked dir');
    expectErrorEnvelope(await client.json('POST', `${t}/execute`, {}), 400, 'execute on a linked dir');
    const list = await client.json('GET', `${BASE}?limit=100`);
    expect(list.json.data.tasks.find((x: { task_id: string }) => x.task_id === linked).directory_exists).toBe(false);
    // Delete: fails for that task and deletes nothing outside, records included.
    const removed = await client.json('DELETE', BASE, { task_ids: [linked], confirm: true, delete_database_records: true });
    expect(removed.status, removed.text).toBe(200);
    expect(removed.json.data.deleted_tasks).toEqual([]);
    expect(removed.json.data.failed_tasks).toMatchObject([{ task_id: linked }]);
    expect((await fs.lstat(linkedDir)).isSymbolicLink()).toBe(true);
    expect((await client.json('GET', t)).status).toBe(200);
    await fs.rm(linkedDir);
    await canaries.expectIntact(client.seen);
  });

  it('confines table_list_file at task creation to files inside the data root', async () => {
    await fs.mkdir(path.join(dataRoot, 'lists'), { recursive: true });
    await fs.writeFile(path.join(dataRoot, 'lists', 'good.txt'), 'orders\nstores\n');
    await fs.symlink(path.join(outside, 'canary.txt'), path.join(dataRoot, 'lists', 'link-out.txt'));
    await fs.symlink(outside, path.join(dataRoot, 'lists', 'dir-out'));
    const total = async () => (await client.json('GET', BASE)).json.data.total as number;
    const tasksBefore = await total();
    const entriesBefore = await listDir(dataRoot);
    for (const given of [
      '..',
      '.',
      '../x',
      '../canary.txt',
      '../../canary.txt',
      '%2e%2e%2fcanary.txt',
      '%252e%252e%252f',
      '/etc/passwd',
      path.join(outside, 'canary.txt'),
      path.join(root, 'canary.txt'),
      '..\\..\\canary.txt',
      '..%5ccanary.txt',
      'lists%2fgood.txt',
      'lists/good.txt\u0000.png',
      '\u0000',
      'lists/link-out.txt',
      'lists/dir-out/canary.txt',
      'lists/../../canary.txt',
      'lists',
      `${taskId}/../../canary.txt`,
    ]) {
      const reply = await client.json('POST', BASE, { db_connection: 'sample', table_list_file: given });
      expectErrorEnvelope(reply, 400, `table_list_file ${JSON.stringify(given)}`);
      expect(reply.json.data.invalid_params?.[0]?.field ?? reply.json.data.error_code, JSON.stringify(given)).toMatch(/table_list_file|INVALID/);
    }
    expect(await total()).toBe(tasksBefore);
    expect(await listDir(dataRoot)).toEqual(entriesBefore);
    // Positive control: a file inside the data root is copied into the new task.
    const created = await client.json('POST', BASE, { db_connection: 'sample', table_list_file: 'lists/good.txt' });
    expect(created.status, created.text).toBe(201);
    const info = await client.json('GET', `${BASE}/${created.json.data.task_id}/table-list-info`);
    expect(info.json.data.table_names).toEqual(['public.orders', 'public.stores']);
    await fs.rm(path.join(dataRoot, 'lists'), { recursive: true });
    await canaries.expectIntact(client.seen);
  });

  it('reduces upload names to a safe base name inside the task directory', async () => {
    const id = await createTask(client, { task_name: 'names' });
    const dir = path.join(dataRoot, id);
    const t = `${BASE}/${id}/files`;
    const stored = async (name: string, mode = 'replace') => {
      const reply = await client.upload(t, name, `content of ${name}`, { overwrite_mode: mode });
      expect(reply.status, `${name}: ${reply.text}`).toBe(200);
      return reply.json.data.uploaded_file.filename as string;
    };
    expect(await stored('/tmp/evil.txt')).toBe('evil.txt');
    expect(await fs.readFile(path.join(dir, 'evil.txt'), 'utf8')).toBe('content of /tmp/evil.txt');
    expect(await stored('..\\..\\evil.txt')).toBe('evil.txt');
    expect(await fs.readFile(path.join(dir, 'evil.txt'), 'utf8')).toBe('content of ..\\..\\evil.txt');
    expect(await stored('sub/dir/x.md')).toBe('x.md');
    expect(await stored(path.join(outside, 'canary.txt'))).toBe('canary.txt');
    expect(await stored('../../x.txt')).toBe('x.txt');
    expect(await stored('C:\\Windows\\evil.txt')).toBe('evil.txt');
    expect(await listDir(dir)).toEqual(['canary.txt', 'evil.txt', 'x.md', 'x.txt']);
    expect(await fs.readFile(path.join(dir, 'canary.txt'), 'utf8')).toBe(`content of ${path.join(outside, 'canary.txt')}`);
    const listing = await client.json('GET', t);
    expect(listing.json.data.files.map((f: { file_name: string }) => f.file_name).sort()).toEqual(['canary.txt', 'evil.txt', 'x.md', 'x.txt']);
    await canaries.expectIntact(client.seen);
  });

  it('survives the traversal battery on upload names: a plain name inside the task directory or 400', async () => {
    const id = await createTask(client, { task_name: 'battery' });
    const dir = path.join(dataRoot, id);
    const names = [
      '..',
      '.',
      '../x.txt',
      '../../../../x.txt',
      '%2e%2e%2fx.txt',
      '%252e%252e%252fx.txt',
      '..%2f..%2fx.txt',
      '/etc/passwd',
      '/etc/passwd.txt',
      '..\\..\\x.txt',
      '..\\',
      '.bashrc.txt',
      '...txt',
      '..txt',
      'x\u0000.txt',
      'x.txt\u0000.sh',
      '\u0000',
      `${'a'.repeat(300)}.txt`,
      'x\r\n.txt',
      '',
    ];
    const outcomes: Record<string, string | number> = {};
    for (const name of names) {
      const reply = await client.upload(`${BASE}/${id}/files`, name, `battery ${JSON.stringify(name)}`, { overwrite_mode: 'replace' });
      expect([200, 400], `${JSON.stringify(name)}: ${reply.status} ${reply.text.slice(0, 300)}`).toContain(reply.status);
      if (reply.status === 200) {
        const stored = reply.json.data.uploaded_file.filename as string;
        outcomes[name] = stored;
        expect(stored, JSON.stringify(name)).toMatch(/^[^./\\\u0000-\u001f][^/\\\u0000-\u001f]{0,254}$/);
        expect((await fs.lstat(path.join(dir, stored))).isFile()).toBe(true);
      } else {
        outcomes[name] = 400;
        expectErrorEnvelope(reply, 400, JSON.stringify(name));
      }
    }
    expect(outcomes).toMatchObject({
      '../x.txt': 'x.txt',
      '../../../../x.txt': 'x.txt',
      '..\\..\\x.txt': 'x.txt',
      '/etc/passwd': 400,
      '..': 400,
      '.': 400,
      '': 400,
    });
    // A control character in a name is refused, never stripped into another name.
    for (const name of ['x\u0000.txt', 'x.txt\u0000.sh', '\u0000', 'x\r\n.txt']) expect(outcomes[name], JSON.stringify(name)).toBe(400);
    // Only plain names, all regular files, no temp files left behind.
    for (const entry of await fs.readdir(dir, { withFileTypes: true })) {
      expect(entry.isFile(), entry.name).toBe(true);
      expect(entry.name.startsWith('.'), entry.name).toBe(false);
    }
    await canaries.expectIntact(client.seen);
  });

  it('refuses an uploaded file name holding a NUL or another control character with 400 naming body.file; nothing is saved', async () => {
    const id = await createTask(client, { task_name: 'control names' });
    const dir = path.join(dataRoot, id);
    const before = await listDir(dir);
    for (const [name, code] of [
      ['evil5.txt\u0000.txt', 'U+0000'],
      ['tab\t.txt', 'U+0009'],
      ['bell\u0007.md', 'U+0007'],
      ['del\u007f.txt', 'U+007F'],
      ['c1\u0085.txt', 'U+0085'],
    ] as const) {
      for (const route of [`${BASE}/${id}/files`, `${BASE}/${id}/upload-table-list`]) {
        const reply = await client.upload(route, name, 'orders\n', { overwrite_mode: 'replace' });
        expectErrorEnvelope(reply, 400, `${route} ${JSON.stringify(name)}`);
        expect(reply.json.data.invalid_params).toEqual([
          {
            field: 'body.file',
            problem: `has a file name with a control character (${code})`,
            accepted: 'a file name without control characters (U+0000 to U+001F, U+007F to U+009F)',
          },
        ]);
      }
    }
    expect(await listDir(dir)).toEqual(before);
  });

  it('answers 413 with the error envelope beyond each size limit, leaving nothing half-written', async () => {
    const id = await createTask(client, { task_name: 'sizes' });
    const dir = path.join(dataRoot, id);
    const t = `${BASE}/${id}`;
    expect((await client.json('POST', `${t}/table-list`, { tables: ['orders'] })).status).toBe(200);
    const tasksBefore = (await client.json('GET', BASE)).json.data.total as number;
    const big = 'a'.repeat(1024 * 1024 + 1);

    // JSON bodies over 1 MB, on every JSON route.
    for (const [method, route, body] of [
      ['POST', BASE, { task_name: big }],
      ['POST', `${BASE}/query`, { task_name: big }],
      ['DELETE', BASE, { task_ids: [id], confirm: true, pad: big }],
      ['POST', `${t}/execute`, { pad: big }],
      ['POST', `${t}/table-list`, { tables: big }],
      ['POST', `${t}/logs/query`, { keyword: big }],
      ['POST', '/api/v0/database/tables', { schema: big }],
      ['POST', '/api/v0/database/table/ddl', { table: big }],
    ] as const) {
      const reply = await client.json(method, route, body);
      expectErrorEnvelope(reply, 413, `${method} ${route}`);
      expect(reply.json.data.error_code).toBe('PAYLOAD_TOO_LARGE');
      expect(reply.json.data.invalid_params).toEqual([{ field: 'body', problem: 'is too large', accepted: 'a JSON body of at most 1 MiB' }]);
    }
    expect((await client.json('GET', BASE)).json.data.total).toBe(tasksBefore);
    expect((await client.json('GET', t)).json.data.active_run).toBeNull();
    expect(await listDir(dir)).toEqual(['table_list.txt']);
    expect(await fs.readFile(path.join(dir, 'table_list.txt'), 'utf8')).toBe('public.orders\n');

    // Table-list upload over 2 MB.
    // (A comment pads it: the list itself stays under the table limit.)
    const line = 'orders\n# ';
    const twoMb = line + 'x'.repeat(2 * 1024 * 1024 - line.length);
    expect(Buffer.byteLength(twoMb)).toBe(2 * 1024 * 1024);
    const tooBigList = await client.upload(`${t}/upload-table-list`, 'tables.txt', `${twoMb}\n`);
    expectErrorEnvelope(tooBigList, 413, 'table list of 2 MB + 1');
    expect(tooBigList.json.data.error_code).toBe('PAYLOAD_TOO_LARGE');
    expect(await listDir(dir)).toEqual(['table_list.txt']);
    expect(await fs.readFile(path.join(dir, 'table_list.txt'), 'utf8')).toBe('public.orders\n');
    const exactList = await client.upload(`${t}/upload-table-list`, 'tables.txt', twoMb);
    expect(exactList.status, exactList.text).toBe(200);

    // File upload over 10 MB.
    const tenMb = Buffer.alloc(10 * 1024 * 1024, 'b');
    const tooBigFile = await client.upload(`${t}/files`, 'big.txt', Buffer.concat([tenMb, Buffer.from('!')]));
    expectErrorEnvelope(tooBigFile, 413, 'file of 10 MB + 1');
    expect(tooBigFile.json.data.error_code).toBe('PAYLOAD_TOO_LARGE');
    expect(await listDir(dir)).toEqual(['table_list.txt']);
    const exactFile = await client.upload(`${t}/files`, 'big.txt', tenMb);
    expect(exactFile.status, exactFile.text.slice(0, 300)).toBe(200);
    expect((await fs.stat(path.join(dir, 'big.txt'))).size).toBe(tenMb.length);
    // An oversized replacement leaves the stored file as it was.
    const again = await client.upload(`${t}/files`, 'big.txt', Buffer.concat([tenMb, Buffer.from('!')]), { overwrite_mode: 'replace' });
    expectErrorEnvelope(again, 413, 'replacement of 10 MB + 1');
    expect(await listDir(dir)).toEqual(['big.txt', 'table_list.txt']);
    expect((await fs.stat(path.join(dir, 'big.txt'))).size).toBe(tenMb.length);
    await canaries.expectIntact(client.seen);
  });

  it('refuses DELETE of "..", ".", "/" and "" with 400 and deletes nothing', async () => {
    const before = await listDir(dataRoot);
    const tasksBefore = (await client.json('GET', BASE)).json.data.total as number;
    for (const ids of [['..'], ['.'], ['/'], [''], ['%2e%2e'], ['a/b'], ['..\\'], [taskId, '..'], ['x'.repeat(65)], ['\u0000']]) {
      for (const extra of [{}, { delete_database_records: true, continue_on_error: true }]) {
        const reply = await client.json('DELETE', BASE, { task_ids: ids, confirm: true, ...extra });
        expectErrorEnvelope(reply, 400, `DELETE ${JSON.stringify(ids)}`);
        expect(JSON.stringify(reply.json.data.invalid_params ?? reply.json.message)).toMatch(/task_ids/);
      }
    }
    // In the query string too (the reference accepted it there).
    const query = await client.send('DELETE', `${BASE}?task_ids=..&confirm=true`);
    expect(query.status).toBeGreaterThanOrEqual(400);
    expect(query.status).toBeLessThan(500);
    expect(await listDir(dataRoot)).toEqual(before);
    expect((await fs.stat(taskDir)).isDirectory()).toBe(true);
    expect((await client.json('GET', BASE)).json.data.total).toBe(tasksBefore);
    await canaries.expectIntact(client.seen);
  });

  it('deletes a task directory holding links to the outside without following them', async () => {
    const id = await createTask(client, { task_name: 'links inside' });
    const dir = path.join(dataRoot, id);
    await fs.writeFile(path.join(dir, 'own.md'), 'ours');
    await fs.symlink(outside, path.join(dir, 'out-dir'));
    await fs.symlink(path.join(outside, 'canary.txt'), path.join(dir, 'out-file.txt'));
    await fs.mkdir(path.join(dir, 'vector_bak'));
    await fs.symlink(victim, path.join(dir, 'vector_bak', 'victim'));
    const reply = await client.json('DELETE', BASE, { task_ids: [id], confirm: true, delete_database_records: true });
    expect(reply.status, reply.text).toBe(200);
    expect(reply.json.data.deleted_tasks).toMatchObject([{ task_id: id, directory_deleted: true, database_records_deleted: true }]);
    // The links count as entries, never their targets.
    expect(reply.json.data.deleted_tasks[0].deleted_bytes).toBeLessThan(4096);
    await expect(fs.lstat(dir)).rejects.toThrow(/ENOENT/);
    expect((await client.json('GET', `${BASE}/${id}`)).status).toBe(404);
    await canaries.expectIntact(client.seen);
  });
});

// ---------------------------------------------------------------------------------------------

describe('DELETE of a task with an active run', () => {
  let llm: ScriptedOpenAIServer;
  let server: TestServer;
  let client: Client;

  beforeAll(async () => {
    llm = await startScriptedOpenAI({ defaultChat: () => ({ kind: 'delay', ms: 120_000, then: { kind: 'json', body: {} } }) });
    server = await startTestServer({
      env: { LLM_PROVIDER: 'openai', LLM_BASE_URL: llm.baseURL, LLM_MODEL: 'scripted-model', LLM_MAX_RETRIES: '0', DP_SHUTDOWN_GRACE_MS: '5000' },
    });
    client = new Client(server.url);
  });
  afterAll(async () => {
    await llm?.close();
    await server?.close();
  });

  it('refuses to delete while the run is active, and deletes once it has ended', async () => {
    const id = await createTask(client, { task_name: 'busy', business_context: 'Outdoor gear retailer' });
    expect((await client.json('POST', `${BASE}/${id}/table-list`, { tables: ['orders'] })).status).toBe(200);
    expect((await client.json('POST', `${BASE}/${id}/execute`, {})).status).toBe(202);
    // The run is waiting on the LLM.
    const deadline = Date.now() + 30_000;
    while (llm.chatRequests.length === 0) {
      if (Date.now() > deadline) throw new Error('the run never called the LLM');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect((await client.json('GET', `${BASE}/${id}`)).json.data.active_run).toMatchObject({ status: 'running' });
    const dir = path.join(server.settings.trainingDataDir, id);
    const filesBefore = await listDir(dir);

    const refused = await client.json('DELETE', BASE, { task_ids: [id], confirm: true, delete_database_records: true });
    expect(refused.status, refused.text).toBe(200);
    expect(refused.json.data.deleted_tasks).toEqual([]);
    expect(refused.json.data.failed_tasks).toMatchObject([{ task_id: id, error_code: 'TASK_RUNNING' }]);
    expect(refused.json.data.summary).toMatchObject({ total_requested: 1, successfully_deleted: 0, failed: 1 });
    expect(await listDir(dir)).toEqual(expect.arrayContaining(filesBefore));
    expect((await client.json('GET', `${BASE}/${id}`)).json.data.active_run).not.toBeNull();
    // Nor can a file be uploaded under the running workflow.
    expectErrorEnvelope(await client.upload(`${BASE}/${id}/files`, 'notes.md', 'x'), 409, 'upload during a run');
    // Nor can its table list be replaced, either way.
    const tableList = await fs.readFile(path.join(dir, 'table_list.txt'), 'utf8');
    expectErrorEnvelope(await client.json('POST', `${BASE}/${id}/table-list`, { tables: ['customers'] }), 409, 'table list during a run');
    expectErrorEnvelope(await client.upload(`${BASE}/${id}/upload-table-list`, 'tables.txt', 'customers\n'), 409, 'table list upload during a run');
    expect(await fs.readFile(path.join(dir, 'table_list.txt'), 'utf8')).toBe(tableList);

    expect((await client.json('POST', `${BASE}/${id}/cancel`)).status).toBe(200);
    await llm.close();
    const final = await waitFinal(client, id);
    expect(final.json.data.status).toBe('failed');
    const deleted = await client.json('DELETE', BASE, { task_ids: [id], confirm: true, delete_database_records: true });
    expect(deleted.json.data.deleted_tasks).toMatchObject([{ task_id: id, directory_deleted: true, database_records_deleted: true }]);
    await expect(fs.lstat(dir)).rejects.toThrow(/ENOENT/);
  });
});

// ---------------------------------------------------------------------------------------------

describe('the connection password appears in no response, file or log', () => {
  const PW_CORE = `Sup3r-S3cret-${SALT}`;
  /** With characters a URL encodes, so both the raw and the encoded form are checked. */
  const PASSWORD = `${PW_CORE}/p@ss:w0rd`;
  const FAIL_CORE = `Fail-S3cret-${SALT}`;
  const INVALID_CORE = `Never-Registered-${SALT}`;
  let sampleDb: ScratchDatabase;
  let store: ScratchDatabase;
  let running: RunningServer;
  let root: string;
  let client: Client;
  const logLines: string[] = [];
  let dbUrl: string;

  beforeAll(async () => {
    sampleDb = await createSampleDatabaseOnServer();
    store = await createScratchDatabase('dp_store');
    root = await makeTempDir('dp-api-secret-');
    const settings = testSettings(root, { DP_HEARTBEAT_MS: '200', DP_RUN_TTL_MS: '1500', DP_STORE_URL: store.url });
    // Fastify's logger option is pino's: every record, at every level, into this array.
    running = await startServer(settings, { port: 0, logger: { level: 'trace', stream: { write: (line: string) => logLines.push(line) } } });
    client = new Client(running.url);
    const url = new URL(urlForDatabase(sampleDb.name));
    url.password = encodeURIComponent(PASSWORD);
    dbUrl = url.toString();
  });
  afterAll(async () => {
    await running?.close();
    await store?.drop();
    await sampleDb?.drop();
    if (root) await fs.rm(root, { recursive: true, force: true });
  });

  async function expectNowhere(secret: string): Promise<void> {
    expect(client.seen.length).toBeGreaterThan(0);
    for (const text of client.seen) expect(text.includes(secret), `a response carried the password: ${text.slice(0, 400)}`).toBe(false);
    const files = await allFiles(root);
    for (const file of files) {
      const content = await fs.readFile(file);
      expect(content.includes(secret), `${file} holds the password`).toBe(false);
    }
    const log = logLines.join('');
    // The capture works: start-up, every request and the runs are in it.
    expect(log).toContain('listening on');
    expect(log).toContain('incoming request');
    expect(log).toContain('run finished');
    expect(log.includes(secret), 'the server log holds the password').toBe(false);
  }

  /**
   * Every form in which `pg` takes a password from a connection string; each with a secret of its
   * own, holding characters a URL encodes, so the raw and the encoded forms are both checked.
   */
  const FORMS: { form: string; secret: string; url: (base: URL) => string; masked: (base: URL) => string }[] = [
    {
      form: 'userinfo, percent-encoded',
      secret: PW_CORE,
      url: (base) => `postgresql://postgres:${encodeURIComponent(PASSWORD)}@${base.host}${base.pathname}`,
      masked: (base) => `postgresql://postgres:***@${base.host}${base.pathname}`,
    },
    {
      form: 'password= parameter',
      secret: `Param-S3cret-${SALT}`,
      url: (base) => `postgresql://postgres@${base.host}${base.pathname}?password=${encodeURIComponent(`Param-S3cret-${SALT}&x=y`)}&application_name=dp`,
      masked: (base) => `postgresql://postgres@${base.host}${base.pathname}?password=***&application_name=dp`,
    },
    {
      form: 'sslpassword= parameter',
      secret: `SslPw-S3cret-${SALT}`,
      url: (base) => `postgresql://postgres@${base.host}${base.pathname}?sslpassword=SslPw-S3cret-${SALT}`,
      masked: (base) => `postgresql://postgres@${base.host}${base.pathname}?sslpassword=***`,
    },
    {
      form: 'percent-encoded parameter name and value',
      secret: `Enc-S3cret-${SALT}`,
      url: (base) => `postgresql://postgres@${base.host}${base.pathname}?pass%77ord=${encodeURIComponent(`Enc-S3cret-${SALT}/é`)}`,
      masked: (base) => `postgresql://postgres@${base.host}${base.pathname}?pass%77ord=***`,
    },
  ];

  it.each(FORMS)('runs the complete workflow on a URL with a password ($form) without showing it anywhere', async ({ secret, url, masked }) => {
    const base = new URL(dbUrl);
    const connection = url(base);
    expect(connection).toContain(encodeURIComponent(secret));
    const created = await client.json('POST', BASE, {
      task_name: 'secret',
      db_connection: connection,
      enable_training_data_load: false,
      business_context: 'Outdoor gear retailer',
    });
    expect(created.status, created.text).toBe(201);
    const id = created.json.data.task_id as string;
    expect((await client.json('POST', `${BASE}/${id}/table-list`, { tables: ['orders', 'customers'] })).status).toBe(200);
    const execute = await client.json('POST', `${BASE}/${id}/execute`, { execution_mode: 'complete' });
    expect(execute.status, execute.text).toBe(202);
    const stream = client.events(id);
    const final = await waitFinal(client, id);
    expect(final.json.data.status, JSON.stringify(final.json.data.error_message)).toBe('completed');
    const events = await stream;
    expect(events).toMatch(/event: log\b/);
    expect(events).toMatch(/event: run_finished[\s\S]*event: end/);
    // The URL is shown with the password masked, and nothing else changed.
    expect(final.json.data.parameters.db_connection).toBe(masked(base));

    // Every route that shows the task, its files and its log.
    await client.json('GET', `${BASE}?limit=100`);
    await client.json('POST', `${BASE}/query`, { db_name: sampleDb.name });
    await client.json('GET', `${BASE}/${id}/table-list-info`);
    const files = await client.json('GET', `${BASE}/${id}/files`);
    const names = files.json.data.files.map((f: { file_name: string }) => f.file_name) as string[];
    expect(names).toEqual(expect.arrayContaining(['task_config.json', 'task_result.json', 'data_pipeline.log', 'orders.ddl', 'customers_detail.md']));
    for (const name of names) expect((await client.send('GET', `${BASE}/${id}/files/${encodeURIComponent(name)}`)).status).toBe(200);
    const config = await client.send('GET', `${BASE}/${id}/files/task_config.json`);
    expect(JSON.parse(config.text).parameters.db_connection).toBe(masked(base));
    const logs = await client.json('GET', `${BASE}/${id}/logs?limit=1000`);
    expect(logs.json.data.logs.length).toBeGreaterThan(0);
    await client.json('POST', `${BASE}/${id}/logs/query`, { page_size: 500 });
    await client.json('POST', `${BASE}/${id}/logs/query`, { keyword: 'postgres' });
    const replay = await client.events(id);
    expect(replay).toMatch(/event: run_started/);
    expect((await client.json('POST', '/api/v0/database/tables', { db_connection: connection })).status).toBe(200);
    expect((await client.json('POST', '/api/v0/database/table/ddl', { db_connection: connection, table: 'orders' })).status).toBe(200);

    await expectNowhere(secret);
    await expectNowhere(encodeURIComponent(secret));
  });

  it('refuses connection parameters that name files on the server', async () => {
    const base = new URL(dbUrl);
    for (const parameter of ['sslrootcert', 'sslcert', 'sslkey']) {
      for (const route of [BASE, '/api/v0/database/tables']) {
        const reply = await client.json('POST', route, { db_connection: `postgresql://postgres@${base.host}${base.pathname}?${parameter}=/etc/passwd` });
        expectErrorEnvelope(reply, 400, `${route} ${parameter}`);
        expect(reply.json.data.invalid_params).toEqual([expect.objectContaining({ field: 'body.db_connection', problem: expect.stringContaining(parameter) })]);
      }
    }
  });

  it('keeps the password out of a failing run (wrong host) and its error messages', async () => {
    const failUrl = `postgresql://postgres:${encodeURIComponent(`${FAIL_CORE}@x`)}@127.0.0.2:1/${sampleDb.name}`;
    const created = await client.json('POST', BASE, { task_name: 'failing', db_connection: failUrl, enable_training_data_load: false });
    expect(created.status, created.text).toBe(201);
    const id = created.json.data.task_id as string;
    expect((await client.json('POST', `${BASE}/${id}/table-list`, { tables: ['orders'] })).status).toBe(200);
    expect((await client.json('POST', `${BASE}/${id}/execute`, {})).status).toBe(202);
    const stream = client.events(id);
    const final = await waitFinal(client, id);
    await stream;
    expect(final.json.data.status).toBe('failed');
    expect(final.json.data.error_message).toEqual(expect.any(String));
    expect(final.json.data.error_message.length).toBeGreaterThan(0);
    expect(final.json.data.steps.find((s: { step_name: string }) => s.step_name === 'ddl_generation').step_status).toBe('failed');
    await client.json('GET', `${BASE}/${id}/logs?limit=1000`);
    await client.json('POST', `${BASE}/${id}/logs/query`, {});
    for (const name of (await client.json('GET', `${BASE}/${id}/files`)).json.data.files.map((f: { file_name: string }) => f.file_name)) {
      await client.send('GET', `${BASE}/${id}/files/${encodeURIComponent(name)}`);
    }
    // Introspection on the same URL fails with a message, not the password.
    const tables = await client.json('POST', '/api/v0/database/tables', { db_connection: failUrl });
    expectErrorEnvelope(tables, 400, 'database/tables on a wrong host');
    const ddl = await client.json('POST', '/api/v0/database/table/ddl', { db_connection: failUrl, table: 'orders' });
    expectErrorEnvelope(ddl, 400, 'database/table/ddl on a wrong host');
    await expectNowhere(FAIL_CORE);
    await expectNowhere(encodeURIComponent(FAIL_CORE));
  });

  it('does not echo db_connection in validation errors', async () => {
    const tasksBefore = (await client.json('GET', BASE)).json.data.total as number;
    for (const value of [
      `mysql://root:${INVALID_CORE}@db.example/x`,
      `postgresql://postgres:${INVALID_CORE}@/nohost`,
      `postgresql://postgres:${INVALID_CORE}@127.0.0.1:5432/${'x'.repeat(2100)}`,
      `${INVALID_CORE}`,
      ` postgresql://postgres:${INVALID_CORE}@127.0.0.1:99999/db`,
    ]) {
      for (const route of [BASE, '/api/v0/database/tables']) {
        const reply = await client.json('POST', route, { db_connection: value });
        expectErrorEnvelope(reply, 400, `${route} ${value.slice(0, 60)}`);
        // Refused by validation, or (introspection of a host-less URL) by the connection attempt.
        expect(reply.json.data.error_code).toMatch(/^(INVALID_PARAMS|DB_CONNECTION_FAILED)$/);
      }
    }
    // (A one-element array is not listed: Fastify's Ajv coerces it to its element, by design.)
    for (const value of [{ url: `postgresql://postgres:${INVALID_CORE}@h/db` }, [`postgresql://postgres:${INVALID_CORE}@h/db`, 'sample'], 42]) {
      const reply = await client.json('POST', BASE, { db_connection: value });
      expectErrorEnvelope(reply, 400, `db_connection ${JSON.stringify(value).slice(0, 40)}`);
    }
    expect((await client.json('GET', BASE)).json.data.total).toBe(tasksBefore);
    await expectNowhere(INVALID_CORE);
  });
});
