/**
 * The openai LLM client and provider, and the embedders, against the scripted OpenAI-compatible
 * server on loopback, through the real `openai` SDK: JSON mode and its fallback, reply cleaning,
 * the single re-ask, name-matched column comments, retries, timeout, the shared concurrency limit,
 * token accounting and secret redaction.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadSettings, type EmbeddingSettings, type LlmSettings } from '../src/config/settings.js';
import { createEmbedder } from '../src/embedding/create-embedder.js';
import { HashingEmbedder } from '../src/embedding/hashing-embedder.js';
import { decodeEmbedding, EmbeddingError, OpenAIEmbedder } from '../src/embedding/openai-embedder.js';
import type { ColumnInfo, TableInfo } from '../src/source/catalog.js';
import type { RepairRequest, TableCommentRequest } from '../src/llm/llm-provider.js';
import { ChatClient, LlmCallError } from '../src/llm/openai/chat-client.js';
import { OpenAIProvider, UnusableReplyError } from '../src/llm/openai/openai-provider.js';
import { LlmUsage } from '../src/llm/usage.js';
import { answerWell, detectPromptKind, parseRepairItems } from './support/openai-answers.js';
import { column } from './support/catalog-fixtures.js';
import {
  APOLOGY_CONTENT,
  MALFORMED_CONTENT,
  deterministicEmbedding,
  estimateTokens,
  startScriptedOpenAI,
  type ScriptedOpenAIServer,
} from './support/scripted-openai-server.js';

const API_KEY = 'sk-test-secret';
const EMBEDDING_KEY = 'sk-embed-secret';

function typedColumn(name: string, type: string, position: number, extra: Partial<ColumnInfo> = {}): ColumnInfo {
  return column(name, { type, typeName: type, position, ...extra });
}

const ORDERS: TableInfo = {
  schema: 'public',
  name: 'orders',
  kind: 'table',
  comment: null,
  rowEstimate: 3,
  sizeBytes: 8192,
  columns: [
    typedColumn('id', 'bigint', 1, { category: 'N', typeName: 'int8', notNull: true, isPrimaryKey: true }),
    typedColumn('order_number', 'varchar(20)', 2, { notNull: true, isUnique: true }),
    typedColumn('status', 'order_status', 3, { category: 'E', enumLabels: ['pending', 'paid'] }),
    typedColumn('channel', 'varchar(10)', 4),
    typedColumn('total_amount', 'numeric(12,2)', 5, { category: 'N', typeName: 'numeric' }),
    typedColumn('NPS_Score', 'smallint', 6, { category: 'N', typeName: 'int2' }),
  ],
  primaryKey: ['id'],
  uniqueKeys: [['order_number']],
  foreignKeys: [],
  checks: [],
  viewDefinition: null,
};

const SAMPLES = [
  { id: '1', order_number: 'SO-0001', status: 'paid', channel: 'web', total_amount: '12.50', NPS_Score: '9' },
  { id: '2', order_number: 'SO-0002', status: 'pending', channel: 'store', total_amount: '80.00', NPS_Score: null },
];

function commentRequest(): TableCommentRequest {
  return { table: ORDERS, samples: SAMPLES, businessContext: 'An outdoor shop', language: 'en' };
}

const ORDERS_DDL = [
  'create table public.orders (',
  '  id bigserial,',
  '  order_number varchar(20) not null,',
  '  status order_status,',
  '  primary key (id)',
  ');',
].join('\n');

function repairRequest(): RepairRequest {
  return {
    items: [
      { id: 'p0002', question: 'Which order numbers exist?', sql: 'SELECT ordr_number FROM orders', error: 'column "ordr_number" does not exist' },
      { id: 'p0005', question: 'Count orders per status', sql: 'SELECT statsu, COUNT(*) FROM orders GROUP BY statsu', error: 'column "statsu" does not exist' },
    ],
    ddl: ORDERS_DDL,
    tables: [ORDERS],
    language: 'en',
  };
}

/** Resolves to the rejection reason (fails the test if the promise resolves). */
async function rejectionOf(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the promise to reject');
}

describe('openai chat client and provider (scripted server)', () => {
  let server: ScriptedOpenAIServer;

  /** LLM settings as loaded from the environment, pointing at the scripted server. */
  function llmSettings(env: Record<string, string> = {}, target: ScriptedOpenAIServer = server): LlmSettings {
    return loadSettings({
      LLM_PROVIDER: 'openai',
      LLM_BASE_URL: target.baseURL,
      LLM_MODEL: 'scripted-model',
      LLM_API_KEY: API_KEY,
      LLM_MAX_RETRIES: '3',
      LLM_TIMEOUT_MS: '2000',
      ...env,
    }).llm;
  }

  beforeAll(async () => {
    server = await startScriptedOpenAI({ defaultChat: answerWell });
  });
  afterAll(async () => {
    await server.close();
  });
  beforeEach(() => {
    server.reset();
    server.setDefaultChat(answerWell);
    server.setLatency(0);
  });

  it('asks in JSON mode with the configured model and key, and returns the answer', async () => {
    const provider = new OpenAIProvider(llmSettings());
    const comments = await provider.commentTable(commentRequest());

    expect(server.chatRequests).toHaveLength(1);
    const request = server.chatRequests[0]!;
    expect(request.responseFormat).toEqual({ type: 'json_object' });
    expect(request.model).toBe('scripted-model');
    expect(request.headers.authorization).toBe(`Bearer ${API_KEY}`);
    expect(detectPromptKind(request)).toBe('table_comments');
    expect(comments.tableComment).toBe('One row per orders record.');
    expect(Object.keys(comments.columnComments)).toEqual(ORDERS.columns.map((c) => c.name));
    expect(comments.columnComments.NPS_Score).toMatch(/nps score/);
    expect(comments.enumColumns).toEqual(['status', 'channel']);
  });

  it('shows the model each column with its declared values: enum labels and a CHECK list', async () => {
    const provider = new OpenAIProvider(llmSettings());
    const codes = Array.from({ length: 40 }, (_, i) => `c${i + 1}`);
    const declared: Record<string, string[]> = { channel: ['web', 'store', 'phone'], order_number: codes };
    const table = { ...ORDERS, columns: ORDERS.columns.map((c) => (declared[c.name] ? { ...c, allowedValues: declared[c.name] as string[] } : c)) };
    await provider.commentTable({ ...commentRequest(), table });
    const prompt = server.chatRequests[0]!.messages.map((m) => m.content).join('\n');
    expect(prompt).toContain('- status (order_status; enum type values: pending, paid)');
    expect(prompt).toContain('- channel (varchar(10); values allowed by a CHECK: web, store, phone)');
    // A long list is cut: it would crowd out the rest of the table.
    expect(prompt).toContain(`values allowed by a CHECK: ${codes.slice(0, 30).join(', ')}, … (10 more)`);
    expect(prompt).not.toContain('c31');
  });

  it('falls back to plain chat when the endpoint refuses response_format, for the rest of the client', async () => {
    const strict = await startScriptedOpenAI({ defaultChat: answerWell, rejectJsonMode: true });
    try {
      const provider = new OpenAIProvider(llmSettings({}, strict));
      const first = await provider.commentTable(commentRequest());
      expect(first.tableComment).toBe('One row per orders record.');
      expect(strict.chatRequests.map((r) => r.responseFormat !== undefined)).toEqual([true, false]);

      const second = await provider.repairSql(repairRequest());
      expect(second.map((p) => p.id)).toEqual(['p0002', 'p0005']);
      // JSON mode stays off: the second call goes straight to the plain form.
      expect(strict.chatRequests.map((r) => r.responseFormat !== undefined)).toEqual([true, false, false]);
      expect(provider.usage.calls).toBe(2);
      expect(provider.usage.requests).toBe(3);
    } finally {
      await strict.close();
    }
  });

  it('strips <think> blocks, also a leading one whose opening tag is missing', async () => {
    const usage = new LlmUsage();
    const client = new ChatClient(llmSettings(), usage);
    server.enqueue({ kind: 'think', content: '{"answer": 42}' });
    expect(await client.chat([{ role: 'user', content: 'q' }])).toBe('{"answer": 42}');

    server.enqueue({ kind: 'content', content: 'thinking out loud {"a": 1}</think>\n{"answer": 7}' });
    expect(await client.chat([{ role: 'user', content: 'q' }])).toBe('{"answer": 7}');

    // The JSON inside the reasoning ({"a":1}) is not mistaken for the answer.
    const provider = new OpenAIProvider(llmSettings());
    server.enqueue({ kind: 'think', content: JSON.stringify({ repairs: [{ id: 'p0002', sql: 'SELECT order_number FROM orders' }] }) });
    expect(await provider.repairSql(repairRequest())).toEqual([{ id: 'p0002', sql: 'SELECT order_number FROM orders' }]);
    expect(provider.usage.reasks).toBe(0);
  });

  it('extracts JSON from a ```json fence surrounded by prose, without a re-ask', async () => {
    const provider = new OpenAIProvider(llmSettings());
    const body = { repairs: [{ id: 'p0005', sql: 'SELECT status, COUNT(*) FROM orders GROUP BY status' }] };
    server.enqueue({ kind: 'content', content: `Here is the fix:\n\`\`\`json\n${JSON.stringify(body, null, 2)}\n\`\`\`\nHope it helps.` });
    expect(await provider.repairSql(repairRequest())).toEqual(body.repairs);
    expect(server.chatRequests).toHaveLength(1);
    expect(provider.usage.reasks).toBe(0);
  });

  it('re-asks a malformed reply exactly once, with the reason, and uses the second reply', async () => {
    const provider = new OpenAIProvider(llmSettings());
    server.enqueue({ kind: 'malformed' });
    const proposals = await provider.repairSql(repairRequest());

    expect(proposals).toEqual([
      { id: 'p0002', sql: 'SELECT order_number FROM orders' },
      { id: 'p0005', sql: 'SELECT status, COUNT(*) FROM orders GROUP BY status' },
    ]);
    expect(server.chatRequests).toHaveLength(2);
    const reask = server.chatRequests[1]!.messages;
    expect(reask).toHaveLength(4);
    expect(reask.slice(0, 2)).toEqual(server.chatRequests[0]!.messages);
    // The client sends back what it received (trimmed), then the reason.
    expect(reask[2]).toEqual({ role: 'assistant', content: MALFORMED_CONTENT.trim() });
    expect(reask[3]!.role).toBe('user');
    expect(reask[3]!.content).toMatch(/could not be used: the reply is not a JSON object/);
    expect(provider.usage.reasks).toBe(1);
    expect(provider.usage.failures).toBe(0);
  });

  it('a second malformed reply gives up with UnusableReplyError after exactly two requests', async () => {
    const provider = new OpenAIProvider(llmSettings());
    server.enqueue({ kind: 'malformed' }, { kind: 'malformed' });
    const error = await rejectionOf(provider.commentTable(commentRequest()));

    expect(error).toBeInstanceOf(UnusableReplyError);
    expect(error.message).toMatch(/table public\.orders after one re-ask: the reply is not a JSON object/);
    expect(server.chatRequests).toHaveLength(2);
    expect(provider.usage).toMatchObject({ calls: 2, reasks: 1, failures: 1 });
  });

  it('rejects an apology as table comment, re-asks, and never returns it', async () => {
    const provider = new OpenAIProvider(llmSettings());
    server.enqueue({ kind: 'json', body: { table_comment: APOLOGY_CONTENT, columns: { id: 'Order id' }, enum_columns: [] } });
    const comments = await provider.commentTable(commentRequest());

    expect(comments.tableComment).toBe('One row per orders record.');
    expect(server.chatRequests).toHaveLength(2);
    expect(server.chatRequests[1]!.messages[3]!.content).toMatch(/table_comment: must be a short, non-empty description \(not a refusal/);

    // Apologies both times (here as the whole reply): the provider fails, no comment is returned.
    server.reset();
    server.enqueue({ kind: 'json', body: { table_comment: "Sorry, I can't determine this.", columns: {} } }, { kind: 'apology' });
    const error = await rejectionOf(provider.commentTable(commentRequest()));
    expect(error).toBeInstanceOf(UnusableReplyError);
    expect(error.message).toMatch(/after one re-ask: the reply is not a JSON object/);
    expect(server.chatRequests).toHaveLength(2);
    expect(server.chatRequests[1]!.messages[3]!.content).toMatch(/table_comment: must be a short, non-empty description/);
  });

  it('matches column comments by name: reordered kept, unknown, wrongly cased and refused ones dropped', async () => {
    const provider = new OpenAIProvider(llmSettings());
    server.enqueue({
      kind: 'json',
      body: {
        table_comment: 'One customer order.',
        columns: {
          total_amount: 'Order total in USD',
          ghost_column: 'Does not exist',
          channel: "I'm sorry, I cannot determine what this column means.",
          nps_score: 'Wrong case: not the column "NPS_Score"',
          NPS_Score: 'Net promoter score, 0 to 10',
          id: '  Order\n   identifier  ',
          order_number: 'N/A',
          status: 42,
        },
        enum_columns: ['status', 'ghost_column', 'channel'],
      },
    });
    const comments = await provider.commentTable(commentRequest());

    expect(server.chatRequests).toHaveLength(1);
    expect(comments.tableComment).toBe('One customer order.');
    expect(comments.columnComments).toEqual({
      total_amount: 'Order total in USD',
      NPS_Score: 'Net promoter score, 0 to 10',
      id: 'Order identifier',
    });
    expect(comments.enumColumns).toEqual(['status', 'channel']);
  });

  it('drops repair proposals for ids it did not ask about', async () => {
    const provider = new OpenAIProvider(llmSettings());
    server.enqueue({
      kind: 'json',
      body: {
        repairs: [
          { id: 'p0005', sql: ' SELECT status FROM orders ' },
          { id: 'p9999', sql: 'SELECT 1' },
          { id: 'p0002', sql: 'SELECT order_number FROM orders' },
        ],
      },
    });
    expect(await provider.repairSql(repairRequest())).toEqual([
      { id: 'p0005', sql: 'SELECT status FROM orders' },
      { id: 'p0002', sql: 'SELECT order_number FROM orders' },
    ]);
    // The prompt carried the items with their ids, as the scripted model reads them.
    expect(parseRepairItems(server.chatRequests[0]!).map((i) => i.id)).toEqual(['p0002', 'p0005']);
  });

  it('retries 429 and 500 with backoff and succeeds; every HTTP request is counted', async () => {
    const provider = new OpenAIProvider(llmSettings());
    server.enqueue({ kind: 'status', status: 429, retryAfterSeconds: 0, message: 'Rate limit reached' }, { kind: 'status', status: 500, retryAfterSeconds: 0 });
    const comments = await provider.commentTable(commentRequest());

    expect(comments.tableComment).toBe('One row per orders record.');
    expect(server.chatRequests).toHaveLength(3);
    // The retries are the same request again.
    expect(server.chatRequests[1]!.messages).toEqual(server.chatRequests[0]!.messages);
    expect(server.chatRequests[2]!.messages).toEqual(server.chatRequests[0]!.messages);
    expect(provider.usage).toMatchObject({ requests: 3, calls: 1, reasks: 0, failures: 0 });
  });

  it('gives up after LLM_MAX_RETRIES and reports the HTTP error as LlmCallError', async () => {
    const provider = new OpenAIProvider(llmSettings({ LLM_MAX_RETRIES: '1' }));
    server.enqueue(
      { kind: 'status', status: 503, retryAfterSeconds: 0, message: 'upstream overloaded' },
      { kind: 'status', status: 503, retryAfterSeconds: 0, message: 'upstream overloaded' },
    );
    const error = await rejectionOf(provider.commentTable(commentRequest()));
    expect(error).toBeInstanceOf(LlmCallError);
    expect(error.message).toMatch(/^LLM request to http:\/\/127\.0\.0\.1:\d+\/v1 failed: 503 upstream overloaded/);
    expect(server.chatRequests).toHaveLength(2);
    expect(provider.usage.requests).toBe(2);
    expect(provider.usage.calls).toBe(0);
  });

  it('fails a reply slower than LLM_TIMEOUT_MS with a clear LlmCallError', async () => {
    const provider = new OpenAIProvider(llmSettings({ LLM_TIMEOUT_MS: '1000', LLM_MAX_RETRIES: '0' }));
    // The reply would come after a minute: only the client's own timeout can end the call (and the test).
    server.enqueue({ kind: 'delay', ms: 60_000, then: { kind: 'json', body: {} } });
    const error = await rejectionOf(provider.commentTable(commentRequest()));

    expect(error).toBeInstanceOf(LlmCallError);
    expect(error.message).toMatch(/^LLM request to .* failed: .*timed out.* \(LLM_TIMEOUT_MS=1000, after 0 retries\)$/i);
    expect(server.chatRequests).toHaveLength(1);
  });

  it('holds LLM_CONCURRENCY across clients of the same endpoint', async () => {
    const settings = llmSettings({ LLM_CONCURRENCY: '2' });
    // Two clients (two runs of one process): the limit is shared per endpoint.
    const clients = [new ChatClient(settings, new LlmUsage()), new ChatClient(settings, new LlmUsage())];
    for (let i = 0; i < 6; i += 1) server.enqueue({ kind: 'delay', ms: 200, then: { kind: 'content', content: `reply ${i}` } });

    const replies = await Promise.all(Array.from({ length: 6 }, (_, i) => clients[i % 2]!.chat([{ role: 'user', content: `question ${i}` }])));

    expect(new Set(replies)).toEqual(new Set(Array.from({ length: 6 }, (_, i) => `reply ${i}`)));
    expect(server.chatRequests).toHaveLength(6);
    // Never more than two at once, and the limit was reached (the six did not go one by one).
    expect(server.maxConcurrentChats).toBe(2);
  });

  it('sums the tokens the endpoint reports', async () => {
    const provider = new OpenAIProvider(llmSettings());
    const replies = ['{"table_comment": "x", ', JSON.stringify({ repairs: [{ id: 'p0002', sql: 'SELECT order_number FROM orders' }] })];
    server.enqueue({ kind: 'content', content: replies[0]! }, { kind: 'content', content: replies[1]! });
    await provider.repairSql(repairRequest());
    await provider.commentTable(commentRequest()); // answered by answerWell

    expect(server.chatRequests).toHaveLength(3);
    const expectedPrompt = server.chatRequests.reduce((sum, r) => sum + estimateTokens(r.messages.map((m) => m.content).join('')), 0);
    const thirdReply = JSON.stringify((answerWell(server.chatRequests[2]!) as { body: unknown }).body);
    const expectedCompletion = estimateTokens(replies[0]!) + estimateTokens(replies[1]!) + estimateTokens(thirdReply);
    expect(provider.usage.promptTokens).toBe(expectedPrompt);
    expect(provider.usage.completionTokens).toBe(expectedCompletion);
    expect(provider.usage.snapshot()).toMatchObject({
      calls: 3,
      requests: 3,
      total_tokens: expectedPrompt + expectedCompletion,
    });
  });

  it('never shows the API key in an error message', async () => {
    const provider = new OpenAIProvider(llmSettings());
    server.enqueue({ kind: 'status', status: 401, message: `Incorrect API key provided: ${API_KEY}. Check your key.` });
    const error = await rejectionOf(provider.commentTable(commentRequest()));

    // The key really was sent, and really came back in the server's message.
    expect(server.chatRequests[0]!.headers.authorization).toBe(`Bearer ${API_KEY}`);
    expect(error).toBeInstanceOf(LlmCallError);
    expect(error.message).toMatch(/401 Incorrect API key provided: \*\*\*\. Check your key\./);
    expect(error.message).not.toContain(API_KEY);
    expect(String(error)).not.toContain(API_KEY);
    expect(error.stack ?? '').not.toContain(API_KEY);
  });
});

describe('embedders', () => {
  let server: ScriptedOpenAIServer;

  function embeddingSettings(env: Record<string, string> = {}): EmbeddingSettings {
    return loadSettings({
      EMBEDDING_PROVIDER: 'openai',
      EMBEDDING_BASE_URL: server.baseURL,
      EMBEDDING_MODEL: 'scripted-embedding',
      EMBEDDING_API_KEY: EMBEDDING_KEY,
      EMBEDDING_DIM: '64',
      EMBEDDING_BATCH_SIZE: '4',
      ...env,
    }).embedding;
  }

  beforeAll(async () => {
    server = await startScriptedOpenAI({ embeddingDim: 64 });
  });
  afterAll(async () => {
    await server.close();
  });
  beforeEach(() => {
    server.reset();
    server.setEmbeddingAnswer(undefined);
  });

  it('OpenAIEmbedder sends EMBEDDING_BATCH_SIZE inputs per request and returns vectors in input order', async () => {
    const embedder = await createEmbedder(embeddingSettings());
    expect(embedder).toBeInstanceOf(OpenAIEmbedder);
    const texts = Array.from({ length: 10 }, (_, i) => `question number ${i}: how many orders per store?`);
    const vectors = await embedder.embed(texts);

    expect(server.embeddingRequests).toHaveLength(3);
    const batches = [...server.embeddingRequests].sort((a, b) => texts.indexOf(a.input[0]!) - texts.indexOf(b.input[0]!));
    expect(batches.map((b) => b.input)).toEqual([texts.slice(0, 4), texts.slice(4, 8), texts.slice(8)]);
    expect(batches.every((b) => b.model === 'scripted-embedding')).toBe(true);
    expect((embedder as OpenAIEmbedder).requests).toBe(3);

    expect(vectors).toHaveLength(10);
    vectors.forEach((vector, i) => {
      expect(vector).toHaveLength(64);
      expect(vector).toEqual(deterministicEmbedding(texts[i]!, 64));
    });
    expect(await embedder.embed([])).toEqual([]);
    expect(server.embeddingRequests).toHaveLength(3);
  });

  it('OpenAIEmbedder asks for floats and decodes float arrays sent when base64 was expected', async () => {
    // The hostile case: float arrays whatever was asked for (vLLM, Ollama, llama.cpp, proxies).
    server.setEmbeddingAnswer({ encoding: 'float' });
    const embedder = new OpenAIEmbedder(embeddingSettings({ EMBEDDING_DIM: '64' }));
    const texts = ['orders per store', 'revenue by day', 'employees by department', 'refunds', 'returns'];
    const vectors = await embedder.embed(texts);

    expect(server.embeddingRequests.map((r) => r.encodingFormat)).toEqual(['float', 'float']);
    expect(vectors).toEqual(texts.map((t) => deterministicEmbedding(t, 64)));
    for (const vector of vectors) expect(Math.hypot(...vector)).toBeCloseTo(1, 6);
  });

  it('OpenAIEmbedder decodes base64 float32 sent even though floats were asked for', async () => {
    server.setEmbeddingAnswer({ encoding: 'base64' });
    const embedder = new OpenAIEmbedder(embeddingSettings({ EMBEDDING_DIM: '64' }));
    const texts = ['orders per store', 'revenue by day', 'refunds'];
    const vectors = await embedder.embed(texts);

    expect(server.embeddingRequests.map((r) => r.encodingFormat)).toEqual(['float']);
    // The scripted vectors are float32 values, so base64 carries them exactly.
    expect(vectors).toEqual(texts.map((t) => deterministicEmbedding(t, 64)));
  });

  it('decodeEmbedding reads arrays and base64, turns non-numbers into NaN and refuses other shapes', () => {
    const values = [0.5, -0.25, 1e-3];
    expect(decodeEmbedding(values, 0)).toEqual(values);
    expect(decodeEmbedding(Buffer.from(new Float32Array(values).buffer).toString('base64'), 0)).toEqual(values.map((v) => Math.fround(v)));
    // NaN travels as null in JSON: it stays visible as NaN for the store's check.
    expect(decodeEmbedding([0.5, null], 0)).toEqual([0.5, Number.NaN]);
    expect(() => decodeEmbedding(Buffer.from([1, 2, 3, 4, 5, 6]).toString('base64'), 3)).toThrow(EmbeddingError);
    expect(() => decodeEmbedding(Buffer.from([1, 2, 3, 4, 5, 6]).toString('base64'), 3)).toThrow(/embedding 3 of the reply is base64 of 6 bytes/);
    expect(() => decodeEmbedding({ values: [1] }, 1)).toThrow(/embedding 1 of the reply is neither an array of numbers nor base64 text \(got object\)/);
  });

  it('HashingEmbedder is deterministic, normalised, order-preserving, and puts related texts closer', async () => {
    const embedder = await createEmbedder(loadSettings({ EMBEDDING_DIM: '128' }).embedding);
    expect(embedder).toBeInstanceOf(HashingEmbedder);
    expect(embedder.dim).toBe(128);
    const texts = ['total revenue per store', 'revenue per store and day', 'employees hired by department'];
    const vectors = await embedder.embed(texts);
    expect(await embedder.embed([...texts].reverse())).toEqual([...vectors].reverse());
    for (const vector of vectors) {
      expect(vector).toHaveLength(128);
      expect(Math.hypot(...vector)).toBeCloseTo(1, 10);
    }
    const dot = (a: number[], b: number[]) => a.reduce((sum, v, i) => sum + v * (b[i] as number), 0);
    expect(dot(vectors[0]!, vectors[1]!)).toBeGreaterThan(dot(vectors[0]!, vectors[2]!));
    expect(new HashingEmbedder(16).embedOne('')).toEqual(new Array(16).fill(0));
  });
});
