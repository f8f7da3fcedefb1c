/**
 * Masking of secrets: connection strings structurally in every form `pg` reads, and a specific
 * secret only in the context that owns it (no process-wide list that would turn logs into an
 * oracle and mask common words).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSettings } from '../src/config/settings.js';
import { DatabaseConnectionError } from '../src/db/postgres-database.js';
import { EmbeddingError, OpenAIEmbedder } from '../src/embedding/openai-embedder.js';
import { ChatClient, LlmCallError } from '../src/llm/openai/chat-client.js';
import { LlmUsage } from '../src/llm/usage.js';
import { connectionSecrets, redactSecrets, redactUrl, registerUrlSecret, secretMasker, withoutMaskedSecrets } from '../src/util/redact.js';

describe('connection strings are masked structurally', () => {
  it('masks every form pg takes a password in', () => {
    expect(redactUrl('postgresql://u:p%40ss@h:5432/db')).toBe('postgresql://u:***@h:5432/db');
    // userinfo with an unencoded @, parameters, percent-encoded names.
    expect(redactUrl('postgresql://u:p@ss@h/db')).toBe('postgresql://u:***@h/db');
    expect(redactUrl('postgresql://u@h:5432/db?password=a%26b&sslmode=disable')).toBe('postgresql://u@h:5432/db?password=***&sslmode=disable');
    expect(redactUrl('postgresql://u@h/db?sslmode=require&sslpassword=k;e#y&x=1')).toBe('postgresql://u@h/db?sslmode=require&sslpassword=***&x=1');
    expect(redactUrl('postgresql://u@h/db?pass%77ord=xyzw&PASSWORD=abcd')).toBe('postgresql://u@h/db?pass%77ord=***&PASSWORD=***');
    expect(redactUrl('postgresql://u@h:5432/db?application_name=a')).toBe('postgresql://u@h:5432/db?application_name=a');
    expect(redactUrl('sample')).toBe('sample');
    expect(withoutMaskedSecrets('postgresql://u:***@h/db?password=***&sslmode=disable')).toBe('postgresql://u@h/db?sslmode=disable');
    expect(withoutMaskedSecrets('postgresql://u@h:5432/db?application_name=a')).toBe('postgresql://u@h:5432/db?application_name=a');
  });

  it('masks a password holding an unencoded #, ? or / whole (up to the last @), never part of it', () => {
    for (const password of ['CLI#SECRET8', 'CLI?SECRET10', 'CLI/SECRET11', 'a/b?c#d@e']) {
      const url = `postgresql://postgres:${password}@127.0.0.1:5432/db`;
      expect(redactUrl(url), password).toBe('postgresql://postgres:***@127.0.0.1:5432/db');
      expect(connectionSecrets(url), password).toContain(password);
      expect(redactSecrets(`cannot open ${url}: unparseable URL`), password).toBe('cannot open postgresql://postgres:***@127.0.0.1:5432/db: unparseable URL');
      expect(withoutMaskedSecrets(redactUrl(url))).toBe('postgresql://postgres@127.0.0.1:5432/db');
    }
    // A parameter holding an @ is over-masked rather than a password leaked.
    const overMasked = redactUrl('postgresql://h:5432/db?password=x@yzzz');
    expect(overMasked).not.toContain('yzzz');
    expect(redactUrl('postgresql://u@h/db?password=secret1&application_name=a@b')).not.toContain('secret1');
  });

  it('masks connection strings of any scheme and password= pairs in free text, without being told any secret', () => {
    expect(redactSecrets('connect postgres://x:zzz@h/db failed')).toBe('connect postgres://x:***@h/db failed');
    expect(redactSecrets('see postgresql://u@h/db?sslpassword=zzzz&x=1')).toBe('see postgresql://u@h/db?sslpassword=***&x=1');
    expect(redactSecrets('got "mysql://root:STORESECRET3@h/db"')).toBe('got "mysql://root:***@h/db"');
    expect(redactSecrets('host=h password=Kv-Secret9 dbname=x')).toBe('host=h password=*** dbname=x');
    expect(redactSecrets("password='a b c' host=h")).toBe('password=*** host=h');
  });
});

describe('a specific secret is masked only where it belongs', () => {
  it('masks the given secrets in their raw and encoded forms, and no other text', () => {
    const secrets = connectionSecrets('postgresql://u@h/db?password=Param%2FSecret');
    expect(redactSecrets('auth failed: Param/Secret and Param%2FSecret', secrets)).toBe('auth failed: *** and ***');
    const mask = secretMasker(['sk-abcdef123456', undefined, 'abc']);
    expect(mask('error: key sk-abcdef123456, user abc')).toBe('error: key ***, user abc');
  });

  it('masks a password that is a word (letters only) structurally only: the word stays wherever it is not a password', () => {
    const mask = secretMasker(['postgres', 'customers']);
    expect(mask('connect postgresql://postgres:postgres@h/db; table public.customers; role postgres')).toBe(
      'connect postgresql://postgres:***@h/db; table public.customers; role postgres',
    );
    expect(mask('host=h password=customers')).toBe('host=h password=***');
  });

  it('keeps no secret across calls: registering a URL masks nothing later (no oracle, no masked common words)', () => {
    expect(registerUrlSecret('postgresql://u:SECRET1@h/db')).toBe('postgresql://u:***@h/db');
    expect(registerUrlSecret('postgresql://u:orders@h/db')).toBe('postgresql://u:***@h/db');
    expect(registerUrlSecret('postgresql://u:public@h/db')).toBe('postgresql://u:***@h/db');
    // Another context, with its own secret: the earlier passwords are ordinary words there.
    expect(redactSecrets('public.SECRET1: no such table; public.shop_orders', ['Mine-9876'])).toBe('public.SECRET1: no such table; public.shop_orders');
    expect(redactSecrets('public.orders')).toBe('public.orders');
  });
});

describe('a connection error masks the URL it was given', () => {
  it('in every form, its reason included, and never takes part of a password for the host', () => {
    const error = new DatabaseConnectionError('postgresql://u:Pw-Secret-9@db.example:5432/app', new Error('auth failed for Pw-Secret-9 (Pw-Secret-9)'));
    expect(error.message).toBe('cannot connect to db.example:5432/app: auth failed for *** (***)');
    // A password holding an unencoded @ and /: a URL parser would read "ss" as the host.
    const odd = new DatabaseConnectionError('postgresql://u:p@ss/w0rd-Odd@db.example/app', new Error('getaddrinfo ENOTFOUND'));
    expect(odd.message).toBe('cannot connect to db.example/app: getaddrinfo ENOTFOUND');
  });
});

describe('API clients mask their own key in their errors, and nowhere else', () => {
  const LLM_KEY = 'sk-llm-Own-Key-1234';
  const EMBEDDING_KEY = 'sk-emb-Own-Key-5678';
  let endpoint: http.Server;
  let baseURL: string;

  beforeAll(async () => {
    // An endpoint that refuses the key and quotes it back, as some compatible servers do.
    endpoint = http.createServer((req, res) => {
      req.resume();
      const key = (req.headers.authorization ?? '').replace(/^Bearer /, '');
      res.writeHead(401, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { message: `Incorrect API key provided: ${key}`, type: 'invalid_request_error' } }));
    });
    await new Promise<void>((resolve) => endpoint.listen(0, '127.0.0.1', resolve));
    baseURL = `http://127.0.0.1:${(endpoint.address() as AddressInfo).port}/v1`;
  });
  afterAll(async () => new Promise<void>((resolve) => endpoint.close(() => resolve())));

  it('the chat client and the embedder mask their keys; making them registers nothing process-wide', async () => {
    const settings = loadSettings({
      LLM_PROVIDER: 'openai',
      LLM_BASE_URL: baseURL,
      LLM_MODEL: 'm',
      LLM_API_KEY: LLM_KEY,
      LLM_MAX_RETRIES: '0',
      EMBEDDING_PROVIDER: 'openai',
      EMBEDDING_MODEL: 'e',
      EMBEDDING_API_KEY: EMBEDDING_KEY,
    });
    const chat = new ChatClient(settings.llm, new LlmUsage());
    const chatError = await chat.chat([{ role: 'user', content: 'hi' }]).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(chatError).toBeInstanceOf(LlmCallError);
    expect((chatError as Error).message).toMatch(/401 Incorrect API key provided: \*\*\*/);
    expect((chatError as Error).message).not.toContain(LLM_KEY);

    const embedder = new OpenAIEmbedder({ ...settings.embedding, baseURL });
    const embedError = await embedder.embed(['x']).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(embedError).toBeInstanceOf(EmbeddingError);
    expect((embedError as Error).message).toMatch(/401 Incorrect API key provided: \*\*\*/);
    expect((embedError as Error).message).not.toContain(EMBEDDING_KEY);

    // The keys are the clients' own: other text of the process is not masked with them.
    expect(redactSecrets(`tables ${LLM_KEY} and ${EMBEDDING_KEY}`)).toBe(`tables ${LLM_KEY} and ${EMBEDDING_KEY}`);
  });
});
