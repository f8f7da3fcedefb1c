/**
 * ddl_generation with an OpenAI-compatible LLM (our scripted server): one call per table, database
 * comments kept unless --overwrite-comments, unusable replies fall back, enum guesses checked.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Settings } from '../src/config/settings.js';
import { openSource, type SourceConnection } from '../src/source/source-database.js';
import { runWorkflow } from '../src/workflow/orchestrator.js';
import { parseMarkdown } from '../src/workflow/render/table-files.js';
import { TaskDirectory } from '../src/task-directory/task-dir.js';
import { workflowOptions, type WorkflowOptions } from '../src/workflow/run-options.js';
import { makeTempDir, TEST_CACHE_DIR, testSettings } from './support/env.js';
import { commentsAnswer, promptText } from './support/openai-answers.js';
import { startScriptedOpenAI, type ScriptedOpenAIServer } from './support/scripted-openai-server.js';

const TABLES = ['orders', 'product_categories', 'customers', 'payments'];

function options(taskId: string, overwriteComments: boolean): WorkflowOptions {
  return workflowOptions({
    task_id: taskId,
    db_connection: 'sample',
    overwrite_comments: overwriteComments,
    enable_sql_validation: false,
    enable_training_data_load: false,
  });
}

describe('ddl_generation with the openai provider', () => {
  let server: ScriptedOpenAIServer;
  let settings: Settings;
  let source: SourceConnection;

  beforeAll(async () => {
    server = await startScriptedOpenAI();
    const root = await makeTempDir();
    settings = testSettings(root, { LLM_PROVIDER: 'openai', LLM_BASE_URL: server.baseURL, LLM_MODEL: 'scripted-model', LLM_MAX_RETRIES: '0' });
    source = await openSource('sample', { cacheDir: TEST_CACHE_DIR, statementTimeoutMs: 30_000, maxConnections: 2 });
  });
  afterAll(async () => {
    await server?.close();
    await source?.close();
  });

  async function run(taskId: string, overwrite: boolean) {
    const dir = await TaskDirectory.open(path.join(settings.trainingDataDir, taskId), { create: true });
    await dir.writeFile('table_list.txt', TABLES.join('\n'));
    const result = await runWorkflow({ dir, settings, options: options(taskId, overwrite), mode: 'step', step: 'ddl_generation', sharedSource: source });
    expect(result.status).toBe('completed');
    return { dir, result };
  }

  /** Comments marked "LLM:"; `orders` gets an apology as its table comment; enum guesses include a bad one. */
  function scriptedComments() {
    server.reset();
    server.setDefaultChat((req) => {
      const answer = commentsAnswer(req);
      const prompt = promptText(req);
      const table = /Table: (\S+)/.exec(prompt)?.[1] ?? '';
      const columns = Object.fromEntries(Object.keys(answer.columns).map((c) => [c, `LLM: ${c} meaning`]));
      return {
        kind: 'json',
        body: {
          table_comment: table === 'public.payments' ? "I'm sorry, I cannot describe this table." : `LLM: about ${table}`,
          columns: { ...columns, not_a_column: 'LLM: ghost' },
          enum_columns: ['channel', 'email', 'loyalty_tier', 'no_such_column'],
        },
      };
    });
  }

  it('makes one call per table (plus one re-ask for an unusable reply) and keeps database comments', async () => {
    scriptedComments();
    const { dir, result } = await run('keep_comments', false);
    // payments' apology is re-asked once and stays unusable.
    expect(server.chatRequests).toHaveLength(TABLES.length + 1);
    expect(result.llm_usage).toMatchObject({ reasks: 1, failures: 1 });

    const orders = parseMarkdown(await dir.readText('orders_detail.md'));
    expect(orders.tableComment).toBe('Customer orders from all sales channels.');
    expect(orders.columnComments.channel).toMatch(/^Sales channel/);
    expect(orders.columnComments.order_number).toBe('LLM: order_number meaning');
    expect(orders.enumValues.channel).toEqual(['phone', 'store', 'web']);

    const categories = parseMarkdown(await dir.readText('product_categories_detail.md'));
    expect(categories.tableComment).toBe('LLM: about public.product_categories');
    expect(Object.values(categories.columnComments).every((c) => c.startsWith('LLM: '))).toBe(true);

    // The apology never lands: payments falls back to its humanised name.
    const payments = parseMarkdown(await dir.readText('payments_detail.md'));
    expect(payments.tableComment).not.toMatch(/sorry/i);
    expect(payments.tableComment).toMatch(/^Payments/);

    const customers = parseMarkdown(await dir.readText('customers_detail.md'));
    // Declared by its CHECK: every allowed value, in declared order, without reading the data.
    expect(customers.enumValues.loyalty_tier).toEqual(['bronze', 'silver', 'gold', 'platinum']);
    // Guessed as an enumeration but has hundreds of values: rejected by the DISTINCT check.
    expect(customers.enumValues.email).toBeUndefined();
    expect(await dir.readText('customers_detail.md')).not.toContain('ghost');

    const sql = await dir.readText('comments.sql');
    expect(sql).toContain("COMMENT ON TABLE public.product_categories IS 'LLM: about public.product_categories';");
    expect(sql).not.toContain('COMMENT ON TABLE public.orders');
  });

  it('replaces database comments with --overwrite-comments', async () => {
    scriptedComments();
    const { dir } = await run('overwrite_comments', true);
    const orders = parseMarkdown(await dir.readText('orders_detail.md'));
    expect(orders.tableComment).toBe('LLM: about public.orders');
    expect(orders.columnComments.channel).toBe('LLM: channel meaning');
    expect((await dir.readText('orders.ddl')).split('\n')[1]).toBe('-- Description: LLM: about public.orders');
    expect(await dir.readText('comments.sql')).toContain("COMMENT ON TABLE public.orders IS 'LLM: about public.orders';");
  });

  it('falls back per table when the endpoint fails, and the step still completes', async () => {
    server.reset();
    server.setDefaultChat(() => ({ kind: 'status', status: 500, message: 'boom' }));
    const { dir, result } = await run('llm_down', false);
    expect(result.steps[0]?.counters).toMatchObject({ tables_done: TABLES.length, tables_failed: 0 });
    const categories = parseMarkdown(await dir.readText('product_categories_detail.md'));
    expect(categories.tableComment).toMatch(/^Product categories/);
    expect(categories.columnComments.parent_id).toBe('Parent ID (references product_categories)');
    const log = await dir.readText('data_pipeline.log');
    expect(log).toMatch(
      /\[WARNING\] data_pipeline\.ddl_generation: \[ddl_generation\] table public\.orders: no generated comments \(LLM request to .* failed: 500/,
    );
  });
});
