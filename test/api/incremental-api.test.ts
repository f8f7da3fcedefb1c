/**
 * Re-runs through the API: a complete run moves the earlier files into a backup first, and the next
 * run still knows what it may reuse (it reads the previous run's records there). The task's result
 * says what was reused; GET /tasks/{id}/drift says what changed in the database in between.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, waitForTask, type TestServer } from '../support/api-server.js';
import { expectError, expectSuccess } from '../support/envelope-assertions.js';
import { createSampleDatabaseOnServer, type ScratchDatabase } from '../support/env.js';
import { answerWell } from '../support/openai-answers.js';
import { BASE, llmEnv } from '../support/run-helpers.js';
import { startScriptedOpenAI, type ScriptedOpenAIServer } from '../support/scripted-openai-server.js';

describe('incremental re-runs through the API', () => {
  let server: TestServer;
  let llm: ScriptedOpenAIServer;
  let sample: ScratchDatabase;
  let taskId: string;

  const runComplete = async () => {
    const before = llm.chatRequests.length;
    expect((await server.call('POST', `${BASE}/${taskId}/execute`, {})).status).toBe(202);
    const task = await waitForTask(server, taskId, 120_000);
    expect(task.data.status).toBe('completed');
    return { task: task.data, calls: llm.chatRequests.length - before };
  };

  beforeAll(async () => {
    sample = await createSampleDatabaseOnServer();
    llm = await startScriptedOpenAI({ defaultChat: answerWell });
    server = await startTestServer({ store: 'embedded', env: { ...llmEnv(llm), LLM_CACHE: 'on' } });
    taskId = expectSuccess(await server.call('POST', BASE, { task_name: 'incremental', db_connection: sample.url, enable_sql_validation: false }), 201).task_id;
    expectSuccess(await server.call('POST', `${BASE}/${taskId}/table-list`, { tables: ['regions', 'stores', 'customers'] }));
  }, 60_000);

  afterAll(async () => {
    await server?.close();
    await llm?.close();
    await sample?.drop();
  });

  it('a second complete run after the backup makes no LLM call, and the task result says what was reused', async () => {
    const first = await runComplete();
    expect(first.calls).toBeGreaterThan(0);
    expect(first.task.result.reuse).toMatchObject({ cache: true, llm: { hits: 0, misses: first.calls } });
    const second = await runComplete();
    expect(second.calls).toBe(0);
    expect(second.task.result.reuse).toMatchObject({ cache: true, llm: { misses: 0 }, regenerated_tables: [], themes_asked: 0 });
    // The earlier files went to a backup, and the new run found its records there.
    const backups = expectSuccess(await server.call('GET', `${BASE}/${taskId}/backups`)).backups as unknown[];
    expect(backups).toHaveLength(1);
  }, 240_000);

  it('GET /tasks/{id}/drift: none, then the changed table and column; 404s name what is missing', async () => {
    const none = expectSuccess(await server.call('GET', `${BASE}/${taskId}/drift`));
    expect(none).toMatchObject({
      task_id: taskId,
      drifted: false,
      tables_checked: 3,
      tables_listed_missing: [],
      tables_added: [],
      tables_removed: [],
      tables_changed: [],
    });
    expect(none.compared_with).toMatchObject({ file: 'table_fingerprints.json', from: '.' });
    expect(JSON.stringify(none)).not.toContain('password');

    const admin = new pg.Client({ connectionString: sample.url });
    await admin.connect();
    try {
      await admin.query("COMMENT ON COLUMN public.regions.name IS 'Sales region name'");
      await admin.query('ALTER TABLE public.customers ALTER COLUMN email TYPE varchar(400)');
    } finally {
      await admin.end();
    }
    const drift = expectSuccess(await server.call('GET', `${BASE}/${taskId}/drift`));
    expect(drift.drifted).toBe(true);
    const byTable = Object.fromEntries((drift.tables_changed as { table: string }[]).map((t) => [t.table, t]));
    expect(Object.keys(byTable).sort()).toEqual(['public.customers', 'public.regions']);
    expect(byTable['public.regions']).toMatchObject({ column_comments_changed: [{ column: 'name', after: 'Sales region name' }] });
    expect(byTable['public.customers']).toMatchObject({ columns_changed: [{ column: 'email', after: { type: 'varchar(400)' } }] });

    // Refresh: the complete run regenerates those two tables only.
    const refreshed = await runComplete();
    expect(refreshed.task.result.reuse.regenerated_tables.sort()).toEqual(['public.customers', 'public.regions']);
    expect(expectSuccess(await server.call('GET', `${BASE}/${taskId}/drift`)).drifted).toBe(false);

    // Three complete runs, newest first, each with its own counts and LLM calls.
    const runs = expectSuccess(await server.call('GET', `${BASE}/${taskId}/runs`)).runs as {
      execution_mode: string;
      outcome: string;
      llm_calls: number;
      summary: { tables: number };
    }[];
    expect(runs.map((r) => [r.execution_mode, r.outcome])).toEqual([
      ['complete', 'completed'],
      ['complete', 'completed'],
      ['complete', 'completed'],
    ]);
    expect(runs[1]?.llm_calls).toBe(0);
    expect(runs.every((r) => r.summary.tables === 3)).toBe(true);
    // The newest backup against now: pair by pair, and one file's lines.
    const backups = expectSuccess(await server.call('GET', `${BASE}/${taskId}/backups`)).backups as { backup_name?: string; name?: string }[];
    const backupName = (backups[0]?.backup_name ?? backups[0]?.name) as string;
    const diff = expectSuccess(await server.call('GET', `${BASE}/${taskId}/backups/${backupName}/diff`));
    expect(diff.pairs).toMatchObject({ backup_file: expect.stringMatching(/^qs_.*_pair\.json$/), current_file: expect.stringMatching(/^qs_.*_pair\.json$/) });
    expect(diff.pairs.unchanged + diff.pairs.changed.length).toBeGreaterThan(0);
    const ddl = expectSuccess(await server.call('GET', `${BASE}/${taskId}/backups/${backupName}/diff/customers.ddl`));
    // The email column's type changed between those runs.
    expect(ddl.diff).toMatch(/^-.*email.*\n\+.*email varchar\(400\)/m);
    // A review is a change too: approving a pair shows in the pair-level diff, and the pair is no longer "unchanged".
    const [first] = expectSuccess(await server.call('GET', `${BASE}/${taskId}/pairs`)).pairs as { id: string; question: string }[];
    expectSuccess(await server.call('PATCH', `${BASE}/${taskId}/pairs/${first?.id}`, { review: 'approved' }));
    const reviewed = expectSuccess(await server.call('GET', `${BASE}/${taskId}/backups/${backupName}/diff`));
    expect(reviewed.pairs.review_changed).toEqual([{ question: first?.question, backup_review: null, current_review: 'approved' }]);
    expect(reviewed.pairs.unchanged).toBe(diff.pairs.unchanged - 1);
    // The backup's own record is not a file of the task: nothing to compare it with.
    const record = expectError(await server.call('GET', `${BASE}/${taskId}/backups/${backupName}/diff/backup_info.json`), 404, 'FILE_NOT_FOUND');
    expect(record.response).toMatch(/backup_info\.json is the backup's own record/);
    expectError(await server.call('GET', `${BASE}/${taskId}/backups/${backupName}/diff/no_such_file.txt`), 404, 'FILE_NOT_FOUND');
    expectError(await server.call('GET', `${BASE}/${taskId}/backups/${backupName}/diff/..%2Ftask_config.json`), 400);
    expectError(await server.call('GET', `${BASE}/no_such_task/runs`), 404, 'TASK_NOT_FOUND');
    expectError(await server.call('GET', `${BASE}/no_such_task/drift`), 404, 'TASK_NOT_FOUND');
    const fresh = expectSuccess(await server.call('POST', BASE, { task_name: 'never run', db_connection: sample.url }), 201).task_id;
    const missing = expectError(await server.call('GET', `${BASE}/${fresh}/drift`), 404);
    expect(missing.error_code).toMatch(/^(TASK_DIRECTORY_NOT_FOUND|FILE_NOT_FOUND)$/);
  }, 240_000);
});
