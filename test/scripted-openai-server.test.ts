import { describe, it, expect, beforeAll, afterAll, beforeEach } from 'vitest';
import OpenAI, { APIConnectionError, APIConnectionTimeoutError, BadRequestError, InternalServerError, RateLimitError } from 'openai';
import {
  APOLOGY_CONTENT,
  MALFORMED_CONTENT,
  THINK_PREFIX,
  deterministicEmbedding,
  estimateTokens,
  startScriptedOpenAI,
  type ScriptedOpenAIServer,
} from './support/scripted-openai-server.js';

const MODEL = 'test-model';

function client(server: ScriptedOpenAIServer, opts: { maxRetries?: number; timeout?: number } = {}): OpenAI {
  return new OpenAI({ baseURL: server.baseURL, apiKey: 'test', maxRetries: opts.maxRetries ?? 0, timeout: opts.timeout });
}

/** One chat call; returns the assistant content. */
async function ask(openai: OpenAI, prompt = 'hello'): Promise<string | null> {
  const completion = await openai.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: prompt }] });
  return completion.choices[0]?.message.content ?? null;
}

/** Resolves to the rejection reason (fails the test if the promise resolves). */
async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected the promise to reject');
}

describe('scripted OpenAI server', () => {
  let server: ScriptedOpenAIServer;
  let openai: OpenAI;

  beforeAll(async () => {
    server = await startScriptedOpenAI();
    openai = client(server);
  });
  afterAll(async () => {
    await server.close();
  });
  beforeEach(() => {
    server.reset();
    server.setDefaultChat(undefined);
    server.setLatency(0);
    server.setEmbeddingAnswer(undefined);
  });

  it('consumes queued behaviours in order, then falls back to the default', async () => {
    server.enqueue({ kind: 'content', content: 'first' }, { kind: 'content', content: 'second' });
    expect(await ask(openai)).toBe('first');
    expect(await ask(openai)).toBe('second');
    expect(await ask(openai)).toBe('{}');

    server.setDefaultChat((req) => ({ kind: 'content', content: `echo:${req.messages[0]?.content ?? ''}` }));
    expect(await ask(openai, 'ping')).toBe('echo:ping');
    expect(server.chatRequests.map((r) => r.messages[0]?.content)).toEqual(['hello', 'hello', 'hello', 'ping']);
    expect(server.chatRequests[0]?.model).toBe(MODEL);
  });

  it('round-trips json bodies and produces the scripted degenerate contents', async () => {
    const body = { table_comment: 'Orders', columns: [{ name: 'id', comment: 'PK' }] };
    server.enqueue({ kind: 'json', body }, { kind: 'malformed' }, { kind: 'apology' }, { kind: 'think', content: '{"ok":true}' });
    expect(JSON.parse((await ask(openai)) ?? '')).toEqual(body);

    const malformed = await ask(openai);
    expect(malformed).toBe(MALFORMED_CONTENT);
    expect(() => JSON.parse(malformed ?? '')).toThrow();

    expect(await ask(openai)).toBe(APOLOGY_CONTENT);
    expect(await ask(openai)).toBe(`${THINK_PREFIX}{"ok":true}`);
  });

  it('returns the full completion shape with deterministic usage', async () => {
    server.enqueue({ kind: 'json', body: { a: 1 } });
    const completion = await openai.chat.completions.create({
      model: MODEL,
      messages: [
        { role: 'system', content: 'You are terse.' },
        { role: 'user', content: 'hello world' },
      ],
    });
    expect(completion.object).toBe('chat.completion');
    expect(completion.model).toBe(MODEL);
    expect(completion.choices[0]?.finish_reason).toBe('stop');
    expect(completion.choices[0]?.message.role).toBe('assistant');
    expect(completion.usage).toEqual({
      prompt_tokens: estimateTokens('You are terse.hello world'),
      completion_tokens: estimateTokens('{"a":1}'),
      total_tokens: estimateTokens('You are terse.hello world') + estimateTokens('{"a":1}'),
    });
    expect(completion.usage?.prompt_tokens).toBeGreaterThan(0);
    expect(completion.usage?.completion_tokens).toBeGreaterThan(0);
  });

  it('surfaces 429 as RateLimitError with a Retry-After header', async () => {
    server.enqueue({ kind: 'status', status: 429, retryAfterSeconds: 7, message: 'slow down' });
    const err = await rejectionOf(ask(openai));
    expect(err).toBeInstanceOf(RateLimitError);
    const rateLimit = err as RateLimitError;
    expect(rateLimit.status).toBe(429);
    expect(rateLimit.headers.get('retry-after')).toBe('7');
    expect(rateLimit.message).toContain('slow down');
    expect(server.chatRequests).toHaveLength(1);
  });

  it('surfaces 500 as InternalServerError', async () => {
    server.enqueue({ kind: 'status', status: 500 });
    const err = await rejectionOf(ask(openai));
    expect(err).toBeInstanceOf(InternalServerError);
    expect((err as InternalServerError).status).toBe(500);
  });

  it('lets the SDK retry through 429s and records every attempt', async () => {
    const retrying = client(server, { maxRetries: 2 });
    server.enqueue(
      { kind: 'status', status: 429, retryAfterSeconds: 0 },
      { kind: 'status', status: 429, retryAfterSeconds: 0 },
      { kind: 'json', body: { done: true } },
    );
    expect(await ask(retrying)).toBe('{"done":true}');
    expect(server.chatRequests).toHaveLength(3);
    // The SDK numbers its attempts; recorded headers let tests see that.
    expect(server.chatRequests.map((r) => r.headers['x-stainless-retry-count'])).toEqual(['0', '1', '2']);
  });

  it('surfaces a dropped socket as APIConnectionError (not a timeout)', async () => {
    server.enqueue({ kind: 'drop' });
    const err = await rejectionOf(ask(openai));
    expect(err).toBeInstanceOf(APIConnectionError);
    expect(err).not.toBeInstanceOf(APIConnectionTimeoutError);
    // The server stays usable afterwards.
    expect(await ask(openai)).toBe('{}');
  });

  it('surfaces a delay beyond the client timeout as APIConnectionTimeoutError', async () => {
    server.enqueue({ kind: 'delay', ms: 2_000, then: { kind: 'json', body: {} } });
    const err = await rejectionOf(ask(client(server, { timeout: 100 })));
    expect(err).toBeInstanceOf(APIConnectionTimeoutError);
  });

  it('answers after a delay', async () => {
    server.enqueue({ kind: 'delay', ms: 50, then: { kind: 'content', content: 'late' } });
    const started = Date.now();
    expect(await ask(openai)).toBe('late');
    expect(Date.now() - started).toBeGreaterThanOrEqual(45);
  });

  it('applies fixed latency to every response', async () => {
    server.setLatency(60);
    const started = Date.now();
    await ask(openai);
    await openai.embeddings.create({ model: 'emb', input: 'x' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(100);
  });

  it('tracks the maximum number of concurrent chat requests', async () => {
    await ask(openai);
    await ask(openai);
    expect(server.maxConcurrentChats).toBe(1);

    server.reset();
    const delayed = { kind: 'delay', ms: 200, then: { kind: 'json', body: { ok: 1 } } } as const;
    server.enqueue(delayed, delayed, delayed);
    const answers = await Promise.all([ask(openai), ask(openai), ask(openai)]);
    expect(answers).toEqual(['{"ok":1}', '{"ok":1}', '{"ok":1}']);
    expect(server.maxConcurrentChats).toBe(3);

    server.reset();
    expect(server.maxConcurrentChats).toBe(0);
    expect(server.chatRequests).toHaveLength(0);
  });

  it('returns deterministic, normalised embeddings of the requested dimension', async () => {
    const first = await openai.embeddings.create({ model: 'emb', input: ['alpha', 'beta', 'alpha'], dimensions: 16 });
    expect(first.object).toBe('list');
    expect(first.data).toHaveLength(3);
    expect(first.data.map((d) => d.index)).toEqual([0, 1, 2]);
    for (const d of first.data) {
      expect(d.embedding).toHaveLength(16);
      expect(Math.hypot(...d.embedding)).toBeCloseTo(1, 5);
    }
    expect(first.data[2]?.embedding).toEqual(first.data[0]?.embedding);
    expect(first.data[1]?.embedding).not.toEqual(first.data[0]?.embedding);
    expect(first.usage.prompt_tokens).toBe(estimateTokens('alpha') * 2 + estimateTokens('beta'));

    // Same text in a later request, and via the float (non-base64) encoding, gives the same vector.
    const again = await openai.embeddings.create({ model: 'emb', input: 'alpha', dimensions: 16, encoding_format: 'float' });
    expect(again.data[0]?.embedding).toEqual(first.data[0]?.embedding);
    expect(first.data[0]?.embedding).toEqual(deterministicEmbedding('alpha', 16));

    const defaultDim = await openai.embeddings.create({ model: 'emb', input: 'alpha' });
    expect(defaultDim.data[0]?.embedding).toHaveLength(64);

    expect(server.embeddingRequests.map((r) => r.input)).toEqual([['alpha', 'beta', 'alpha'], ['alpha'], ['alpha']]);
    expect(server.embeddingRequests[0]?.dimensions).toBe(16);
  });

  it('answers embeddings as requested, always as float arrays, always as base64, or with scripted vectors', async () => {
    /** The raw wire form, without the SDK's decoding. */
    async function embeddingsOnTheWire(body: Record<string, unknown>): Promise<unknown[]> {
      const response = await fetch(`${server.baseURL}/embeddings`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'emb', dimensions: 4, ...body }),
      });
      const parsed = (await response.json()) as { data: { embedding: unknown }[] };
      return parsed.data.map((d) => d.embedding);
    }
    const base64Of = (vector: number[]) => Buffer.from(new Float32Array(vector).buffer).toString('base64');
    const alpha = deterministicEmbedding('alpha', 4);

    expect(await embeddingsOnTheWire({ input: ['alpha'], encoding_format: 'base64' })).toEqual([base64Of(alpha)]);
    expect(await embeddingsOnTheWire({ input: ['alpha'], encoding_format: 'float' })).toEqual([alpha]);

    server.setEmbeddingAnswer({ encoding: 'float' });
    expect(await embeddingsOnTheWire({ input: ['alpha'], encoding_format: 'base64' })).toEqual([alpha]);
    server.setEmbeddingAnswer({ encoding: 'base64' });
    expect(await embeddingsOnTheWire({ input: ['alpha'], encoding_format: 'float' })).toEqual([base64Of(alpha)]);

    // NaN cannot travel in JSON (null); base64 carries it.
    server.setEmbeddingAnswer({ encoding: 'float', vector: (_text, dim) => Array.from({ length: dim }, (_, i) => (i === 1 ? Number.NaN : 0)) });
    expect(await embeddingsOnTheWire({ input: ['alpha'] })).toEqual([[0, null, 0, 0]]);
    server.setEmbeddingAnswer({ encoding: 'base64', vector: () => [0, Number.NaN] });
    expect(await embeddingsOnTheWire({ input: ['alpha'] })).toEqual([base64Of([0, Number.NaN])]);
    expect(server.embeddingRequests.map((r) => r.encodingFormat)).toEqual(['base64', 'float', 'base64', 'float', undefined, undefined]);
  });

  it('rejects streaming, unknown routes and malformed request JSON', async () => {
    const streamErr = await rejectionOf(openai.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'x' }], stream: true }));
    expect(streamErr).toBeInstanceOf(BadRequestError);

    const notFound = await fetch(`${server.baseURL}/nope`);
    expect(notFound.status).toBe(404);
    const notFoundBody: unknown = await notFound.json();
    expect(notFoundBody).toMatchObject({ error: { message: expect.any(String), type: expect.any(String) } });

    const badJson = await fetch(`${server.baseURL}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"model": ',
    });
    expect(badJson.status).toBe(400);

    const models = await openai.models.list();
    expect(models.data).toHaveLength(1);
  });
});

describe('scripted OpenAI server with rejectJsonMode', () => {
  let server: ScriptedOpenAIServer;

  beforeAll(async () => {
    server = await startScriptedOpenAI({ rejectJsonMode: true });
  });
  afterAll(async () => {
    await server.close();
  });

  it('returns 400 only when response_format is present, without consuming the queue', async () => {
    const openai = client(server);
    server.enqueue({ kind: 'json', body: { fallback: true } });

    const err = await rejectionOf(
      openai.chat.completions.create({
        model: MODEL,
        messages: [{ role: 'user', content: 'x' }],
        response_format: { type: 'json_object' },
      }),
    );
    expect(err).toBeInstanceOf(BadRequestError);
    expect((err as BadRequestError).status).toBe(400);
    expect((err as BadRequestError).message).toContain('response_format is not supported');

    // The client's retry without response_format gets the queued answer.
    expect(await ask(openai)).toBe('{"fallback":true}');
    expect(server.chatRequests.map((r) => r.responseFormat)).toEqual([{ type: 'json_object' }, undefined]);
  });
});
