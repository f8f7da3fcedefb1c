/**
 * Incremental re-runs against a real PostgreSQL with the scripted OpenAI-compatible server (LLM and
 * embeddings): an unchanged schema costs no LLM call and no embedding request and rewrites the same
 * files; a changed table costs its own comments and the pairs of the themes that involve it; a
 * dropped table leaves its themes; the cache survives across runs, a corrupt entry is asked again,
 * and the cache can be turned off. Drift says what changed in between.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cacheKey, canonical, ContentCache } from '../src/cache/content-cache.js';
import type { Settings } from '../src/config/settings.js';
import { TaskDirectory } from '../src/task-directory/task-dir.js';
import type { ThemesFile } from '../src/workflow/incremental/theme-plan.js';
import { runWorkflow, type WorkflowResult } from '../src/workflow/orchestrator.js';
import { workflowOptions } from '../src/workflow/run-options.js';
import { detectPromptKind, answerWell, promptText } from './support/openai-answers.js';
import { createSampleDatabaseOnServer, makeTempDir, TEST_CACHE_DIR, testSettings, type ScratchDatabase } from './support/env.js';
import { llmEnv, runCli } from './support/run-helpers.js';
import { SCRIPTED_MODEL_ID, startScriptedOpenAI, type ScriptedOpenAIServer } from './support/scripted-openai-server.js';

const TABLES = ['regions', 'stores', 'customers', 'orders', 'payments', 'product_categories'];

/** The files whose content a re-run on an unchanged schema must reproduce (names with timestamps compared by content). */
const STABLE_FILE = /\.(ddl|md)$|^(comments\.sql|filename_mapping\.txt|metadata\.txt|db_query_decision_prompt\.txt|table_fingerprints\.json|qa_themes\.json)$/;

describe('incremental re-runs', () => {
  let sample: ScratchDatabase;
  let llm: ScriptedOpenAIServer;
  let root: string;
  let settings: Settings;
  let env: Record<string, string>;
  let dir: TaskDirectory;
  let admin: pg.Client;

  const run = (extra: Record<string, unknown> = {}, runSettings = settings) =>
    runWorkflow({
      dir,
      settings: runSettings,
      options: workflowOptions({ task_id: 'task_incr', db_connection: sample.url, business_context: 'Outdoor gear retailer', ...extra }),
      mode: 'complete',
    });

  /** What the LLM and the embedder were asked during `fn`. */
  async function counted(fn: () => Promise<WorkflowResult>) {
    const chatBefore = llm.chatRequests.length;
    const embedBefore = llm.embeddingRequests.length;
    const result = await fn();
    expect(result.status, result.error_message ?? '').toBe('completed');
    const chats = llm.chatRequests.slice(chatBefore);
    return {
      result,
      chats,
      embeddingRequests: llm.embeddingRequests.length - embedBefore,
      commented: chats.filter((c) => detectPromptKind(c) === 'table_comments').map((c) => /^Table: (\S+)/m.exec(promptText(c))?.[1]),
      themeCalls: chats.filter((c) => detectPromptKind(c) === 'themes').length,
      /** The `Theme: <topic>: <description>` line of each pairs prompt (topics may hold colons). */
      pairThemeLines: chats.filter((c) => detectPromptKind(c) === 'pairs').map((c) => /^Theme: (.*)$/m.exec(promptText(c))?.[1] ?? ''),
    };
  }

  /** Stable files by name, and the newest pair file's content under one name. */
  async function snapshot(): Promise<Record<string, string>> {
    const names = await dir.fileNames();
    const files: Record<string, string> = {};
    for (const name of names.filter((n) => STABLE_FILE.test(n))) files[name] = await dir.readText(name);
    const pairFile = names
      .filter((n) => /^qs_.*_pair\.json$/.test(n))
      .sort()
      .at(-1) as string;
    files['<pair file>'] = await dir.readText(pairFile);
    return files;
  }

  const themesFile = async () => JSON.parse(await dir.readText('qa_themes.json')) as ThemesFile;

  /** The topics of the pairs prompts sent, told by the longest known topic each line starts with. */
  const topicsOf = (lines: string[], topics: string[]) =>
    lines.map((line) => topics.filter((t) => line.startsWith(`${t}: `)).sort((a, b) => b.length - a.length)[0]).sort();

  const cli = (args: string[]) => runCli(args, env);

  beforeAll(async () => {
    sample = await createSampleDatabaseOnServer();
    admin = new pg.Client({ connectionString: sample.url });
    await admin.connect();
    llm = await startScriptedOpenAI({ defaultChat: answerWell });
    root = await makeTempDir('dp-incremental-');
    env = {
      ...llmEnv(llm),
      EMBEDDING_PROVIDER: 'openai',
      EMBEDDING_MODEL: SCRIPTED_MODEL_ID,
      DP_TRAINING_DATA_DIR: path.join(root, 'training_data'),
      DP_STORE_DIR: path.join(root, 'store'),
      DP_CACHE_DIR: TEST_CACHE_DIR,
      EMBEDDING_DIM: '64',
      LLM_CACHE: 'on',
    };
    settings = testSettings(root, env);
    dir = await TaskDirectory.open(path.join(settings.trainingDataDir, 'task_incr'), { create: true });
    await dir.writeFile('table_list.txt', `${TABLES.join('\n')}\n`);
  }, 60_000);

  afterAll(async () => {
    await admin?.end();
    await llm?.close();
    await sample?.drop();
  });

  it('an unchanged schema: no LLM call, no embedding request, the same files; the run says what it reused', async () => {
    const first = await counted(() => run());
    expect(first.commented.sort()).toEqual(TABLES.map((t) => `public.${t}`).sort());
    expect(first.themeCalls).toBe(1);
    expect(first.embeddingRequests).toBeGreaterThan(0);
    expect(first.result.reuse).toMatchObject({ cache: true, llm: { hits: 0, misses: first.chats.length }, themes_kept: 0 });
    expect(first.result.reuse.regenerated_tables?.sort()).toEqual(TABLES.map((t) => `public.${t}`).sort());
    const before = await snapshot();

    const second = await counted(() => run());
    expect(second.chats).toHaveLength(0);
    expect(second.embeddingRequests).toBe(0);
    expect(second.result.llm_usage.calls).toBe(0);
    expect(second.result.reuse).toMatchObject({ cache: true, llm: { misses: 0 }, regenerated_tables: [], themes_asked: 0 });
    expect(second.result.reuse.themes_kept).toBe((await themesFile()).themes.length);
    expect(await snapshot()).toEqual(before);
    // task_result.json says the same.
    const stored = JSON.parse(await dir.readText('task_result.json')) as WorkflowResult;
    expect(stored.reuse).toEqual(second.result.reuse);
  }, 180_000);

  it('drift names a changed comment and an added column; a re-run asks only for those tables and the themes that involve them', async () => {
    expect((await cli(['drift', '--task-dir', dir.path])).code).toBe(0);
    const [{ comment: oldComment }] = (await admin.query<{ comment: string | null }>(`SELECT obj_description('public.stores'::regclass) AS comment`)).rows as [
      { comment: string | null },
    ];
    await admin.query(`COMMENT ON TABLE public.stores IS 'Physical shops and the outlet warehouse'`);
    await admin.query('ALTER TABLE public.customers ADD COLUMN referral_code text');

    const drift = await cli(['drift', '--task-dir', dir.path, '--json']);
    expect(drift.code, drift.stderr).toBe(1);
    const report = JSON.parse(drift.stdout) as {
      drifted: boolean;
      tables_changed: { table: string; comment_changed: unknown; columns_added: { name: string }[] }[];
    };
    expect(report.drifted).toBe(true);
    expect(report.tables_changed.map((t) => t.table).sort()).toEqual(['public.customers', 'public.stores']);
    const stores = report.tables_changed.find((t) => t.table === 'public.stores');
    expect(stores?.comment_changed).toEqual({ before: oldComment, after: 'Physical shops and the outlet warehouse' });
    expect(report.tables_changed.find((t) => t.table === 'public.customers')?.columns_added.map((c) => c.name)).toEqual(['referral_code']);
    const text = await cli(['drift', '--task-dir', dir.path]);
    expect(text.stdout).toContain('+ column referral_code text');
    expect(text.stdout).toContain(`comment: ${JSON.stringify(oldComment)} → "Physical shops and the outlet warehouse"`);

    const themes = await themesFile();
    const involved = themes.themes.filter((t) => t.theme.related_tables.some((n) => n === 'stores' || n === 'customers')).map((t) => t.theme.topic_name);
    const rerun = await counted(() => run());
    expect(rerun.commented.sort()).toEqual(['public.customers', 'public.stores']);
    expect(rerun.themeCalls).toBe(0);
    expect(
      topicsOf(
        rerun.pairThemeLines,
        themes.themes.map((t) => t.theme.topic_name),
      ),
    ).toEqual([...involved].sort());
    expect(rerun.result.reuse.regenerated_tables?.sort()).toEqual(['public.customers', 'public.stores']);
    expect(rerun.result.reuse.themes_kept).toBe(themes.themes.length - involved.length);
    // The pairs of untouched themes are carried over as they were.
    const after = await themesFile();
    for (const record of themes.themes.filter((t) => !involved.includes(t.theme.topic_name))) {
      expect(after.themes.find((t) => t.theme.topic_name === record.theme.topic_name)?.pairs).toEqual(record.pairs);
    }
    expect((await cli(['drift', '--task-dir', dir.path])).code).toBe(0);
  }, 180_000);

  it('a dropped table: no comment call, its themes ask again without it, nothing else', async () => {
    const themes = await themesFile();
    const involved = themes.themes.filter((t) => t.theme.related_tables.includes('payments'));
    await admin.query('DROP TABLE public.payments');
    const drift = await cli(['drift', '--task-dir', dir.path, '--json']);
    expect(drift.code).toBe(1);
    expect((JSON.parse(drift.stdout) as { tables_removed: string[] }).tables_removed).toEqual(['public.payments']);

    const rerun = await counted(() => run());
    expect(rerun.commented).toEqual([]);
    // The dropped table's files go (a re-run in place), so nothing loads them again.
    expect(await dir.exists('payments.ddl')).toBe(false);
    expect(await dir.exists('payments_detail.md')).toBe(false);
    expect(rerun.result.steps.find((s) => s.step_name === 'ddl_generation')?.result.tables).not.toContainEqual(
      expect.objectContaining({ table: 'public.payments' }),
    );
    // Themes left with tables ask again; a theme of payments alone goes; no table is left without a theme.
    const kept = involved.filter((t) => t.theme.related_tables.length > 1).map((t) => t.theme.topic_name);
    expect(
      topicsOf(
        rerun.pairThemeLines,
        themes.themes.map((t) => t.theme.topic_name),
      ),
    ).toEqual(kept.sort());
    const after = await themesFile();
    expect(after.themes.every((t) => !t.theme.related_tables.includes('payments'))).toBe(true);
    expect(Object.keys(after.tables)).not.toContain('payments');
  }, 180_000);

  it('a table added to the list: its comments, and themes asked for it alone; the other themes keep their pairs', async () => {
    const before = await themesFile();
    await dir.writeFile('table_list.txt', `${[...TABLES.filter((t) => t !== 'payments'), 'products'].join('\n')}\n`);
    const rerun = await counted(() => run());
    expect(rerun.commented).toEqual(['public.products']);
    expect(rerun.themeCalls).toBe(1);
    const themesPrompt = promptText(rerun.chats.find((c) => detectPromptKind(c) === 'themes') as (typeof rerun.chats)[number]);
    expect([...themesPrompt.matchAll(/^### (\S+)/gm)].map((m) => m[1])).toEqual(['products']);
    const after = await themesFile();
    for (const record of before.themes) expect(after.themes.find((t) => t.theme.topic_name === record.theme.topic_name)?.pairs).toEqual(record.pairs);
    expect(after.themes.some((t) => t.theme.related_tables.includes('products'))).toBe(true);
    expect(rerun.result.reuse).toMatchObject({ regenerated_tables: ['public.products'], themes_kept: before.themes.length });
  }, 180_000);

  it('the cache: a corrupt entry is asked again and rewritten; turned off, everything is asked again', async () => {
    // Another task directory on the same data root: the cache is shared, the themes file is not.
    const other = await TaskDirectory.open(path.join(settings.trainingDataDir, 'task_other'), { create: true });
    await other.writeFile('table_list.txt', 'regions\n');
    const runOther = (extra: Record<string, unknown> = {}, runSettings = settings) =>
      runWorkflow({
        dir: other,
        settings: runSettings,
        options: workflowOptions({ task_id: 'task_other', db_connection: sample.url, business_context: 'Outdoor gear retailer', ...extra }),
        mode: 'complete',
      });
    const first = await counted(() => runOther());
    // regions' comments were cached by the other task: only the themes and pairs of this new set are asked.
    expect(first.commented).toEqual([]);

    // Spoil every cached answer: each is asked again, the run completes, the entries are good again.
    const cacheDir = path.join(settings.responseCache.dir, 'llm');
    const entries: string[] = [];
    for (const shard of await fs.readdir(cacheDir))
      for (const name of await fs.readdir(path.join(cacheDir, shard))) entries.push(path.join(cacheDir, shard, name));
    expect(entries.length).toBeGreaterThan(0);
    for (const file of entries) await fs.writeFile(file, '{"key": "not this one", "value": ');
    await other.writeFile('qa_themes.json', '');
    const spoiled = await counted(() => runOther());
    expect(spoiled.commented).toEqual(['public.regions']);
    expect(spoiled.themeCalls).toBe(1);
    // Each answer asked again replaced its spoiled entry.
    let good = 0;
    for (const file of entries) {
      const text = await fs.readFile(file, 'utf8');
      if (text.startsWith('{"key":"') && (JSON.parse(text) as { key: string }).key === path.basename(file, '.json')) good += 1;
    }
    expect(good).toBe(spoiled.chats.length);

    // Another process (a restart) finds the answers on disk: ddl_generation of the same table asks nothing.
    const chatsBefore = llm.chatRequests.length;
    const restarted = await cli(['step', 'ddl_generation', '--task-dir', other.path, '--json']);
    expect(restarted.code, restarted.stderr).toBe(0);
    expect(llm.chatRequests.length).toBe(chatsBefore);
    expect((JSON.parse(restarted.stdout) as WorkflowResult).reuse).toMatchObject({ cache: true, llm: { hits: 1, misses: 0 } });

    // use_cache false (--no-cache): the LLM is asked, nothing is read from the cache.
    await other.writeFile('qa_themes.json', '');
    const uncached = await counted(() => runOther({ use_cache: false }));
    expect(uncached.commented).toEqual(['public.regions']);
    expect(uncached.result.reuse).toMatchObject({ cache: false, llm: { hits: 0, misses: 0 }, regenerated_tables: ['public.regions'] });
    // A cache directory that cannot be written: the run completes and says so.
    const notADirectory = path.join(root, 'cache-is-a-file');
    await fs.writeFile(notADirectory, 'x');
    await other.writeFile('qa_themes.json', '');
    const unwritable = await counted(() => runOther({}, testSettings(root, { ...env, LLM_CACHE_DIR: notADirectory })));
    expect(unwritable.commented).toEqual(['public.regions']);
    expect(await other.readText('data_pipeline.log')).toMatch(/\[WARNING\].*could not be stored in the response cache at .*cache-is-a-file/);
    // LLM_CACHE=off (any case): the same as --no-cache.
    await other.writeFile('qa_themes.json', '');
    const off = await counted(() => runOther({}, testSettings(root, { ...env, LLM_CACHE: 'OFF' })));
    expect(off.commented).toEqual(['public.regions']);
    expect(off.result.reuse.cache).toBe(false);
  }, 180_000);
});

describe('the response cache on disk', () => {
  it('writes a material as the earlier keys were made (a replacer rebuilding sorted objects): the cache keeps its keys', () => {
    // The earlier form, kept here as the reference the faster one must equal.
    const earlier = (value: unknown) =>
      JSON.stringify(value, (_key, v: unknown) =>
        v && typeof v === 'object' && !Array.isArray(v)
          ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
          : v,
      );
    const materials: unknown[] = [
      { b: 1, a: [1, { d: 2, c: 3 }], z: null, u: undefined, f: () => 1 },
      { '10': 'ten', '9': 'nine', b: 'x', '01': 'not an index', a: { '2': [undefined, null, Number.NaN] } },
      { when: new Date(Date.UTC(2025, 0, 1)), text: 'quote " and \\ and \u2028 and 中文', nested: [[{ y: 1, x: true }]] },
      [{ schema: 'public', columns: [{ name: 'id', type: 'integer', sample: ['1', '2'] }] }, 'plain', 3.5, false],
      'a string',
      42,
    ];
    for (const material of materials) expect(canonical(material), JSON.stringify(earlier(material))).toBe(earlier(material));
  });

  it('keys by content, evicts the least recently used past its cap, and treats a bad entry as a miss', async () => {
    const dir = await makeTempDir('dp-cache-');
    const cache = new ContentCache(dir, 2_000);
    const isText = (v: unknown): v is string => typeof v === 'string';
    expect(cacheKey({ b: 1, a: [1, { d: 2, c: 3 }] })).toBe(cacheKey({ a: [1, { c: 3, d: 2 }], b: 1 }));
    const keys = Array.from({ length: 12 }, (_, i) => cacheKey({ i }));
    for (const [i, key] of keys.entries()) {
      await cache.set(key, 'x'.repeat(200) + i);
      // Used again at once: the first entry stays the most recently used.
      await new Promise((r) => setTimeout(r, 5));
      expect(await cache.get(keys[0] as string, isText)).toBe(`${'x'.repeat(200)}0`);
      await new Promise((r) => setTimeout(r, 5));
    }
    const present = await Promise.all(
      keys.map((k) =>
        fs.stat(path.join(dir, k.slice(0, 2), `${k}.json`)).then(
          () => true,
          () => false,
        ),
      ),
    );
    expect(present[0]).toBe(true);
    expect(present.filter(Boolean).length).toBeLessThan(keys.length);
    // The oldest unused ones went first.
    expect(present[1]).toBe(false);
    const file = path.join(dir, (keys[0] as string).slice(0, 2), `${keys[0]}.json`);
    await fs.writeFile(file, 'garbage');
    const before = { ...cache.counts };
    expect(await cache.get(keys[0] as string, isText)).toBeUndefined();
    expect(cache.counts).toEqual({ hits: before.hits, misses: before.misses + 1, corrupt: before.corrupt + 1, write_errors: 0 });
    // A cache that cannot be written: counted, never thrown.
    const blocked = new ContentCache(path.join(file, 'not-a-directory'), 2_000);
    await blocked.set(keys[1] as string, 'x');
    expect(blocked.counts.write_errors).toBe(1);
    expect(blocked.lastWriteError).toMatch(/ENOTDIR|EEXIST/);
  });
});
