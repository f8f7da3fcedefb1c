/**
 * Helpers for the run-machinery tests: the server as a child process (`data-pipeline serve`), a
 * JSON client for any server URL, a controllable scripted LLM (held behind a gate, or slowed with a
 * delay), polling with generous deadlines, and a small Server-Sent Events reader.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { jsonRequest, type ApiBody } from './api-server.js';
import { makeTempDir, PROJECT_ROOT, TEST_CACHE_DIR } from './env.js';
import { answerWell } from './openai-answers.js';
import { SCRIPTED_MODEL_ID, type ScriptedOpenAIServer } from './scripted-openai-server.js';

export const BASE = '/api/v0/data_pipeline/tasks';
const BIN = path.join(PROJECT_ROOT, 'bin', 'data-pipeline.js');

export type Call = <T = ApiBody>(method: string, route: string, body?: unknown, headers?: Record<string, string>) => Promise<{ status: number; body: T }>;

/** A JSON client for a server at `url` (same shape as TestServer.call). */
export function client(url: string): Call {
  return async (method, route, body, headers) => {
    const { status, body: parsed } = await jsonRequest(url, method, route, body, headers);
    return { status, body: parsed as never };
  };
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `data-pipeline <args>` as a user would (its own process, only PATH, HOME and `env`), to its exit. */
export function runCli(args: string[], env: Record<string, string>): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: PROJECT_ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ChildServer {
  url: string;
  child: ChildProcess;
  call: Call;
  /** Everything the process printed so far (stdout and stderr). */
  output(): string;
  /** Resolves when the process has exited. */
  exited: Promise<Exit>;
  /** Sends `signal` and waits for the exit (SIGKILL if it is still alive after `timeoutMs`). */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<Exit>;
}

const children = new Set<ChildServer>();

/**
 * Starts `data-pipeline serve --port 0` with `env` (plus PATH, HOME, the shared sample cache and
 * a small embedding dimension) and waits for its "listening on http://…" log line.
 */
export async function spawnServer(env: Record<string, string>, timeoutMs = 90_000): Promise<ChildServer> {
  const child = spawn(process.execPath, [BIN, 'serve', '--port', '0'], {
    cwd: PROJECT_ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/tmp',
      DP_CACHE_DIR: TEST_CACHE_DIR,
      EMBEDDING_DIM: '64',
      LOG_LEVEL: 'info',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const exited = new Promise<Exit>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start within ${timeoutMs} ms:\n${out}`)), timeoutMs);
    const onData = (d: Buffer) => {
      out += d.toString();
      const match = /listening on (http:\/\/[\w.:[\]-]+)/.exec(out);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    void exited.then((exit) => {
      clearTimeout(timer);
      reject(new Error(`server exited (${exit.code ?? exit.signal}) before listening:\n${out}`));
    });
  }).catch(async (error: unknown) => {
    child.kill('SIGKILL');
    await exited;
    throw error;
  });
  const server: ChildServer = {
    url,
    child,
    call: client(url),
    output: () => out,
    exited,
    async stop(signal = 'SIGTERM', stopTimeoutMs = 60_000) {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), stopTimeoutMs);
      const exit = await exited;
      clearTimeout(timer);
      children.delete(server);
      return exit;
    },
  };
  children.add(server);
  void exited.then(() => children.delete(server));
  return server;
}

/** Kills every child server still alive (for afterAll). */
export async function killChildServers(): Promise<void> {
  await Promise.all([...children].map((c) => c.stop('SIGKILL')));
}

const tempDirs: string[] = [];

/** A temporary directory removed by `removeTempDirs()`. */
export async function tempDir(prefix: string): Promise<string> {
  const dir = await makeTempDir(prefix);
  tempDirs.push(dir);
  return dir;
}

/** Removes the directories made by `tempDir()` (for afterAll, once the servers using them stopped). */
export async function removeTempDirs(): Promise<void> {
  await Promise.all(tempDirs.splice(0).map((dir) => fs.rm(dir, { recursive: true, force: true })));
}

/** Settings that send the LLM calls of a server to the scripted LLM, one at a time, without retries. */
export function llmEnv(llm: ScriptedOpenAIServer): Record<string, string> {
  return { LLM_PROVIDER: 'openai', LLM_BASE_URL: llm.baseURL, LLM_MODEL: SCRIPTED_MODEL_ID, LLM_MAX_RETRIES: '0', LLM_CONCURRENCY: '1' };
}

/**
 * Holds every LLM answer (after the first `pass` ones) until `release()`: a run stays active, at
 * a known point, for as long as a test needs.
 */
export function holdLlm(llm: ScriptedOpenAIServer, options: { pass?: number } = {}): { release(): void } {
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  let passed = 0;
  llm.setDefaultChat(async (req) => {
    if (passed < (options.pass ?? 0)) {
      passed += 1;
      return answerWell(req);
    }
    await released;
    return answerWell(req);
  });
  return { release };
}

/** Every LLM answer comes after `ms` (a run that is still going when a process is stopped). */
export function slowLlm(llm: ScriptedOpenAIServer, ms = 60_000): void {
  llm.setDefaultChat((req) => ({ kind: 'delay', ms, then: answerWell(req) }));
}

/** Polls `probe` until it returns something other than undefined/false. */
export async function waitUntil<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 90_000, intervalMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (last error: ${String(last)})` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

export type TaskView = Record<string, any>;

export async function getTask(call: Call, taskId: string): Promise<TaskView> {
  const { status, body } = await call('GET', `${BASE}/${taskId}`);
  if (status !== 200) throw new Error(`GET task ${taskId}: ${status} ${JSON.stringify(body)}`);
  return body.data;
}

export function step(task: TaskView, name: string): TaskView {
  const found = (task.steps as TaskView[]).find((s) => s.step_name === name);
  if (!found) throw new Error(`task ${task.task_id} has no step ${name}`);
  return found;
}

/** Waits until the task has no active run and a final status. */
export function waitForFinal(call: Call, taskId: string, timeoutMs = 90_000): Promise<TaskView> {
  return waitUntil(
    `task ${taskId} to reach a final status`,
    async () => {
      const task = await getTask(call, taskId);
      return !task.active_run && ['completed', 'failed', 'partial_completed'].includes(task.status) ? task : undefined;
    },
    timeoutMs,
  );
}

/** Waits until `stepName` of the task is running and the LLM has received a request. */
export function waitForRunningStep(call: Call, taskId: string, llm: ScriptedOpenAIServer, stepName = 'ddl_generation'): Promise<TaskView> {
  return waitUntil(`step ${stepName} of ${taskId} to be running with an LLM call in flight`, async () => {
    if (llm.chatRequests.length === 0) return undefined;
    const task = await getTask(call, taskId);
    return task.active_run?.status === 'running' && step(task, stepName).step_status === 'running' ? task : undefined;
  });
}

/** Creates a task and gives it a table list; returns its id. */
export async function createTask(call: Call, tables: string[] | null, extra: Record<string, unknown> = {}): Promise<string> {
  const created = await call('POST', BASE, { task_name: 'runs test', business_context: 'Outdoor gear retailer', ...extra });
  if (created.status !== 201) throw new Error(`create task: ${created.status} ${JSON.stringify(created.body)}`);
  const taskId = created.body.data.task_id as string;
  if (tables) {
    const listed = await call('POST', `${BASE}/${taskId}/table-list`, { tables });
    if (listed.status !== 200) throw new Error(`table list: ${listed.status} ${JSON.stringify(listed.body)}`);
  }
  return taskId;
}

export interface SseEvent {
  id: string | undefined;
  event: string;
  data: string;
}

/**
 * Reads a Server-Sent Events stream until the server ends it (or `timeoutMs` passes, which
 * fails). Comments and `retry:` lines are skipped; each dispatched event keeps its last id.
 */
export async function readSse(
  url: string,
  options: { headers?: Record<string, string>; onEvent?: (event: SseEvent) => void; timeoutMs?: number } = {},
): Promise<{ status: number; contentType: string | null; events: SseEvent[] }> {
  const timeoutMs = options.timeoutMs ?? 120_000;
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(new Error(`SSE stream ${url} did not end within ${timeoutMs} ms`)), timeoutMs);
  try {
    const response = await fetch(url, { headers: { accept: 'text/event-stream', ...options.headers }, signal: abort.signal });
    const events: SseEvent[] = [];
    if (!response.body) return { status: response.status, contentType: response.headers.get('content-type'), events };
    const decoder = new TextDecoder();
    let buffer = '';
    let current: { id?: string; event?: string; data: string[] } = { data: [] };
    const line = (text: string) => {
      if (text === '') {
        if (current.data.length > 0 || current.event !== undefined) {
          const event = { id: current.id, event: current.event ?? 'message', data: current.data.join('\n') };
          events.push(event);
          options.onEvent?.(event);
        }
        current = { data: [] };
        return;
      }
      if (text.startsWith(':')) return;
      const colon = text.indexOf(':');
      const field = colon < 0 ? text : text.slice(0, colon);
      const value = colon < 0 ? '' : text.slice(colon + 1).replace(/^ /, '');
      if (field === 'id') current.id = value;
      else if (field === 'event') current.event = value;
      else if (field === 'data') current.data.push(value);
    };
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      buffer += decoder.decode(chunk, { stream: true });
      let newline: number;
      for (newline = buffer.search(/\r\n|\n|\r/); newline >= 0; newline = buffer.search(/\r\n|\n|\r/)) {
        const width = buffer.startsWith('\r\n', newline) ? 2 : 1;
        line(buffer.slice(0, newline));
        buffer = buffer.slice(newline + width);
      }
    }
    return { status: response.status, contentType: response.headers.get('content-type'), events };
  } finally {
    clearTimeout(timer);
  }
}
