/**
 * training_load with an OpenAI-compatible embedder (our scripted server) into the embedded store:
 * float arrays where the SDK would expect base64 and base64 where floats were asked for both load
 * the vectors the server sent; zero, NaN and wrong-dimension vectors are refused naming the
 * document, and nothing of that load is written (nor truncated).
 */
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Settings } from '../src/config/settings.js';
import { openEmbeddedStore } from '../src/db/embedded-store.js';
import { EMBEDDING_TABLE, vectorProblem, VectorStore, VectorStoreError, type VectorDocument } from '../src/vector/vector-store.js';
import { runWorkflow, type WorkflowResult } from '../src/workflow/orchestrator.js';
import { TaskDirectory } from '../src/task-directory/task-dir.js';
import { workflowOptions, type WorkflowOptions } from '../src/workflow/run-options.js';
import { makeTempDir, testSettings } from './support/env.js';
import { deterministicEmbedding, startScriptedOpenAI, type EmbeddingAnswer, type ScriptedOpenAIServer } from './support/scripted-openai-server.js';

const DIM = 64;
const PAIR_FILE = 'qs_shop_20240101_120000_pair.json';

interface Row {
  id: string;
  document: string;
  embedding: number[];
}

describe('training_load through an OpenAI-compatible embedder', () => {
  let server: ScriptedOpenAIServer;
  let settings: Settings;

  beforeAll(async () => {
    server = await startScriptedOpenAI({ embeddingDim: DIM });
    settings = testSettings(await makeTempDir(), {
      EMBEDDING_PROVIDER: 'openai',
      EMBEDDING_BASE_URL: server.baseURL,
      EMBEDDING_MODEL: 'scripted-embedding',
      EMBEDDING_DIM: String(DIM),
      // Several requests per load, so a bad vector comes after good batches.
      EMBEDDING_BATCH_SIZE: '2',
    });
  });
  afterAll(async () => {
    await server?.close();
  });
  beforeEach(() => {
    server.reset();
    server.setEmbeddingAnswer(undefined);
  });

  /**
   * A task directory of seven documents (two DDL statements, two Markdown sections, three pairs),
   * every one holding `marker`; the last pair's question also holds `lastQuestion`.
   */
  async function taskWith(marker: string, lastQuestion = 'How many refunds were there?'): Promise<TaskDirectory> {
    const dir = await TaskDirectory.open(path.join(settings.trainingDataDir, marker), { create: true });
    await dir.writeFile(
      'orders.ddl',
      `-- ${marker}: orders\ncreate table public.orders (id bigint primary key, total numeric);\n` +
        `-- ${marker}: lines\ncreate table public.order_lines (order_id bigint, qty int);\n`,
    );
    await dir.writeFile('orders_detail.md', `## public.orders (${marker})\nCustomer orders.\n## Columns (${marker})\n- id: order id\n`);
    const pairs = [
      { question: `How many orders are there? (${marker})`, sql: 'SELECT COUNT(*) FROM public.orders' },
      { question: `What is the total of all orders? (${marker})`, sql: 'SELECT SUM(total) FROM public.orders' },
      { question: `${lastQuestion} (${marker})`, sql: 'SELECT COUNT(*) FROM public.order_lines' },
    ];
    await dir.writeFile(PAIR_FILE, `${JSON.stringify(pairs, null, 2)}\n`);
    return dir;
  }

  async function load(dir: TaskDirectory, overrides: Partial<WorkflowOptions> = {}): Promise<WorkflowResult> {
    const options = workflowOptions({ task_id: path.basename(dir.path), db_connection: 'sample', ...overrides });
    return runWorkflow({ dir, settings, options, mode: 'step', step: 'training_load' });
  }

  async function storedRows(): Promise<Row[]> {
    const db = await openEmbeddedStore(settings.embeddedStoreDir);
    try {
      const rows = await db.query<{ id: string; document: string; embedding: string }>(
        `SELECT id, document, embedding::text AS embedding FROM ${EMBEDDING_TABLE} ORDER BY id`,
      );
      return rows.map((r) => ({ ...r, embedding: JSON.parse(r.embedding) as number[] }));
    } finally {
      await db.close();
    }
  }

  /** The stored vectors are the ones the server sent for each document's text. */
  function expectServerVectors(rows: Row[]): void {
    for (const row of rows) {
      const sent = deterministicEmbedding(row.document, DIM);
      expect(row.embedding).toHaveLength(DIM);
      expect(Math.hypot(...row.embedding)).toBeCloseTo(1, 5);
      row.embedding.forEach((value, i) => {
        expect(value).toBeCloseTo(sent[i] as number, 6);
      });
    }
  }

  it('loads the vectors of a server that answers float arrays even where base64 would be asked for', async () => {
    server.setEmbeddingAnswer({ encoding: 'float' });
    const dir = await taskWith('float_server');
    const result = await load(dir);

    expect(result.error_message).toBeNull();
    expect(result.status).toBe('completed');
    expect(result.steps[0]?.counters).toMatchObject({ documents: 7, vectors: 7 });
    expect(server.embeddingRequests.map((r) => r.encodingFormat)).toEqual(['float', 'float', 'float', 'float']);
    const rows = (await storedRows()).filter((r) => r.document.includes('float_server'));
    expect(rows).toHaveLength(7);
    expectServerVectors(rows);
  });

  it('loads the vectors of a server that answers base64 although floats were asked for', async () => {
    server.setEmbeddingAnswer({ encoding: 'base64' });
    const dir = await taskWith('base64_server');
    const result = await load(dir);

    expect(result.error_message).toBeNull();
    expect(result.status).toBe('completed');
    const rows = (await storedRows()).filter((r) => r.document.includes('base64_server'));
    expect(rows).toHaveLength(7);
    expectServerVectors(rows);
  });

  const BAD = 'BAD_VECTOR';
  const badVector =
    (make: (dim: number) => number[]): EmbeddingAnswer['vector'] =>
    (text, dim) =>
      text.includes(BAD) ? make(dim) : deterministicEmbedding(text, dim);
  const cases: { name: string; answer: EmbeddingAnswer; problem: RegExp }[] = [
    {
      name: 'zero vectors',
      answer: { encoding: 'float', vector: badVector((dim) => new Array<number>(dim).fill(0)) },
      problem: /its norm is 0 \(every value is 0 as float4\)/,
    },
    {
      name: 'NaN in base64',
      answer: { encoding: 'base64', vector: badVector((dim) => Array.from({ length: dim }, (_, i) => (i === 2 ? Number.NaN : 0.1))) },
      problem: /value 3 of 64 is NaN/,
    },
    {
      name: 'null (NaN) in float arrays',
      answer: { encoding: 'float', vector: badVector((dim) => Array.from({ length: dim }, (_, i) => (i === 0 ? Number.NaN : 0.1))) },
      problem: /value 1 of 64 is NaN/,
    },
    {
      name: 'the wrong dimension',
      answer: { encoding: 'float', vector: badVector(() => deterministicEmbedding('x', 48)) },
      problem: /the embedder returned 48 values but EMBEDDING_DIM is 64/,
    },
  ];

  for (const { name, answer, problem } of cases) {
    it(`refuses ${name}, naming the document, and writes nothing of that load`, async () => {
      server.setEmbeddingAnswer(answer);
      const marker = `bad_${name.replace(/\W+/g, '_')}`;
      const dir = await taskWith(marker, `How many refunds were there? ${BAD}`);
      const result = await load(dir);

      expect(result.status).toBe('failed');
      const message = result.error_message ?? '';
      expect(message).toMatch(
        /^training_load: embedder scripted-embedding returned unusable vectors; nothing was loaded: 1 of 7 vector\(s\) cannot be stored: /,
      );
      // The document: its file, collection and the start of its text; then what is wrong.
      expect(message).toContain(`${PAIR_FILE} (sql, "{"question":"How many refunds were there? ${BAD}`);
      expect(message).toMatch(problem);
      expect(message).not.toMatch(/set EMBEDDING_DIM/);
      // All seven were embedded (four requests), yet none of the six good ones was written.
      expect(server.embeddingRequests).toHaveLength(4);
      expect((await storedRows()).filter((r) => r.document.includes(marker))).toEqual([]);
      expect(await dir.readText('data_pipeline.log')).toMatch(/\[ERROR\] .*step training_load failed: embedder scripted-embedding returned unusable vectors/);
    });
  }

  it('refuses before the truncate it was asked for: the store keeps its rows', async () => {
    server.setEmbeddingAnswer({ encoding: 'float' });
    expect((await load(await taskWith('kept_rows'))).status).toBe('completed');
    const before = await storedRows();
    expect(before.filter((r) => r.document.includes('kept_rows'))).toHaveLength(7);

    server.setEmbeddingAnswer({ encoding: 'float', vector: badVector((dim) => new Array<number>(dim).fill(0)) });
    const result = await load(await taskWith('truncate_refused', `How many refunds were there? ${BAD}`), { truncate_vector_tables: true });
    expect(result.status).toBe('failed');
    expect(result.error_message).toMatch(/its norm is 0/);
    expect(await storedRows()).toEqual(before);
  });
});

describe('vectorProblem', () => {
  it('judges values as pgvector stores them (float4): tiny ones are 0, huge ones are not finite', () => {
    expect(vectorProblem([0.6, 0.8], 2)).toBeUndefined();
    expect(vectorProblem([0.6, 0.8, 0], 2)).toBe('the embedder returned 3 values but EMBEDDING_DIM is 2');
    expect(vectorProblem([0, 0], 2)).toBe('its norm is 0 (every value is 0 as float4)');
    expect(vectorProblem([1e-50, -1e-50], 2)).toBe('its norm is 0 (every value is 0 as float4)');
    expect(vectorProblem([0.5, Number.NaN], 2)).toBe('value 2 of 2 is NaN');
    expect(vectorProblem([Number.NEGATIVE_INFINITY, 1], 2)).toBe('value 1 of 2 is -Infinity');
    expect(vectorProblem([1e39, 1], 2)).toBe('value 1 of 2 is 1e+39, beyond the float4 range');
  });
});

describe('VectorStore.upsert', () => {
  it('checks every vector before writing any: one bad vector and no row of the call is written', async () => {
    const db = await openEmbeddedStore(path.join(await makeTempDir(), 'store'));
    try {
      const store = new VectorStore(db, 8);
      await store.ensureSchema();
      const documents: VectorDocument[] = [
        { collection: 'ddl', document: 'create table a (x int);', metadata: { source_file: 'a.ddl' } },
        { collection: 'documentation', document: '## b\nthe b table', metadata: { source_file: 'b_detail.md' } },
      ];
      const good = deterministicEmbedding('a', 8);
      const error = await store.upsert(documents, [good, [1, 2, 3]]).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(VectorStoreError);
      expect((error as Error).message).toBe(
        'nothing was written: 1 of 2 vector(s) cannot be stored: b_detail.md (documentation, "## b the b table"): the embedder returned 3 values but EMBEDDING_DIM is 8',
      );
      expect((await store.counts()).total).toBe(0);

      expect(await store.upsert(documents, [good, deterministicEmbedding('b', 8)])).toBe(2);
      expect((await store.counts()).total).toBe(2);
    } finally {
      await db.close();
    }
  });
});
