/**
 * A load is a sync: after training_load the store holds exactly the task's current training set for
 * its database — an edited pair replaced (not piled up), a removed one deleted, a rejected one left
 * out, unchanged rows not embedded again — every row saying where it came from; equal text of two
 * databases is two rows, one database's reload leaves the other's alone; vectors of another embedder
 * are refused unless the collections are re-embedded. Against an OpenAI-compatible scripted server
 * (so embedding requests are counted) and the embedded store.
 */
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Settings } from '../src/config/settings.js';
import { openEmbeddedStore } from '../src/db/embedded-store.js';
import { TaskDirectory } from '../src/task-directory/task-dir.js';
import { contentUuid, documentId, EMBEDDING_TABLE, VectorStore } from '../src/vector/vector-store.js';
import { runWorkflow, type WorkflowResult } from '../src/workflow/orchestrator.js';
import { workflowOptions, type WorkflowOptions } from '../src/workflow/run-options.js';
import { makeTempDir, testSettings } from './support/env.js';
import { startScriptedOpenAI, type ScriptedOpenAIServer } from './support/scripted-openai-server.js';

const DIM = 16;
const PAIR_FILE = 'qs_shop_20250101_000000_pair.json';
const OTHER_DB = 'postgresql://reader:S3cret-Pw@db.example.com:6543/shop';

interface Row {
  id: string;
  document: string;
  meta: Record<string, unknown>;
}

describe('training_load syncs the training set', () => {
  let server: ScriptedOpenAIServer;
  let settings: Settings;

  beforeAll(async () => {
    server = await startScriptedOpenAI({ embeddingDim: DIM });
    settings = testSettings(await makeTempDir('dp-sync-'), {
      EMBEDDING_PROVIDER: 'openai',
      EMBEDDING_BASE_URL: server.baseURL,
      EMBEDDING_MODEL: 'scripted-embedding',
      EMBEDDING_DIM: String(DIM),
      EMBEDDING_BATCH_SIZE: '4',
    });
  });
  afterAll(async () => server?.close());
  beforeEach(() => server.reset());

  type Pair = { question: string; sql: string; review?: string };
  const PAIRS: Pair[] = [
    { question: 'How many orders are there?', sql: 'SELECT COUNT(*) FROM public.orders' },
    { question: 'What is the total of all orders?', sql: 'SELECT SUM(total) FROM public.orders' },
    { question: 'How many order lines are there?', sql: 'SELECT COUNT(*) FROM public.order_lines' },
  ];

  async function task(taskId: string, pairs: Pair[] = PAIRS): Promise<TaskDirectory> {
    const dir = await TaskDirectory.open(path.join(settings.trainingDataDir, taskId), { create: true });
    await dir.writeFile('filename_mapping.txt', 'public.orders -> orders.ddl\npublic.orders -> orders_detail.md\n');
    await dir.writeFile('orders.ddl', '-- orders\ncreate table public.orders (id bigint primary key, total numeric);\n');
    await dir.writeFile('orders_detail.md', '## public.orders\nCustomer orders.\n## Columns\n- id: order id\n');
    await dir.writeFile('metadata_detail.md', '## metadata\nThemes of the questions.\n');
    await dir.writeFile(PAIR_FILE, `${JSON.stringify(pairs, null, 2)}\n`);
    return dir;
  }

  async function load(dir: TaskDirectory, overrides: Partial<WorkflowOptions> = {}): Promise<WorkflowResult> {
    const options = workflowOptions({ task_id: path.basename(dir.path), db_connection: 'sample', ...overrides });
    return runWorkflow({ dir, settings, options, mode: 'step', step: 'training_load' });
  }

  const sync = (result: WorkflowResult) =>
    result.steps[0]?.result.sync as { added: number; updated: number; deleted: number; unchanged: number; embedded: number };

  async function rows(): Promise<Row[]> {
    const db = await openEmbeddedStore(settings.embeddedStoreDir);
    try {
      const found = await db.query<{ id: string; document: string; meta: string }>(
        `SELECT id, document, cmetadata::text AS meta FROM ${EMBEDDING_TABLE} ORDER BY id`,
      );
      return found.map((r) => ({ ...r, meta: JSON.parse(r.meta) as Record<string, unknown> }));
    } finally {
      await db.close();
    }
  }

  const ofTask = (all: Row[], taskId: string) => all.filter((r) => (r.meta.task_ids as string[] | undefined)?.includes(taskId));

  it('records where every row comes from, and loads table docs and pairs but not metadata_detail.md', async () => {
    const result = await load(await task('task_a'));
    expect(result.status, result.error_message ?? '').toBe('completed');
    expect(sync(result)).toEqual(expect.objectContaining({ added: 6, updated: 0, deleted: 0, unchanged: 0, embedded: 6 }));
    const mine = ofTask(await rows(), 'task_a');
    expect(mine).toHaveLength(6);
    for (const row of mine) {
      expect(row.meta).toMatchObject({
        id: row.id,
        source_db: { host: 'sample', port: null, database: 'trailhead_outfitters' },
        db_key: 'sample:/trailhead_outfitters',
        task_id: 'task_a',
        task_ids: ['task_a'],
        kind: expect.stringMatching(/^(ddl|documentation|sql)$/),
        source_file: expect.any(String),
        content_hash: expect.stringMatching(/^[0-9a-f]{64}$/),
        embedder: { provider: 'openai', model: 'scripted-embedding', dimension: DIM },
        loaded_at: expect.any(String),
      });
      expect(row.id).toMatch(/-(ddl|doc|sql)$/);
    }
    expect(mine.find((r) => r.meta.kind === 'sql')?.meta.tables).toEqual(['public.orders']);
    expect(mine.find((r) => r.meta.kind === 'ddl')?.meta.tables).toEqual(['public.orders']);
    expect(mine.some((r) => r.document.includes('Themes of the questions'))).toBe(false);
    const sql = mine.find((r) => r.meta.kind === 'sql') as Row;
    expect(Object.keys(JSON.parse(sql.document) as object)).toEqual(['question', 'sql']);
    expect(sql.id).toBe(documentId('sql', sql.document, 'sample:/trailhead_outfitters'));
  });

  it('reloads an unchanged set without one embedding request, leaving the rows as they were', async () => {
    const before = await rows();
    const result = await load(await task('task_a'));
    expect(sync(result)).toEqual(expect.objectContaining({ added: 0, updated: 0, deleted: 0, unchanged: 6, embedded: 0 }));
    expect(server.embeddingRequests).toHaveLength(0);
    expect(await rows()).toEqual(before);
  });

  it('replaces an edited pair, deletes a removed one and leaves out a rejected one, embedding only the edit', async () => {
    const edited: Pair[] = [
      { ...(PAIRS[0] as Pair), sql: 'SELECT COUNT(id) FROM public.orders' },
      { ...(PAIRS[1] as Pair), review: 'rejected' },
      // (the third pair is removed)
    ];
    const result = await load(await task('task_a', edited));
    // The DDL statement and the two Markdown sections are unchanged.
    expect(sync(result)).toEqual(expect.objectContaining({ added: 0, updated: 1, deleted: 2, unchanged: 3, embedded: 1 }));
    expect(result.steps[0]?.result.rejected_pairs).toBe(1);
    expect(server.embeddingRequests.flatMap((r) => r.input)).toEqual([
      JSON.stringify({ question: PAIRS[0]?.question, sql: 'SELECT COUNT(id) FROM public.orders' }),
    ]);
    const sql = ofTask(await rows(), 'task_a').filter((r) => r.meta.kind === 'sql');
    expect(sql.map((r) => JSON.parse(r.document) as Pair)).toEqual([{ question: PAIRS[0]?.question, sql: 'SELECT COUNT(id) FROM public.orders' }]);
  });

  it('keeps equal text of two databases in two rows, and one database’s reload leaves the other’s rows alone', async () => {
    const a = ofTask(await rows(), 'task_a');
    const result = await load(await task('task_other'), { db_connection: OTHER_DB });
    expect(sync(result)).toEqual(expect.objectContaining({ added: 6 }));
    const all = await rows();
    const other = ofTask(all, 'task_other');
    expect(other).toHaveLength(6);
    expect(other.every((r) => r.meta.db_key === 'db.example.com:6543/shop')).toBe(true);
    expect(JSON.stringify(other)).not.toContain('S3cret-Pw');
    expect(JSON.stringify(other)).not.toContain('reader');
    const question = JSON.stringify({ question: PAIRS[0]?.question, sql: PAIRS[0]?.sql });
    expect(all.filter((r) => r.document === question).map((r) => r.meta.db_key)).toEqual(expect.arrayContaining(['db.example.com:6543/shop']));
    // task_a's rows (of the sample) are untouched by the other database's load, and by its reload with fewer pairs.
    await load(await task('task_other', []), { db_connection: OTHER_DB });
    expect(ofTask(await rows(), 'task_a')).toEqual(a);
    expect(ofTask(await rows(), 'task_other').filter((r) => r.meta.kind === 'sql')).toEqual([]);
  });

  it('shares a row between two tasks of one database until neither has it', async () => {
    await load(await task('task_b'));
    const shared = JSON.stringify({ question: PAIRS[2]?.question, sql: PAIRS[2]?.sql });
    const row = (await rows()).find((r) => r.document === shared && r.meta.db_key === 'sample:/trailhead_outfitters') as Row;
    expect(row.meta.task_ids).toEqual(['task_b']);
    // task_a takes it up again: one row, two owners; task_b drops it: it stays for task_a.
    await load(await task('task_a'));
    expect(((await rows()).find((r) => r.id === row.id) as Row).meta.task_ids).toEqual(['task_b', 'task_a']);
    await load(await task('task_b', PAIRS.slice(0, 2)));
    expect(((await rows()).find((r) => r.id === row.id) as Row).meta.task_ids).toEqual(['task_a']);
    await load(await task('task_a', PAIRS.slice(0, 2)));
    expect((await rows()).find((r) => r.id === row.id)).toBeUndefined();
  });

  it('replaces rows loaded before rows recorded their database, when the same text is loaded again', async () => {
    const db = await openEmbeddedStore(settings.embeddedStoreDir);
    const legacyText = JSON.stringify({ question: 'How many legacy orders are there?', sql: 'SELECT 1' });
    try {
      const store = new VectorStore(db, DIM);
      await store.ensureSchema();
      const [collection] = await db.query<{ uuid: string }>(`SELECT uuid::text AS uuid FROM langchain_pg_collection WHERE name = 'sql'`);
      const legacyId = documentId('sql', legacyText);
      await db.query(`INSERT INTO ${EMBEDDING_TABLE} (id, collection_id, embedding, document, cmetadata) VALUES ($1, $2::uuid, $3::vector, $4, $5::jsonb)`, [
        legacyId,
        collection?.uuid,
        `[${Array.from({ length: DIM }, (_, i) => (i === 0 ? 1 : 0)).join(',')}]`,
        legacyText,
        JSON.stringify({ id: legacyId, source_file: PAIR_FILE }),
      ]);
    } finally {
      await db.close();
    }
    const result = await load(await task('task_legacy', [{ question: 'How many legacy orders are there?', sql: 'SELECT 1' }]));
    expect(result.steps[0]?.result.sync).toMatchObject({ earlier_rows_replaced: 1 });
    const copies = (await rows()).filter((r) => r.document === legacyText);
    expect(copies).toHaveLength(1);
    expect(copies[0]?.meta.db_key).toBe('sample:/trailhead_outfitters');
    expect(contentUuid('x')).toMatch(/^[0-9a-f]{8}-/);
  });

  it('never loads a pair that is not one read-only query, or that its own check found invalid, nor an unmapped table doc', async () => {
    const dir = await task('task_guarded', [
      ...PAIRS,
      { question: 'Remove all orders', sql: 'DELETE FROM public.orders' },
      { question: 'Orders and a drop', sql: 'SELECT 1; DROP TABLE public.orders' },
      {
        question: 'A checked bad one',
        sql: 'SELECT nope FROM public.orders',
        validation: { status: 'invalid', error: 'column "nope" does not exist', checked_at: '2026-01-01T00:00:00Z' },
      } as Pair,
    ]);
    // A table doc the mapping does not list (a table no longer in the set) stays out too.
    await dir.writeFile('payments_detail.md', '## public.payments\nPayments.\n');
    const result = await load(dir);
    expect(result.status, result.error_message ?? '').toBe('completed');
    const mine = ofTask(await rows(), 'task_guarded');
    const questions = mine.filter((r) => r.document.startsWith('{')).map((r) => (JSON.parse(r.document) as { question: string }).question);
    expect(questions.sort()).toEqual(PAIRS.map((p) => p.question).sort());
    expect(mine.some((r) => r.document.includes('Payments.'))).toBe(false);
  });

  it('refuses vectors of another embedder naming both, and re-embeds every row of the collections when asked', async () => {
    const builtin = testSettings(path.dirname(settings.trainingDataDir), { EMBEDDING_DIM: String(DIM) });
    const dir = await task('task_a');
    const refused = await runWorkflow({
      dir,
      settings: builtin,
      options: workflowOptions({ task_id: 'task_a', db_connection: 'sample' }),
      mode: 'step',
      step: 'training_load',
    });
    expect(refused.status).toBe('failed');
    expect(refused.error_message).toMatch(
      /holds vectors of openai scripted-embedding \(16 dimensions\).*this load's embedder is builtin builtin-hashing-v2 \(16 dimensions\)/,
    );
    expect(refused.error_message).toMatch(/--reembed/);
    const before = await rows();
    const reembedded = await runWorkflow({
      dir,
      settings: builtin,
      options: workflowOptions({ task_id: 'task_a', db_connection: 'sample', reembed: true }),
      mode: 'step',
      step: 'training_load',
    });
    expect(reembedded.status, reembedded.error_message ?? '').toBe('completed');
    expect(reembedded.steps[0]?.result.reembedded).toBe(before.length);
    const after = await rows();
    // Every row re-embedded and kept (the load itself then added back the pair task_a had dropped).
    expect(after.map((r) => r.id)).toEqual(expect.arrayContaining(before.map((r) => r.id)));
    expect(after.every((r) => (r.meta.embedder as { provider: string }).provider === 'builtin')).toBe(true);

    // Another dimension: refused naming --reembed; with it, the column changes and every row is embedded again.
    const wider = testSettings(path.dirname(settings.trainingDataDir), { EMBEDDING_DIM: String(DIM * 2) });
    const refusedDim = await runWorkflow({
      dir,
      settings: wider,
      options: workflowOptions({ task_id: 'task_a', db_connection: 'sample' }),
      mode: 'step',
      step: 'training_load',
    });
    expect(refusedDim.status).toBe('failed');
    expect(refusedDim.error_message).toMatch(new RegExp(`holds ${DIM}-dimensional vectors but EMBEDDING_DIM is ${DIM * 2}.*--reembed`));
    const widened = await runWorkflow({
      dir,
      settings: wider,
      options: workflowOptions({ task_id: 'task_a', db_connection: 'sample', reembed: true }),
      mode: 'step',
      step: 'training_load',
    });
    expect(widened.status, widened.error_message ?? '').toBe('completed');
    expect(widened.steps[0]?.result.reembedded).toBe(after.length);
    const resized = await rows();
    expect(resized.map((r) => r.id).sort()).toEqual(after.map((r) => r.id).sort());
    expect(resized.every((r) => (r.meta.embedder as { dimension: number }).dimension === DIM * 2)).toBe(true);
  });
});
