/**
 * Reviewing pairs through the API: list with review state and validation, edit, approve/reject,
 * add, delete, validate one against the source, undo; 409 while a run holds the task; a rejected
 * pair is not in the store after a load; edits survive a re-validation.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, waitForTask, type TestServer } from '../support/api-server.js';
import { expectError, expectInvalid, expectSuccess } from '../support/envelope-assertions.js';
import { answerWell } from '../support/openai-answers.js';
import { BASE, holdLlm, llmEnv } from '../support/run-helpers.js';
import { startScriptedOpenAI, type ScriptedOpenAIServer } from '../support/scripted-openai-server.js';

interface Pair {
  id: string;
  question: string;
  sql: string;
  review: string | null;
  tables: string[];
  validation: { status: string; error: string | null; source: string | null };
}

describe('reviewing pairs', () => {
  let server: TestServer;
  let llm: ScriptedOpenAIServer;
  let taskId: string;
  let pairsPath: string;

  const list = async () =>
    expectSuccess(await server.call('GET', pairsPath)) as { pairs: Pair[]; counts: Record<string, number>; undoable: number; pair_file: string };
  const execute = async (body: Record<string, unknown>) => {
    expect((await server.call('POST', `${BASE}/${taskId}/execute`, body)).status).toBe(202);
    expect((await waitForTask(server, taskId, 120_000)).data.status).not.toBe('in_progress');
  };
  const storedQuestions = async (): Promise<string[]> => {
    const found = expectSuccess(await server.call('POST', '/api/v0/data_pipeline/vector/search', { question: 'stores customers orders', kind: 'sql', k: 50 }));
    return found.results.map((r: { question: string }) => r.question);
  };

  beforeAll(async () => {
    llm = await startScriptedOpenAI({ defaultChat: answerWell });
    server = await startTestServer({ store: 'embedded', env: llmEnv(llm) });
    taskId = expectSuccess(await server.call('POST', BASE, { task_name: 'review', db_connection: 'sample' }), 201).task_id;
    pairsPath = `${BASE}/${taskId}/pairs`;
    expectSuccess(await server.call('POST', `${BASE}/${taskId}/table-list`, { tables: ['orders', 'customers', 'stores'] }));
    await execute({});
  }, 180_000);

  afterAll(async () => {
    await server?.close();
    await llm?.close();
  });

  it('lists the pairs with stable ids, their tables and the validation of the last run', async () => {
    const first = await list();
    expect(first.pairs.length).toBeGreaterThan(3);
    expect(first.counts).toMatchObject({ total: first.pairs.length, approved: 0, rejected: 0, unreviewed: first.pairs.length });
    for (const pair of first.pairs) {
      expect(pair.id).toMatch(/^[A-Za-z0-9_-]+$/);
      expect(pair.validation.status).toMatch(/^(valid|repaired)$/);
      expect(pair.tables.length).toBeGreaterThan(0);
      expect((pair as Pair & { difficulty: string }).difficulty).toMatch(/^(easy|medium|hard)$/);
      // The theme each was generated for (qa_themes.json).
      expect((pair as Pair & { theme: string | null }).theme).toEqual(expect.any(String));
    }
    expect((await list()).pairs.map((p) => p.id)).toEqual(first.pairs.map((p) => p.id));
    // Filters: the counts still describe the whole file; an unknown value or parameter is refused.
    const withStores = expectSuccess(await server.call('GET', `${pairsPath}?q=STORES`));
    expect(withStores.pairs.length).toBeGreaterThan(0);
    expect(withStores.pairs.length).toBeLessThan(first.pairs.length);
    expect(withStores.pairs.every((p: Pair) => `${p.question} ${p.sql}`.toLowerCase().includes('stores'))).toBe(true);
    expect(withStores.counts.total).toBe(first.pairs.length);
    expect(expectSuccess(await server.call('GET', `${pairsPath}?review=none&status=invalid`)).pairs).toEqual([]);
    expect(expectSuccess(await server.call('GET', `${pairsPath}?review=none`)).pairs).toHaveLength(first.pairs.length);
    expectInvalid(await server.call('GET', `${pairsPath}?review=maybe`), 'querystring.review', /must be one of/, /approved/);
    expectError(await server.call('GET', `${pairsPath}?sort=question`), 400);
  });

  it('edits, rejects, adds, validates, deletes and undoes; a rejected pair is not loaded; edits survive a re-validation', async () => {
    const [a, b, c] = (await list()).pairs as [Pair, Pair, Pair];
    const edited = expectSuccess(await server.call('PATCH', `${pairsPath}/${a.id}`, { question: `${a.question} (per region)`, by: 'ann' }));
    expect(edited.pair).toMatchObject({ id: a.id, question: `${a.question} (per region)`, sql: a.sql });
    expect(edited.change).toMatchObject({ action: 'edit', by: 'ann', pair_id: a.id, before: { question: a.question } });
    expectSuccess(await server.call('PATCH', `${pairsPath}/${b.id}`, { review: 'rejected' }));
    expectSuccess(await server.call('PATCH', `${pairsPath}/${c.id}`, { review: 'approved' }));

    const added = expectSuccess(
      await server.call('POST', pairsPath, { question: 'How many stores are online?', sql: 'SELECT count(*) FROM stores WHERE is_online' }),
      201,
    ).pair as Pair;
    expect(added).toMatchObject({ review: null, tables: ['public.stores'], validation: { status: 'unchecked' } });
    const checked = expectSuccess(await server.call('POST', `${pairsPath}/${added.id}/validate`)).pair as Pair;
    expect(checked.validation).toEqual({ status: 'valid', error: null, source: 'check', flags: [], explanation: null });
    const bad = expectSuccess(await server.call('POST', pairsPath, { question: 'Which stores have a fax?', sql: 'SELECT fax FROM stores' }), 201).pair as Pair;
    const refused = expectSuccess(await server.call('POST', `${pairsPath}/${bad.id}/validate`)).pair as Pair;
    expect(refused.validation).toMatchObject({ status: 'invalid', source: 'check', error: expect.stringMatching(/column "fax" does not exist/) });
    // Undo the newest change: the bad pair goes.
    const undone = expectSuccess(await server.call('POST', `${pairsPath}/undo`));
    expect(undone.undone).toMatchObject({ action: 'add', pair_id: bad.id });
    expect((await list()).pairs.some((p) => p.id === bad.id)).toBe(false);
    // A delete, undone, puts the pair back where it was.
    const before = (await list()).pairs.map((p) => p.id);
    const d = before[3] as string;
    expectSuccess(await server.call('DELETE', `${pairsPath}/${d}?by=ann`));
    expect((await list()).pairs.map((p) => p.id)).not.toContain(d);
    expectSuccess(await server.call('POST', `${pairsPath}/undo`));
    expect((await list()).pairs.map((p) => p.id)).toEqual(before);

    const reviewed = await list();
    expect(reviewed.counts).toMatchObject({ approved: 1, rejected: 1 });

    // Load: the rejected pair stays out of the store; the edit and the added pair are in.
    await execute({ execution_mode: 'step', step_name: 'training_load' });
    const questions = await storedQuestions();
    expect(questions).not.toContain(b.question);
    expect(questions).toContain(`${a.question} (per region)`);
    expect(questions).toContain('How many stores are online?');

    // A re-validation rewrites the file: reviews, edits and ids stay.
    await execute({ execution_mode: 'step', step_name: 'sql_validation' });
    const after = await list();
    expect(after.pairs.map((p) => p.id)).toEqual(reviewed.pairs.map((p) => p.id));
    expect(after.pairs.find((p) => p.id === a.id)?.question).toBe(`${a.question} (per region)`);
    expect(after.pairs.find((p) => p.id === b.id)?.review).toBe('rejected');
    expect(after.pairs.find((p) => p.id === added.id)?.validation).toMatchObject({ status: 'valid', source: 'report' });

    // Reviewers saving at once: every change lands, one after the other.
    const some = (await list()).pairs.slice(0, 5);
    const answers = await Promise.all(some.map((p) => server.call('PATCH', `${pairsPath}/${p.id}`, { review: 'approved' })));
    expect(answers.map((a) => a.status)).toEqual(some.map(() => 200));
    expect((await list()).pairs.slice(0, 5).every((p) => p.review === 'approved')).toBe(true);
    for (const p of some) await server.call('PATCH', `${pairsPath}/${p.id}`, { review: p.review });

    // review: null clears a review.
    expect(expectSuccess(await server.call('PATCH', `${pairsPath}/${c.id}`, { review: null })).pair.review).toBeNull();
  }, 240_000);

  it('refuses changes while a run holds the task (409), and names bad input', async () => {
    const [a] = (await list()).pairs as [Pair];
    const gate = holdLlm(llm);
    try {
      expect((await server.call('POST', `${BASE}/${taskId}/execute`, {})).status).toBe(202);
      const busy = expectError(await server.call('PATCH', `${pairsPath}/${a.id}`, { review: 'approved' }), 409, 'TASK_RUNNING');
      expect(JSON.stringify(busy)).toMatch(/edit a pair/);
      expectError(await server.call('POST', pairsPath, { question: 'q?', sql: 'SELECT 1' }), 409, 'TASK_RUNNING');
      expectError(await server.call('POST', `${pairsPath}/undo`), 409, 'TASK_RUNNING');
    } finally {
      gate.release();
    }
    await waitForTask(server, taskId, 120_000);

    const current = (await list()).pairs[0] as Pair;
    expectError(await server.call('PATCH', `${pairsPath}/no_such_pair`, { review: 'approved' }), 404);
    expectError(await server.call('PATCH', `${pairsPath}/${current.id}`, {}), 400);
    expectInvalid(await server.call('PATCH', `${pairsPath}/${current.id}`, { review: 'maybe' }), 'body.review', /approved|rejected/);
    expectError(await server.call('PATCH', `${pairsPath}/${current.id}`, { review: 'approved', colour: 'red' }), 400);
    expectInvalid(await server.call('POST', pairsPath, { question: '  ', sql: 'SELECT 1' }), 'body.question', /empty/);
    expectInvalid(await server.call('POST', pairsPath, { question: current.question, sql: 'SELECT 1' }), 'body.question', /repeats the question/);
    // The same rule for an edit; SQL that is not one read-only query is refused on add and edit.
    const other = (await list()).pairs[1] as Pair;
    expectInvalid(await server.call('PATCH', `${pairsPath}/${other.id}`, { question: current.question }), 'body.question', /repeats the question of pair/);
    expectInvalid(await server.call('POST', pairsPath, { question: 'Remove the orders', sql: 'DELETE FROM orders' }), 'body.sql', /./, /one read-only query/);
    expectInvalid(await server.call('PATCH', `${pairsPath}/${other.id}`, { sql: 'SELECT 1; DROP TABLE orders' }), 'body.sql', /./);
    // Saying what a pair already says changes nothing and leaves nothing to undo.
    const before = (await list()).undoable;
    const same = expectSuccess(await server.call('PATCH', `${pairsPath}/${other.id}`, { question: other.question }));
    expect(same.change).toBeNull();
    expect((await list()).undoable).toBe(before);
    expectError(await server.call('GET', `${BASE}/no_such_task/pairs`), 404, 'TASK_NOT_FOUND');
  }, 240_000);

  it('keeps reviews and the pairs people added or edited across a complete re-run', async () => {
    // The 409 test above ran a complete run: the reviews and edits of the second test are still there.
    const after = await list();
    const byQuestion = (q: string) => after.pairs.find((p) => p.question === q);
    expect(byQuestion('How many stores are online?')).toMatchObject({ sql: 'SELECT count(*) FROM stores WHERE is_online' });
    expect(after.pairs.some((p) => p.question.endsWith(' (per region)'))).toBe(true);
    expect(after.counts.rejected).toBe(1);
    // The history of the earlier pair file went to the backup with it: nothing to undo in the new one.
    expect(expectError(await server.call('POST', `${pairsPath}/undo`), 404).response).toMatch(/has no pair change to undo$/);
  }, 60_000);

  it('edits a table comment and column comments: the files say it, later steps use it, a re-run keeps it', async () => {
    const tablePath = `${BASE}/${taskId}/tables`;
    const file = async (name: string) => (await server.call('GET', `${BASE}/${taskId}/files/${name}`)).body as unknown as string;
    // What the generator wrote, to come back to when the edit is taken back.
    const columnNote = (md: string, column: string) => md.match(new RegExp(`\\n- ${column} \\([^)]*\\)+ - ([^\\[\\n]*?) ?(\\[|\\n)`))?.[1];
    const generatedMd = await file('stores_detail.md');
    const generatedName = columnNote(generatedMd, 'name');
    const generatedCity = columnNote(generatedMd, 'city');
    expect(generatedName).toBeTruthy();
    expect(generatedCity).toBeTruthy();
    const edited = expectSuccess(
      await server.call('PATCH', `${tablePath}/stores`, {
        table_comment: 'Shops, and the online store',
        columns: { name: 'Display name of the shop' },
        by: 'ann',
      }),
    );
    expect(edited).toMatchObject({ table: 'public.stores', table_comment: 'Shops, and the online store', columns: { name: 'Display name of the shop' } });
    expect(edited.files).toEqual(['stores.ddl', 'stores_detail.md', 'comments.sql', 'comment_edits.json']);
    expect(await file('stores.ddl')).toMatch(/-- Description: Shops, and the online store\n[\s\S]*name .*-- Display name of the shop/);
    expect(await file('stores_detail.md')).toMatch(/\n- name \(varchar\(80\)\) - Display name of the shop \[/);
    const commentsSql = await file('comments.sql');
    expect(commentsSql.match(/COMMENT ON COLUMN public\.stores\.name IS 'Display name of the shop';/g)).toHaveLength(1);
    expect(commentsSql).toContain(`COMMENT ON TABLE public.stores IS 'Shops, and the online store';`);
    expect(commentsSql).toMatch(/COMMENT ON COLUMN public\.orders\./);

    expectInvalid(await server.call('PATCH', `${tablePath}/stores`, { columns: { fax: 'Fax' } }), 'body.columns.fax', /is not a column of public\.stores/);
    expectError(await server.call('PATCH', `${tablePath}/stores`, {}), 400);
    // An empty comment: one line for the field, saying null is the other accepted value.
    const empty = expectInvalid(
      await server.call('PATCH', `${tablePath}/stores`, { table_comment: '' }),
      'body.table_comment',
      /fewer than 1 characters/,
      /or null$/,
    );
    expect(empty.response).not.toMatch(/must be null/);
    expectError(await server.call('PATCH', `${tablePath}/no_such_table`, { table_comment: 'x' }), 404, 'TABLE_NOT_FOUND');

    // A complete re-run (files backed up first, comments generated again) keeps the edit, and the pairs prompts see it.
    const before = llm.chatRequests.length;
    await execute({});
    expect(await file('stores.ddl')).toContain('-- Description: Shops, and the online store');
    const prompts = llm.chatRequests.slice(before).map((r) => r.messages.map((m) => m.content).join('\n'));
    expect(prompts.some((p) => p.includes('Theme:') && p.includes('Display name of the shop'))).toBe(true);

    // Taking an edit back (null) restores the generated text at once, in every file; null on a column nobody edited changes nothing.
    const columnBack = expectSuccess(await server.call('PATCH', `${tablePath}/stores`, { columns: { name: null, city: null } }));
    expect(columnBack.columns).toMatchObject({ name: generatedName, city: generatedCity });
    expect(columnNote(await file('stores_detail.md'), 'name')).toBe(generatedName);
    expect(await file('stores.ddl')).not.toContain('Display name of the shop');
    expect(await file('comments.sql')).not.toContain('Display name of the shop');
    let listed = expectSuccess(await server.call('GET', tablePath)).tables as {
      table: string;
      edited: boolean;
      table_comment_edited: boolean;
      edited_columns: string[];
    }[];
    expect(listed.find((t) => t.table === 'public.stores')).toMatchObject({ edited: true, table_comment_edited: true, edited_columns: [] });
    const tableBack = expectSuccess(await server.call('PATCH', `${tablePath}/stores`, { table_comment: null }));
    expect(tableBack.table_comment).not.toBe('Shops, and the online store');
    expect(await file('stores.ddl')).not.toContain('Shops, and the online store');
    listed = expectSuccess(await server.call('GET', tablePath)).tables;
    expect(listed.find((t) => t.table === 'public.stores')).toMatchObject({ edited: false, table_comment_edited: false, edited_columns: [] });
    expect(((await server.call('GET', `${BASE}/${taskId}/files/comment_edits.json`)).body as unknown as { tables: object }).tables).not.toHaveProperty([
      'public.stores',
    ]);
    // Edit again, so that the restore below has an edit to undo.
    expectSuccess(await server.call('PATCH', `${tablePath}/stores`, { table_comment: 'Shops, and the online store' }));

    // Restoring a backup from before the edit restores the comments too: a later run does not bring the edit back.
    const backups = expectSuccess(await server.call('GET', `${BASE}/${taskId}/backups`)).backups as { name: string }[];
    const oldest = [...backups].map((b) => b.name).sort()[0] as string;
    expectSuccess(await server.call('POST', `${BASE}/${taskId}/backups/${oldest}/restore`, {}));
    const tables = expectSuccess(await server.call('GET', `${BASE}/${taskId}/tables`)).tables as { table: string; edited: boolean }[];
    expect(tables.find((t) => t.table === 'public.stores')?.edited).toBe(false);
    await execute({ execution_mode: 'step', step_name: 'ddl_generation' });
    expect(await file('stores.ddl')).not.toContain('Shops, and the online store');
  }, 240_000);
  it('never loads a pair whose SQL no check covers and that fails now; a check keeps the pairs people added or edited, marked invalid', async () => {
    // Parses as one read-only query (so the API takes it) but fails EXPLAIN: the column does not exist.
    const added = expectSuccess(
      await server.call('POST', pairsPath, { question: 'Which stores have no fax number?', sql: 'SELECT name FROM stores WHERE fax IS NULL' }),
      201,
    ).pair as Pair;
    expect(added.validation.status).toBe('unchecked');
    // Valid, but it finds nothing: the execute check flags it.
    const empty = expectSuccess(
      await server.call('POST', pairsPath, { question: 'Which stores are called Nowhere?', sql: "SELECT id FROM stores WHERE name = 'Nowhere at all'" }),
      201,
    ).pair as Pair;
    const target = (await list()).pairs.find((p) => !p.id.startsWith('u') && p.review === null) as Pair;
    expectSuccess(await server.call('PATCH', `${pairsPath}/${target.id}`, { sql: 'SELECT count(*) FROM stores WHERE no_such_column' }));

    // Loading checks them first: neither reaches the store, and the result says so.
    await execute({ execution_mode: 'step', step_name: 'training_load' });
    const task = expectSuccess(await server.call('GET', `${BASE}/${taskId}`));
    expect(task.steps.find((s: { step_name: string }) => s.step_name === 'training_load')?.result).toMatchObject({ pairs_failed_check: 2 });
    expect(await storedQuestions()).not.toContain('Which stores have no fax number?');
    expect(await storedQuestions()).not.toContain(target.question);

    // sql_validation finds them invalid and cannot repair them (the scripted LLM answers with the same SQL): they stay, marked invalid.
    await execute({ execution_mode: 'step', step_name: 'sql_validation' });
    const after = await list();
    expect(after.pairs.find((p) => p.id === added.id)?.validation.status).toBe('invalid');
    expect(after.pairs.find((p) => p.id === empty.id)?.validation).toMatchObject({ status: 'valid', source: 'report', flags: ['empty_result'] });
    expect(after.pairs.find((p) => p.id === target.id)).toMatchObject({
      sql: 'SELECT count(*) FROM stores WHERE no_such_column',
      validation: { status: 'invalid' },
    });
    const logs = expectSuccess(await server.call('GET', `${BASE}/${taskId}/files`)).files as { file_name: string }[];
    const modifications = logs
      .map((f) => f.file_name)
      .filter((n) => n.startsWith('file_modifications_'))
      .sort()
      .at(-1) as string;
    const log = (await server.call('GET', `${BASE}/${taskId}/files/${modifications}`)).body as unknown as string;
    expect(log).toMatch(/\] kept, invalid \(people added, edited or reviewed it; not loaded\): Which stores have no fax number\?/);
  }, 240_000);
});
