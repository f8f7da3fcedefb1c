/**
 * qa_generation with an OpenAI-compatible LLM (our scripted server) whose replies are not all
 * usable: pairs copied from the prompt's example or repeated are counted and named per theme as
 * they are rejected and in the failure message; a themes failure states how many re-asks were made.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Settings } from '../src/config/settings.js';
import { openSource, type SourceConnection } from '../src/source/source-database.js';
import { runWorkflow, type WorkflowResult } from '../src/workflow/orchestrator.js';
import { TaskDirectory } from '../src/task-directory/task-dir.js';
import type { LogRecord } from '../src/workflow/workflow-types.js';
import { workflowOptions } from '../src/workflow/run-options.js';
import { makeTempDir, TEST_CACHE_DIR, testSettings } from './support/env.js';
import { answerWell, detectPromptKind, isReask, pairsAnswer } from './support/openai-answers.js';
import { startScriptedOpenAI, type Behaviour, type ChatRequestInfo, type ScriptedOpenAIServer } from './support/scripted-openai-server.js';

const TABLES = ['orders', 'customers', 'payments'];
/** What the pairs prompt shows as the reply's shape; a weak model sends it back. */
const EXAMPLE_PAIR = { question: '...', sql: 'SELECT ...' };

describe('qa_generation with unusable LLM replies', () => {
  let server: ScriptedOpenAIServer;
  let root: string;
  let ddlDir: string;
  let source: SourceConnection;
  let settings: Settings;

  beforeAll(async () => {
    server = await startScriptedOpenAI({ defaultChat: answerWell });
    root = await makeTempDir();
    source = await openSource('sample', { cacheDir: TEST_CACHE_DIR, statementTimeoutMs: 30_000, maxConnections: 2 });
    // The table files once, with the builtin provider; each test copies them.
    const builtin = testSettings(root);
    const dir = await TaskDirectory.open(path.join(builtin.trainingDataDir, 'ddl'), { create: true });
    await dir.writeFile('table_list.txt', TABLES.join('\n'));
    const ddl = await runWorkflow({
      dir,
      settings: builtin,
      options: workflowOptions({ task_id: 'ddl', db_connection: 'sample' }),
      mode: 'step',
      step: 'ddl_generation',
      sharedSource: source,
    });
    expect(ddl.status).toBe('completed');
    ddlDir = dir.path;
    settings = testSettings(root, {
      LLM_PROVIDER: 'openai',
      LLM_BASE_URL: server.baseURL,
      LLM_MODEL: 'scripted-model',
      LLM_MAX_RETRIES: '0',
      DP_THEME_COUNT: '3',
      DP_PAIRS_PER_THEME: '3',
    });
  });
  afterAll(async () => {
    await server?.close();
    await source?.close();
  });
  beforeEach(() => {
    server.reset();
    server.setDefaultChat(answerWell);
  });

  /** Runs qa_generation on a copy of the table files; returns the result and the step's log records. */
  async function qa(taskId: string): Promise<{ result: WorkflowResult; log: LogRecord[]; dir: TaskDirectory }> {
    const target = path.join(settings.trainingDataDir, taskId);
    await fs.cp(ddlDir, target, { recursive: true, filter: (from) => !/data_pipeline\.log$|_result\.json$/.test(from) });
    const dir = await TaskDirectory.open(target);
    const log: LogRecord[] = [];
    const result = await runWorkflow({
      dir,
      settings,
      options: workflowOptions({ task_id: taskId, db_connection: 'sample' }),
      mode: 'step',
      step: 'qa_generation',
      sharedSource: source,
      onEvent: (event) => {
        if (event.type === 'log' && event.record.step === 'qa_generation') log.push(event.record);
      },
    });
    return { result, log, dir };
  }

  /** Themes and every other prompt answered well; pairs answered by `pairs`. */
  function answerPairs(pairs: (req: ChatRequestInfo) => Behaviour): void {
    server.setDefaultChat((req) => (detectPromptKind(req) === 'pairs' ? pairs(req) : answerWell(req)));
  }

  const pairRequests = () => server.chatRequests.filter((r) => detectPromptKind(r) === 'pairs');
  const themeRequests = () => server.chatRequests.filter((r) => detectPromptKind(r) === 'themes');
  const messages = (log: LogRecord[], level?: LogRecord['level']) => log.filter((r) => !level || r.level === level).map((r) => r.message);

  it('says per theme that the reply only echoed the example, and the failure gives the totals by reason', async () => {
    answerPairs(() => ({ kind: 'json', body: { pairs: [EXAMPLE_PAIR] } }));
    const { result, log } = await qa('echo');

    const themes = pairRequests().length;
    expect(themes).toBe(3);
    expect(result.status).toBe('failed');
    expect(result.error_message).toBe(
      "qa_generation: no question/SQL pair was generated: 3 replies held 3 pairs, all rejected (3 copied the prompt's example)",
    );
    const perTheme = messages(log).filter((m) => /^theme "/.test(m));
    expect(perTheme).toHaveLength(3);
    for (const line of perTheme) expect(line).toMatch(/^theme ".+": 1 pair in the reply, 0 kept, 1 rejected \(1 copied the prompt's example\)$/);
    expect(messages(log, 'WARNING').filter((m) => /^theme "/.test(m))).toHaveLength(3);
  });

  it('keeps the good pairs of a reply and names what it rejected: the example and a repeat', async () => {
    answerPairs((req) => {
      const good = pairsAnswer(req).pairs;
      const repeat = { question: `  ${good[0]!.question.toUpperCase()}!`, sql: good[0]!.sql };
      return { kind: 'json', body: { pairs: [...good, EXAMPLE_PAIR, repeat] } };
    });
    const { result, log, dir } = await qa('mixed');

    expect(result.status).toBe('completed');
    const perTheme = messages(log).filter((m) => /^theme "/.test(m));
    expect(perTheme).toHaveLength(3);
    for (const line of perTheme) {
      expect(line).toMatch(/^theme ".+": (\d+) pairs in the reply, (\d+) kept, 2 rejected \(1 copied the prompt's example, 1 repeated a question\)$/);
      const [, held, kept] = /(\d+) pairs in the reply, (\d+) kept/.exec(line) ?? [];
      expect(Number(held) - Number(kept)).toBe(2);
    }
    const stepResult = result.steps[0]?.result as { pair_file: string; pairs_rejected: Record<string, number> };
    expect(stepResult.pairs_rejected).toMatchObject({ example: 3, duplicate: 3 });
    const pairs = JSON.parse(await dir.readText(stepResult.pair_file)) as { question: string }[];
    expect(pairs.some((p) => p.question === '...')).toBe(false);
    expect(messages(log).find((m) => m.startsWith('wrote '))).toMatch(/6 rejected in the replies: 3 copied the prompt's example, 3 repeated a question/);
  });

  it('a themes reply naming no listed table was not re-asked, and the log says so', async () => {
    server.enqueue({
      kind: 'json',
      body: { themes: [{ topic_name: 'Elsewhere', description: 'x', related_tables: ['public.no_such_table'], biz_entities: [], biz_metrics: [] }] },
    });
    const { result, log } = await qa('themes_no_reask');

    expect(messages(log, 'WARNING')).toContain(
      'theme extraction failed (unusable LLM reply for themes with no re-ask: no theme names a table of the list); using themes built from foreign keys',
    );
    expect(messages(log).join('\n')).not.toMatch(/after one re-ask/);
    expect(themeRequests()).toHaveLength(1);
    expect(result.llm_usage).toMatchObject({ reasks: 0, failures: 1 });
    // The fallback themes still give pairs.
    expect(result.status).toBe('completed');
  });

  it('a themes request failing over HTTP mentions no re-ask, because none was made', async () => {
    server.enqueue({ kind: 'status', status: 500, message: 'scripted outage' });
    const { result, log } = await qa('themes_http');

    expect(themeRequests()).toHaveLength(1);
    expect(result.llm_usage).toMatchObject({ reasks: 0 });
    const warning = messages(log, 'WARNING').find((m) => m.startsWith('theme extraction failed'));
    expect(warning).toMatch(
      /^theme extraction failed \(LLM request to http:\/\/127\.0\.0\.1:\d+\/v1 failed: 500 scripted outage\); using themes built from foreign keys$/,
    );
  });

  it('with one re-ask made, says one: for a second bad reply, and for a re-ask that failed over HTTP', async () => {
    server.enqueue(
      { kind: 'malformed' },
      {
        kind: 'json',
        body: { themes: [{ topic_name: 'Elsewhere', description: 'x', related_tables: ['nowhere'], biz_entities: [], biz_metrics: [] }] },
      },
    );
    const first = await qa('themes_one_reask');
    expect(messages(first.log, 'WARNING')).toContain(
      'theme extraction failed (unusable LLM reply for themes after one re-ask: no theme names a table of the list); using themes built from foreign keys',
    );
    expect(themeRequests()).toHaveLength(2);
    expect(isReask(themeRequests()[1]!)).toBe(true);

    server.reset();
    server.enqueue({ kind: 'malformed' }, { kind: 'status', status: 500, message: 'scripted outage' });
    const second = await qa('themes_reask_http');
    const warning = messages(second.log, 'WARNING').find((m) => m.startsWith('theme extraction failed'));
    expect(warning).toMatch(
      /^theme extraction failed \(LLM request to \S+ failed: 500 scripted outage \(on the re-ask, after an unusable reply: the reply is not a JSON object .*\)\); using themes built from foreign keys$/,
    );
    expect(themeRequests()).toHaveLength(2);
    expect(second.result.llm_usage).toMatchObject({ reasks: 1 });
    // A reply that produced no themes counts as a failure, whichever way it failed.
    expect(first.result.llm_usage).toMatchObject({ reasks: 1, failures: 1 });
  });
});
