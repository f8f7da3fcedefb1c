/**
 * A real server for API tests: our Fastify app on a loopback port, with its store either on the
 * PostgreSQL test server (a scratch database; fast to create) or embedded (PGlite, with vectors).
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { FileOps } from '../../src/backup/file-ops.js';
import type { Settings } from '../../src/config/settings.js';
import { startServer, type RunningServer } from '../../src/server/serve.js';
import { ResponseConformance } from './response-conformance.js';
import { createScratchDatabase, makeTempDir, testSettings, type ScratchDatabase } from './env.js';

export interface TestServer {
  url: string;
  server: RunningServer;
  settings: Settings;
  root: string;
  /** JSON request; returns status, parsed body and headers. */
  /** What /openapi.json says every JSON response must be, checked on each one. */
  conformance: ResponseConformance;
  call<T = ApiBody>(method: string, route: string, body?: unknown, headers?: Record<string, string>): Promise<{ status: number; body: T; headers: Headers }>;
  close(): Promise<void>;
}

export interface ApiBody {
  code: number;
  success: boolean;
  message: string;
  data: Record<string, any>;
}

export async function startTestServer(
  options: { store?: 'postgres' | 'embedded'; env?: Record<string, string>; root?: string; backupOps?: FileOps } = {},
): Promise<TestServer> {
  const root = options.root ?? (await makeTempDir('dp-api-'));
  let scratch: ScratchDatabase | undefined;
  const env: Record<string, string> = { DP_HEARTBEAT_MS: '200', DP_RUN_TTL_MS: '1500', ...options.env };
  if ((options.store ?? 'postgres') === 'postgres' && !env.DP_STORE_URL) {
    scratch = await createScratchDatabase('dp_store');
    env.DP_STORE_URL = scratch.url;
  }
  const settings = testSettings(root, env);
  const conformance = new ResponseConformance();
  const server = await startServer(settings, { port: 0, logger: false, backupOps: options.backupOps, configure: (app) => conformance.observe(app) });
  const url = server.url;
  return {
    url,
    server,
    settings,
    root,
    call: (method, route, body, headers) => jsonRequest(url, method, route, body, headers),
    conformance,
    async close() {
      await server.close();
      await scratch?.drop();
      // The root this made (store, task directories); a root the caller gave is the caller's.
      if (!options.root) await fs.rm(root, { recursive: true, force: true });
      conformance.assertClean();
    },
  };
}

/** One request with a JSON body (when given); the answer parsed as JSON when it is JSON (downloads are not). */
export async function jsonRequest<T = ApiBody>(
  url: string,
  method: string,
  route: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: T; headers: Headers }> {
  const response = await fetch(`${url}${route}`, {
    method,
    headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON
  }
  return { status: response.status, body: parsed as T, headers: response.headers };
}

/** Polls a task until its status is final (or `timeoutMs` passes). */
export async function waitForTask(server: TestServer, taskId: string, timeoutMs = 60_000): Promise<ApiBody> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { body } = await server.call('GET', `/api/v0/data_pipeline/tasks/${taskId}`);
    const status = body.data.status as string;
    if (!body.data.active_run && ['completed', 'failed', 'partial_completed'].includes(status)) return body;
    if (Date.now() > deadline) throw new Error(`task ${taskId} still ${status} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export function taskPath(server: TestServer, taskId: string): string {
  return path.join(server.settings.trainingDataDir, taskId);
}
