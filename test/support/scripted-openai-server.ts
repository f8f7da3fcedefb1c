/**
 * Scripted OpenAI-compatible HTTP server for tests and benchmarks.
 *
 * A real `node:http` server on 127.0.0.1 (random port) that the official `openai` SDK talks to via
 * `baseURL`. Tests enqueue `Behaviour`s to decide exactly how each chat request is answered
 * (content, HTTP errors, dropped sockets, delays), and inspect what the client actually sent.
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Behaviour =
  | { kind: 'content'; content: string }
  | { kind: 'json'; body: unknown }
  | { kind: 'malformed' }
  | { kind: 'apology' }
  | { kind: 'think'; content: string }
  | { kind: 'status'; status: number; retryAfterSeconds?: number; message?: string }
  | { kind: 'drop' }
  | { kind: 'delay'; ms: number; then: Behaviour };

export interface ChatRequestInfo {
  model: string;
  messages: { role: string; content: string }[];
  responseFormat?: unknown;
  body: Record<string, unknown>;
  headers: Record<string, string | string[] | undefined>;
  receivedAt: number;
}

export interface EmbeddingRequestInfo {
  model: string;
  input: string[];
  dimensions?: number;
  /** `encoding_format` as sent; the SDK sends 'base64' unless the caller chose one. */
  encodingFormat?: string;
  receivedAt: number;
}

/**
 * How `/embeddings` answers. `encoding`: 'as-requested' (default) sends base64 when the request
 * asks for it and float arrays otherwise; 'float' always sends float arrays, as many compatible
 * servers do (vLLM, Ollama, llama.cpp, older proxies) even when base64 was asked for; 'base64'
 * always sends base64 (little-endian float32). `vector` replaces the deterministic vectors, e.g.
 * with zeros or NaN (NaN and ±Infinity travel as JSON `null` in float arrays, exactly in base64).
 */
export interface EmbeddingAnswer {
  encoding?: 'as-requested' | 'float' | 'base64';
  vector?: (text: string, dim: number) => number[];
}

export interface ScriptedOpenAIOptions {
  /** Answer when the queue is empty. Default: { kind: 'json', body: {} } */
  defaultChat?: (req: ChatRequestInfo) => Behaviour | Promise<Behaviour>;
  /** Embedding dimension when the request does not pass `dimensions`. Default 64. */
  embeddingDim?: number;
  /**
   * If true, a chat request that carries `response_format` gets HTTP 400
   * {error:{message:"response_format is not supported", ...}} (tests the client's fallback).
   * Such a rejection does not consume a queued behaviour, so the client's retry without
   * `response_format` receives it.
   */
  rejectJsonMode?: boolean;
  /** Fixed latency added to every response (chat and embeddings), in ms. Default 0. */
  latencyMs?: number;
  /** How embeddings are answered. Default: deterministic vectors, encoded as requested. */
  embeddings?: EmbeddingAnswer;
}

export interface ScriptedOpenAIServer {
  /** e.g. http://127.0.0.1:PORT/v1 */
  baseURL: string;
  /** Every chat request received, in order (including ones answered with errors). */
  chatRequests: ChatRequestInfo[];
  embeddingRequests: EmbeddingRequestInfo[];
  /** Next chat requests consume these first, FIFO. */
  enqueue(...behaviours: Behaviour[]): void;
  /** Pass `undefined` to restore the built-in default ({ kind: 'json', body: {} }). */
  setDefaultChat(fn: ScriptedOpenAIOptions['defaultChat']): void;
  setLatency(ms: number): void;
  /** Pass `undefined` to restore the default (deterministic vectors, encoded as requested). */
  setEmbeddingAnswer(answer: EmbeddingAnswer | undefined): void;
  /** The highest number of chat requests in flight at once (for concurrency-limit tests). */
  readonly maxConcurrentChats: number;
  /** Clear queue, recorded requests and counters. Keeps the default answers and latency. */
  reset(): void;
  /** Close the server and any open sockets; pending delays are cut short. Idempotent. */
  close(): Promise<void>;
}

export const SCRIPTED_MODEL_ID = 'scripted-model';
export const MALFORMED_CONTENT = '{"table_comment": "x", ';
export const APOLOGY_CONTENT = "I'm sorry, but I can't help with that.";
export const THINK_PREFIX = '<think>some reasoning {"a":1}</think>';

/** Deterministic token estimate (ceil(chars / 4)) so tests can predict and sum usage. */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

/**
 * The vector the server returns for `text`: seeded from SHA-256 of the text, L2-normalised.
 * Values are rounded to float32 because the SDK's default base64 transport is float32, so both
 * encodings yield exactly these numbers.
 */
export function deterministicEmbedding(text: string, dim: number): number[] {
  const digest = createHash('sha256').update(text, 'utf8').digest();
  const next = sfc32(digest.readUInt32LE(0), digest.readUInt32LE(4), digest.readUInt32LE(8), digest.readUInt32LE(12));
  const raw = Array.from({ length: dim }, () => next() * 2 - 1);
  const norm = Math.sqrt(raw.reduce((sum, v) => sum + v * v, 0)) || 1;
  return raw.map((v) => Math.fround(v / norm));
}

/** Small seeded PRNG: cheaper than hashing once per dimension when embedding large batches. */
function sfc32(a: number, b: number, c: number, d: number): () => number {
  return () => {
    a |= 0;
    b |= 0;
    c |= 0;
    d |= 0;
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
}

const DEFAULT_CHAT: NonNullable<ScriptedOpenAIOptions['defaultChat']> = () => ({ kind: 'json', body: {} });

/** Thrown while handling a request to answer with an OpenAI-style error. */
class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Message content may be a string, null (tool calls) or an array of content parts. */
function contentToText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    return content.map((part) => (isRecord(part) && typeof part.text === 'string' ? part.text : '')).join('');
  }
  return '';
}

function errorTypeFor(status: number): { type: string; code: string | null } {
  if (status === 429) return { type: 'requests', code: 'rate_limit_exceeded' };
  if (status === 401) return { type: 'invalid_request_error', code: 'invalid_api_key' };
  if (status === 404) return { type: 'invalid_request_error', code: 'not_found' };
  if (status >= 500) return { type: 'server_error', code: null };
  return { type: 'invalid_request_error', code: null };
}

function sendJson(res: ServerResponse, status: number, payload: unknown, headers: Record<string, string> = {}): void {
  // The client may have given up (timeout/abort) while we were delaying.
  if (res.destroyed || res.writableEnded) return;
  const text = JSON.stringify(payload);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

function sendError(res: ServerResponse, status: number, message: string, headers: Record<string, string> = {}): void {
  const { type, code } = errorTypeFor(status);
  sendJson(res, status, { error: { message, type, param: null, code } }, headers);
}

async function readJsonBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<unknown>) {
    chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  }
  const text = Buffer.concat(chunks).toString('utf8');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new HttpError(400, 'We could not parse the JSON body of your request.');
  }
  if (!isRecord(parsed)) throw new HttpError(400, 'The request body must be a JSON object.');
  return parsed;
}

export async function startScriptedOpenAI(options: ScriptedOpenAIOptions = {}): Promise<ScriptedOpenAIServer> {
  const embeddingDim = options.embeddingDim ?? 64;
  const rejectJsonMode = options.rejectJsonMode ?? false;
  let defaultChat = options.defaultChat ?? DEFAULT_CHAT;
  let latencyMs = options.latencyMs ?? 0;
  let embeddingAnswer: EmbeddingAnswer = options.embeddings ?? {};

  const queue: Behaviour[] = [];
  const chatRequests: ChatRequestInfo[] = [];
  const embeddingRequests: EmbeddingRequestInfo[] = [];
  let inFlightChats = 0;
  let maxConcurrentChats = 0;
  let completionCounter = 0;
  let closing = false;

  // Pending sleeps, so close() can cut them short instead of leaving timers alive.
  const pendingSleeps = new Set<{ timer: NodeJS.Timeout; resolve: () => void }>();
  function sleep(ms: number): Promise<void> {
    if (ms <= 0 || closing) return Promise.resolve();
    return new Promise((resolve) => {
      const entry = {
        timer: setTimeout(() => {
          pendingSleeps.delete(entry);
          resolve();
        }, ms),
        resolve,
      };
      pendingSleeps.add(entry);
    });
  }

  function sendCompletion(res: ServerResponse, info: ChatRequestInfo, content: string): void {
    const promptTokens = estimateTokens(info.messages.map((m) => m.content).join(''));
    const completionTokens = estimateTokens(content);
    completionCounter += 1;
    sendJson(res, 200, {
      id: `chatcmpl-scripted-${completionCounter}`,
      object: 'chat.completion',
      created: Math.floor(Date.now() / 1000),
      model: info.model,
      choices: [{ index: 0, message: { role: 'assistant', content, refusal: null }, logprobs: null, finish_reason: 'stop' }],
      usage: { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens },
    });
  }

  async function behave(behaviour: Behaviour, res: ServerResponse, info: ChatRequestInfo): Promise<void> {
    switch (behaviour.kind) {
      case 'content':
        return sendCompletion(res, info, behaviour.content);
      case 'json':
        return sendCompletion(res, info, JSON.stringify(behaviour.body));
      case 'malformed':
        return sendCompletion(res, info, MALFORMED_CONTENT);
      case 'apology':
        return sendCompletion(res, info, APOLOGY_CONTENT);
      case 'think':
        return sendCompletion(res, info, THINK_PREFIX + behaviour.content);
      case 'status': {
        const headers: Record<string, string> = behaviour.retryAfterSeconds === undefined ? {} : { 'retry-after': String(behaviour.retryAfterSeconds) };
        return sendError(res, behaviour.status, behaviour.message ?? `Scripted error ${behaviour.status}`, headers);
      }
      case 'drop':
        // Destroying the response kills the socket: the client sees a network error.
        res.destroy();
        return;
      case 'delay':
        await sleep(behaviour.ms);
        if (closing) return;
        return behave(behaviour.then, res, info);
      default: {
        const unreachable: never = behaviour;
        throw new Error(`Unknown behaviour: ${JSON.stringify(unreachable)}`);
      }
    }
  }

  async function handleChat(req: IncomingMessage, res: ServerResponse, body: Record<string, unknown>): Promise<void> {
    const rawMessages = Array.isArray(body.messages) ? body.messages : [];
    const info: ChatRequestInfo = {
      model: typeof body.model === 'string' ? body.model : '',
      messages: rawMessages.map((m) => ({
        role: isRecord(m) && typeof m.role === 'string' ? m.role : '',
        content: isRecord(m) ? contentToText(m.content) : '',
      })),
      responseFormat: body.response_format ?? undefined,
      body,
      headers: { ...req.headers },
      receivedAt: Date.now(),
    };
    chatRequests.push(info);

    inFlightChats += 1;
    maxConcurrentChats = Math.max(maxConcurrentChats, inFlightChats);
    // 'close' fires both after a normal finish and when the client goes away.
    res.once('close', () => {
      inFlightChats -= 1;
    });

    await sleep(latencyMs);
    if (closing) return;

    // Request-shape errors are answered before touching the queue, so a scripted behaviour is
    // not wasted on a request the client will immediately retry in another form.
    if (!Array.isArray(body.messages)) throw new HttpError(400, "Missing required parameter: 'messages'.");
    if (body.stream === true) throw new HttpError(400, 'stream: true is not supported by the scripted server');
    if (rejectJsonMode && info.responseFormat !== undefined) {
      throw new HttpError(400, 'response_format is not supported');
    }

    const behaviour = queue.shift() ?? (await defaultChat(info));
    await behave(behaviour, res, info);
  }

  async function handleEmbeddings(res: ServerResponse, body: Record<string, unknown>): Promise<void> {
    await sleep(latencyMs);
    if (closing) return;

    const rawInput = body.input;
    const input = typeof rawInput === 'string' ? [rawInput] : rawInput;
    if (!Array.isArray(input) || input.length === 0 || !input.every((x): x is string => typeof x === 'string')) {
      throw new HttpError(400, "'input' must be a non-empty string or array of strings.");
    }
    const dimensions = body.dimensions;
    if (dimensions !== undefined && !(typeof dimensions === 'number' && Number.isInteger(dimensions) && dimensions > 0)) {
      throw new HttpError(400, "'dimensions' must be a positive integer.");
    }
    const encodingFormat = typeof body.encoding_format === 'string' ? body.encoding_format : undefined;
    const model = typeof body.model === 'string' ? body.model : SCRIPTED_MODEL_ID;
    embeddingRequests.push({ model, input, dimensions, encodingFormat, receivedAt: Date.now() });

    const dim = dimensions ?? embeddingDim;
    const encoding = embeddingAnswer.encoding ?? 'as-requested';
    const base64 = encoding === 'base64' || (encoding === 'as-requested' && encodingFormat === 'base64');
    const data = input.map((text, index) => {
      const vector = (embeddingAnswer.vector ?? deterministicEmbedding)(text, dim);
      // The SDK asks for base64 (little-endian float32) by default and decodes it itself.
      const embedding = base64 ? Buffer.from(new Float32Array(vector).buffer).toString('base64') : vector;
      return { object: 'embedding', index, embedding };
    });
    const tokens = input.reduce((sum, text) => sum + estimateTokens(text), 0);
    sendJson(res, 200, { object: 'list', data, model, usage: { prompt_tokens: tokens, total_tokens: tokens } });
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname.replace(/\/+$/, '');
    const route = `${req.method ?? ''} ${path}`;
    switch (route) {
      case 'POST /v1/chat/completions':
        return handleChat(req, res, await readJsonBody(req));
      case 'POST /v1/embeddings':
        return handleEmbeddings(res, await readJsonBody(req));
      case 'GET /v1/models':
        return sendJson(res, 200, {
          object: 'list',
          data: [{ id: SCRIPTED_MODEL_ID, object: 'model', created: 0, owned_by: 'scripted' }],
        });
      default:
        req.resume(); // drain any body so the connection stays usable
        throw new HttpError(404, `Unknown route: ${req.method ?? ''} ${req.url ?? ''}`);
    }
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (err instanceof HttpError) sendError(res, err.status, err.message);
      else sendError(res, 500, `Scripted server failure: ${err instanceof Error ? err.message : String(err)}`);
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;

  let closed: Promise<void> | undefined;

  return {
    baseURL: `http://127.0.0.1:${port}/v1`,
    chatRequests,
    embeddingRequests,
    enqueue(...behaviours) {
      queue.push(...behaviours);
    },
    setDefaultChat(fn) {
      defaultChat = fn ?? DEFAULT_CHAT;
    },
    setLatency(ms) {
      latencyMs = ms;
    },
    setEmbeddingAnswer(answer) {
      embeddingAnswer = answer ?? {};
    },
    get maxConcurrentChats() {
      return maxConcurrentChats;
    },
    reset() {
      // Mutate in place so references the test already holds stay live.
      queue.length = 0;
      chatRequests.length = 0;
      embeddingRequests.length = 0;
      maxConcurrentChats = inFlightChats;
      completionCounter = 0;
    },
    close() {
      closed ??= new Promise<void>((resolve, reject) => {
        closing = true;
        for (const { timer, resolve: wake } of pendingSleeps) {
          clearTimeout(timer);
          wake();
        }
        pendingSleeps.clear();
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      });
      return closed;
    },
  };
}
