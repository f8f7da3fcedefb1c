/**
 * The web console end to end, in Chromium driven by playwright-core (`DP_CHROMIUM`, else Debian's,
 * else the one the npm package @sparticuz/chromium ships: test/support/chromium.ts): on the sample
 * database, create a task by picking tables, run it and see it complete live, review its pairs,
 * logs and files, re-run it and see the backup, diff it, restore it, delete a backup; then the
 * same pages at 390 px. Screenshots of each page go to test-output/screenshots/.
 */
import { mkdirSync, promises as fs } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { axeViolations } from '../support/axe.js';
import { findChromium } from '../support/chromium.js';
import { createSampleDatabaseOnServer, PROJECT_ROOT, type ScratchDatabase } from '../support/env.js';
import { startTestServer, waitForTask, type TestServer } from '../support/api-server.js';
import { answerWell } from '../support/openai-answers.js';
import { client, createTask, holdLlm, llmEnv } from '../support/run-helpers.js';
import { startScriptedOpenAI, type ScriptedOpenAIServer } from '../support/scripted-openai-server.js';
import { STEP_NAMES } from '../../src/workflow/steps/catalog.js';

const SHOTS = path.join(PROJECT_ROOT, 'test-output', 'screenshots');
const RUN_TIMEOUT = 150_000;

describe('web console in Chromium', () => {
  let server: TestServer;
  let browser: Browser;
  let page: Page;

  // (Expressions, not functions: the test's types are Node's, without the DOM's.)
  const scrollWidth = () => page.evaluate<number>('document.documentElement.scrollWidth');
  const shot = (name: string) => page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });

  beforeAll(async () => {
    // Never skipped: without a browser this fails and says why.
    const { executablePath, args } = await findChromium();
    mkdirSync(SHOTS, { recursive: true });
    server = await startTestServer({ store: 'embedded' });
    browser = await chromium.launch({ executablePath, args });
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('pageerror', (error) => {
      throw error;
    });
    // What the Content-Security-Policy refused (an inline style the editor set without the nonce, say).
    await page.addInitScript(
      "window.cspViolations = []; document.addEventListener('securitypolicyviolation', (e) => window.cspViolations.push(e.violatedDirective + ' ' + (e.sample || e.blockedURI) + ' at ' + e.sourceFile + ':' + e.lineNumber + ':' + e.columnNumber))",
    );
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('creates a task from picked tables, runs it to completion live, and shows its pairs, logs and files', { timeout: 300_000 }, async () => {
    await page.goto(`${server.url}/`);
    await expect.poll(() => page.getByText('No tasks yet').isVisible()).toBe(true);
    await shot('01-task-list-empty');
    // Nothing is loaded yet: the training data page says so and where loads come from.
    await page.getByRole('link', { name: 'Training data' }).click();
    await page.getByText(/^Nothing is loaded yet\./).waitFor();
    expect(await page.locator('#store-total').textContent()).toBe('0 rows in the vector store');
    await page.getByRole('link', { name: 'Tasks', exact: true }).click();
    await page.getByText('No tasks yet').waitFor();

    await page.getByRole('link', { name: 'Create the first task' }).click();
    await page.getByRole('heading', { name: 'New task' }).waitFor();
    // The sample connection is tested at once and its tables listed.
    await page.getByText(/Connected: \d+ tables/).waitFor();
    await page.getByLabel('Filter tables').fill('region');
    // Enter in the filter filters; it never submits (creates) the task.
    await page.getByLabel('Filter tables').press('Enter');
    await page.getByLabel('Connection').press('Enter');
    await page.getByText(/Connected: \d+ tables/).waitFor();
    expect(await page.evaluate<string>('location.hash')).toBe('#/new');
    await page.getByLabel('public.regions').check();
    await page.getByLabel('Filter tables').fill('stores');
    await page.getByLabel('Select all shown').check();
    await expect.poll(() => page.getByText(/^\d+ tables? selected$/).textContent()).toMatch(/^[2-9] tables selected$/);
    await page.getByLabel('Name', { exact: true }).fill('Console test');
    await shot('02-new-task');
    await page.getByRole('button', { name: 'Create and run' }).click();

    // The detail page follows the run over SSE until the task is completed.
    await page.getByRole('heading', { name: /Console test/ }).waitFor();
    await page.locator('h1 .badge', { hasText: 'completed' }).waitFor({ timeout: RUN_TIMEOUT });
    for (const step of STEP_NAMES) {
      await expect.poll(() => page.locator(`[data-step="${step}"] .badge`).textContent()).toBe('completed');
    }
    // How well the loaded set retrieves itself (the built-in embedder: measured).
    await expect
      .poll(() => page.locator('[data-step="training_load"] .retrieval').textContent())
      .toMatch(/^Retrieval: a question finds its own pair first \d+%, in the top 5 100% \(\d+ questions\); a table comment finds its DDL in the top 5 \d+%/);
    await shot('03-task-steps-completed');

    await page.getByRole('tab', { name: 'Pairs' }).click();
    const pairRows = page.locator('.pair-table tbody tr');
    await pairRows.first().waitFor();
    expect(await pairRows.count()).toBeGreaterThan(3);
    await expect
      .poll(() => page.getByText(/pair\(s\) shown/).textContent())
      .toMatch(/^(\d+) of \1 pair\(s\) shown · \d+ valid, \d+ repaired, 0 invalid · 0 approved, 0 rejected$/);
    await page.getByLabel('Search questions and SQL').fill('zzzz-no-such-text');
    await page.getByText('No pair matches the filters.').waitFor();
    await page.getByLabel('Search questions and SQL').fill('');
    await page.getByLabel('Status', { exact: true }).selectOption('valid');
    expect(await page.locator('.pair-table .badge', { hasText: 'invalid' }).count()).toBe(0);
    await shot('04-pairs');

    await page.getByRole('tab', { name: 'Logs' }).click();
    await page.locator('.log-table tbody tr').first().waitFor();
    await page.getByLabel('Search messages').fill('training_load');
    await page.getByRole('button', { name: 'Search' }).click();
    await expect
      .poll(async () => (await page.locator('.log-table tbody tr .message').allTextContents()).every((m) => m.toLowerCase().includes('training_load')))
      .toBe(true);
    await shot('05-logs');

    await page.getByRole('tab', { name: 'Files' }).click();
    // Grouped, and filtered by name.
    await page.locator('.group-row', { hasText: /^Table docs \(\d+\)$/ }).waitFor();
    await page.getByLabel('File name contains').fill('regions');
    expect((await page.locator('.file-table td.file-name').allTextContents()).every((name) => name.includes('regions'))).toBe(true);
    await page.getByLabel('File name contains').fill('');
    // The preview stays in view: a file far down the list, previewed after scrolling to it.
    const last = page.locator('.file-table tbody tr:not(.group-row)').last();
    await last.scrollIntoViewIfNeeded();
    await page.getByRole('button', { name: 'Preview regions.ddl' }).click();
    await expect.poll(() => page.locator('.file-preview').textContent()).toMatch(/create table/i);
    await page.getByRole('button', { name: 'Preview data_pipeline.log' }).scrollIntoViewIfNeeded();
    await page.getByRole('button', { name: 'Preview data_pipeline.log' }).click();
    await expect.poll(() => page.locator('.preview h2').textContent()).toBe('data_pipeline.log');
    const box = await page.locator('.preview').boundingBox();
    expect(box && box.y >= 0 && box.y < 900).toBe(true);
    await shot('06-files');
  });

  it('reviews pairs: edits a question and its SQL in the editor, rejects, validates, adds, undoes, and loads the reviewed set', {
    timeout: 180_000,
  }, async () => {
    await page.getByRole('tab', { name: 'Pairs' }).click();
    const rows = page.locator('.pair-table tbody tr');
    await rows.first().waitFor();
    const firstId = (await rows.first().getAttribute('data-pair')) as string;
    const secondId = (await rows.nth(1).getAttribute('data-pair')) as string;

    // Edit in place: the question in a text box, the SQL in the code editor (with highlighting).
    await page.getByRole('button', { name: `Edit pair ${firstId}` }).click();
    const question = page.getByLabel(`Question of pair ${firstId}`);
    await question.fill('How many regions do we sell in?');
    const editor = page.getByLabel(`SQL of pair ${firstId}`);
    await editor.click();
    await page.keyboard.press('ControlOrMeta+a');
    await page.keyboard.type('SELECT count(*) AS regions FROM regions');
    expect(await page.locator(`.pair-editing .cm-content`).locator('span').count()).toBeGreaterThan(0);
    // CodeMirror's own styles apply (they carry the page's CSP nonce): its scroller is a flex box, keywords coloured.
    expect(await page.evaluate<string>("getComputedStyle(document.querySelector('.cm-scroller')).display")).toBe('flex');
    expect(await page.evaluate<string[]>('window.cspViolations')).toEqual([]);
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    const edited = page.locator(`tr[data-pair="${firstId}"]`);
    await expect.poll(() => edited.locator('.pair-question').textContent()).toBe('How many regions do we sell in?');
    // Plain spaces, as typed (the editor's area may hold no-break spaces).
    expect(await edited.locator('pre.sql').textContent()).toBe('SELECT count(*) AS regions FROM regions');
    await shot('20-pair-edited');

    // Validate the edited pair against the database; reject another.
    await page.getByRole('button', { name: `Validate pair ${firstId}` }).click();
    await expect.poll(() => edited.locator('.badge').first().textContent()).toBe('valid');
    await page.getByRole('button', { name: `Reject pair ${secondId}` }).click();
    await expect.poll(() => page.locator(`tr[data-pair="${secondId}"] .badge-review-rejected`).count()).toBe(1);
    await page.getByLabel('Review', { exact: true }).selectOption('rejected');
    await expect.poll(() => rows.count()).toBe(1);
    // Numbers are the pairs' own: the one shown keeps its number under the filter.
    expect(await rows.first().locator('td').first().textContent()).toBe('2');
    await page.getByLabel('Review', { exact: true }).selectOption('');

    // Add a pair with a SQL that fails, see the database's error, then undo the add.
    await page.getByText('Add a pair').click();
    await page.getByLabel('Question', { exact: true }).fill('Which stores have a fax number?');
    await page.getByLabel('SQL of the new pair').click();
    await page.keyboard.type('SELECT fax FROM stores');
    await page.getByRole('button', { name: 'Add pair' }).click();
    const added = page.locator('.pair-table tbody tr').filter({ hasText: 'Which stores have a fax number?' });
    await added.waitFor();
    const addedId = (await added.getAttribute('data-pair')) as string;
    await page.getByRole('button', { name: `Validate pair ${addedId}` }).click();
    await expect.poll(() => page.locator(`tr[data-pair="${addedId}"] .error-text`).textContent()).toMatch(/column "fax" does not exist/);
    await page.getByRole('button', { name: 'Undo last change' }).click();
    await expect.poll(() => page.locator(`tr[data-pair="${addedId}"]`).count()).toBe(0);

    // Load the reviewed set: the rejected pair is not in the store.
    const rejectedQuestion = (await page.locator(`tr[data-pair="${secondId}"] .pair-question`).textContent()) as string;
    await page.getByRole('button', { name: 'Load reviewed set' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Load' }).click();
    await page.getByText('training_load started').waitFor();
    // Until that load has finished (the page's badge said "completed" before it began).
    const taskId = decodeURIComponent(((await page.evaluate<string>('location.hash')).split('/')[2] ?? '').split('?')[0] ?? '');
    await expect
      .poll(
        async () => {
          const runs = (await server.call('GET', `/api/v0/data_pipeline/tasks/${taskId}/runs?limit=1`)).body.data.runs as {
            step_name: string | null;
            status: string;
          }[];
          return runs[0] ? `${runs[0].step_name} ${runs[0].status}` : '';
        },
        { timeout: RUN_TIMEOUT },
      )
      .toBe('training_load completed');
    const found = (await server.call('POST', '/api/v0/data_pipeline/vector/search', { question: rejectedQuestion, kind: 'sql', k: 50 })).body.data as {
      results: { question: string }[];
    };
    expect(found.results.map((r) => r.question)).not.toContain(rejectedQuestion);
    expect(found.results.map((r) => r.question)).toContain('How many regions do we sell in?');
  });

  it('edits table and column comments in place; the files say it', { timeout: 60_000 }, async () => {
    await page.getByRole('tab', { name: 'Tables' }).click();
    const card = page.locator('form.table-doc[data-table="public.regions"]');
    await card.waitFor();
    const generatedName = await card.getByLabel('name', { exact: true }).inputValue();
    await card.getByLabel('Table comment').fill('Sales regions, each with its stores and customers');
    await card.getByLabel('name', { exact: true }).fill('Region name as shown to customers');
    await card.getByRole('button', { name: 'Save comments' }).click();
    await page.getByText(/Comments of public\.regions saved/).waitFor();
    await expect.poll(() => page.locator('form.table-doc[data-table="public.regions"] .badge').textContent()).toBe('edited');
    expect(await page.locator('form.table-doc[data-table="public.regions"]').getByLabel('name', { exact: true }).inputValue()).toBe(
      'Region name as shown to customers',
    );
    await shot('23-table-comments');
    await page.getByRole('tab', { name: 'Files' }).click();
    await page.getByRole('button', { name: 'Preview regions.ddl' }).click();
    await expect
      .poll(() => page.locator('.file-preview').textContent())
      .toMatch(/Sales regions, each with its stores and customers[\s\S]*-- Region name as shown to customers/);
    // An edit taken back: the generated comment returns (the table comment stays edited).
    await page.getByRole('tab', { name: 'Tables' }).click();
    await page.getByRole('button', { name: 'Use generated comment of name' }).click();
    await page.getByText('Generated comment restored').waitFor();
    const regions = page.locator('form.table-doc[data-table="public.regions"]');
    await expect.poll(() => regions.getByLabel('name', { exact: true }).inputValue()).toBe(generatedName);
    expect(await regions.getByRole('button', { name: 'Use generated comment of name' }).count()).toBe(0);
    expect(await regions.getByLabel('Table comment', { exact: true }).inputValue()).toBe('Sales regions, each with its stores and customers');
    expect(await regions.getByRole('button', { name: 'Use generated table comment' }).count()).toBe(1);
  });

  it('re-runs and shows the backup; diffs, restores and deletes backups with confirmation', { timeout: 300_000 }, async () => {
    await page.getByRole('tab', { name: 'Steps' }).click();
    await page.getByRole('button', { name: 'Run complete workflow' }).click();
    // A second complete run asks first, then reports the backup it made.
    await page.getByRole('dialog').getByRole('button', { name: 'Run again' }).click();
    await page.getByText(/earlier files moved to file_bak_\d{8}_\d{6}/).waitFor();
    await page.locator('h1 .badge', { hasText: 'completed' }).waitFor({ timeout: RUN_TIMEOUT });
    await page.getByText(/^file_bak_\d{8}_\d{6}: \d+ file\(s\) moved, 0 failed$/).waitFor();

    await page.getByRole('tab', { name: 'Backups' }).click();
    const rows = page.locator('.backup-table tbody tr');
    await rows.first().waitFor();
    expect(await rows.count()).toBe(1);
    const name = (await rows.first().getAttribute('data-backup')) as string;
    expect(name).toMatch(/^file_bak_\d{8}_\d{6}$/);
    await page.getByRole('button', { name: `Diff ${name}`, exact: true }).click();
    await page.getByRole('heading', { name: `${name} against the current files` }).waitFor();
    await expect.poll(() => page.locator('.diff-group h3', { hasText: 'Changed' }).textContent()).toMatch(/Changed \([1-9]\d*\)/);
    // Pair by pair: the re-run kept the question edited in the review (reviews are carried over), so it is not among the removed.
    await expect
      .poll(() => page.locator('.pair-diff p.muted').textContent())
      .toMatch(/^\d+ question(\(s\))? added, \d+ removed, \d+ with other SQL, 0 reviewed differently, [1-9]\d* unchanged$/);
    expect(await page.locator('.pairs-removed li').allTextContents()).not.toContain('How many regions do we sell in?');
    // A changed file's lines (task_config.json keeps the task's creation time: the result's times change).
    await page.getByRole('button', { name: 'Show changes of task_result.json' }).click();
    await expect
      .poll(() => page.getByLabel('Changes of task_result.json', { exact: true }).textContent())
      .toMatch(/^--- file_bak_\d{8}_\d{6}\/task_result\.json/m);
    await shot('07-backup-diff');

    // Restore: cancelling does nothing; confirming restores (after backing up the current files).
    await page.getByRole('button', { name: `Restore ${name}`, exact: true }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Cancel' }).click();
    expect(await rows.count()).toBe(1);
    await page.getByRole('button', { name: `Restore ${name}`, exact: true }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Restore' }).click();
    await page.getByText(new RegExp(`Restored \\d+ file\\(s\\) from ${name}`)).waitFor();
    await expect.poll(() => rows.count()).toBe(2);
    await page.getByRole('button', { name: `Diff ${name}`, exact: true }).click();
    await page.getByText('No difference: the current files are the ones in this backup.').waitFor();
    await shot('08-backup-restored');

    // Delete the backup the restore made; the dialog's default (focused) button is Cancel.
    const restoreBackup = (await rows.nth(0).getAttribute('data-backup')) as string;
    expect(restoreBackup).not.toBe(name);
    await page.getByRole('button', { name: `Delete ${restoreBackup}`, exact: true }).click();
    expect(await page.evaluate<string | null>('document.activeElement && document.activeElement.textContent')).toBe('Cancel');
    await page.getByRole('dialog').getByRole('button', { name: 'Delete backup' }).click();
    await expect.poll(() => rows.count()).toBe(1);
    expect(await rows.first().getAttribute('data-backup')).toBe(name);
  });

  it('is usable by keyboard and at 390 px wide', { timeout: 120_000 }, async () => {
    // Tabs follow the arrow keys.
    await page.getByRole('tab', { name: 'Backups' }).focus();
    await page.keyboard.press('ArrowLeft');
    await expect.poll(() => page.getByRole('tab', { name: 'Pairs' }).getAttribute('aria-selected')).toBe('true');
    await page.locator('.pair-table').waitFor();

    // The skip link moves the focus to the content and leaves the page where it is.
    await page.goto(`${server.url}/#/tasks`);
    await page.locator('.task-table').waitFor();
    const before = await page.evaluate<string>('location.hash');
    // (First in the page's tab order: it is the body's first element.)
    await page.locator('.skip-link').focus();
    await page.keyboard.press('Enter');
    expect(await page.evaluate<string | null>('document.activeElement && document.activeElement.id')).toBe('main');
    expect(await page.evaluate<string>('location.hash')).toBe(before);

    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${server.url}/#/tasks`);
    const row = page.locator('.task-table tbody tr').first();
    await row.waitFor();
    await expect.poll(() => row.locator('.badge').textContent()).toBe('completed');
    expect(await row.locator('.pill-completed').count()).toBe(STEP_NAMES.length);
    // No horizontal scrolling at phone width.
    expect(await scrollWidth()).toBeLessThanOrEqual(390);
    await shot('09-task-list-390px');
    await row.getByRole('link').click();
    await page.locator('h1 .badge', { hasText: 'completed' }).waitFor();
    expect(await scrollWidth()).toBeLessThanOrEqual(390);
    await shot('10-task-detail-390px');
    // On a phone the preview is a dialog, in view.
    await page.getByRole('tab', { name: 'Files' }).click();
    await page.getByRole('button', { name: 'Preview task_config.json' }).click();
    const dialog = page.getByRole('dialog', { name: 'File preview' });
    await expect.poll(() => dialog.locator('.file-preview').textContent()).toMatch(/"task_id"/);
    const box = await dialog.boundingBox();
    expect(box && box.y >= 0 && box.y + box.height <= 844).toBe(true);
    await shot('10b-file-preview-390px');
    await dialog.getByRole('button', { name: 'Close' }).click();
    await page.goto(`${server.url}/#/new`);
    await page.getByText(/Connected: \d+ tables/).waitFor();
    expect(await scrollWidth()).toBeLessThanOrEqual(390);
    await shot('11-new-task-390px');
    await page.setViewportSize({ width: 1280, height: 900 });
  });

  // (Builds on the task the first test created.)
  it('filters, sorts and pages the task list (status, name, database)', { timeout: 60_000 }, async () => {
    await page.goto(`${server.url}/#/tasks`);
    const rows = page.locator('.task-table tbody tr');
    await rows.first().waitFor();
    // Filtering changes the address, and the page is drawn anew on the hashchange that follows:
    // wait for the new form before typing into it (the one being replaced would lose what is typed).
    const filter = async () => {
      await page.evaluate("document.querySelector('form[role=search]').setAttribute('data-submitted', '')");
      await page.getByRole('button', { name: 'Filter' }).click();
      await page.locator('form[role=search]:not([data-submitted])').waitFor();
    };
    await page.getByLabel('Task name contains').fill('console');
    await filter();
    await expect.poll(() => page.evaluate<string>('location.hash')).toBe('#/tasks?q=console');
    await expect.poll(() => rows.count()).toBe(1);
    // The database filter matches part of a name, any case.
    await page.getByLabel('Database name contains').fill('OUTFIT');
    await filter();
    await expect.poll(() => rows.count()).toBe(1);
    expect(await rows.first().locator('td[data-label="Valid"]').textContent()).toMatch(/^\d+%$/);
    expect(await rows.first().locator('td[data-label="Pairs"]').textContent()).toMatch(/^\d+$/);
    await page.getByLabel('Database name contains').fill('no_such_db');
    await filter();
    await page.getByText('No task matches these filters.').waitFor();
    await page.getByRole('button', { name: 'Show all tasks' }).click();
    await rows.first().waitFor();
    await page.getByLabel('Status', { exact: true }).selectOption('failed');
    await page.getByText('No task matches these filters.').waitFor();
    await page.getByLabel('Status', { exact: true }).selectOption('completed');
    await expect.poll(() => rows.count()).toBe(1);
    await page.getByLabel('Sort').selectOption('name');
    await expect.poll(() => page.evaluate<string>('location.hash')).toBe('#/tasks?status=completed&sort=name');
    await expect.poll(() => rows.count()).toBe(1);

    // Paging: 25 tasks in all, 20 a page.
    for (let i = 0; i < 24; i += 1) {
      const created = await server.call('POST', '/api/v0/data_pipeline/tasks', { task_name: `Paging ${String(i).padStart(2, '0')}`, db_connection: 'sample' });
      expect(created.status).toBe(201);
    }
    await page.goto(`${server.url}/#/tasks?sort=name`);
    await expect.poll(() => page.locator('.pager span').textContent()).toBe('1–20 of 25');
    expect(await page.getByRole('button', { name: '← Previous' }).isDisabled()).toBe(true);
    await page.getByRole('button', { name: 'Next →' }).click();
    await expect.poll(() => page.locator('.pager span').textContent()).toBe('21–25 of 25');
    expect(await rows.count()).toBe(5);
    expect(await page.getByRole('button', { name: 'Next →' }).isDisabled()).toBe(true);
  });

  // (Builds on the loads of the first two tests.)
  it('shows what the store holds per database, kind and task, and what a question retrieves', { timeout: 120_000 }, async () => {
    const stats = (await server.call('GET', '/api/v0/data_pipeline/vector/stats')).body.data as {
      total_rows: number;
      collections: { name: string; rows: number; embedder: { dimension: number } | null }[];
      databases: { db_key: string; rows: number; by_kind: Record<string, number>; tasks: Record<string, number> }[];
    };
    expect(stats.databases).toHaveLength(1);
    const [database] = stats.databases as [(typeof stats.databases)[number]];
    expect(database.by_kind.sql).toBeGreaterThan(0);

    await page.goto(`${server.url}/#/tasks`);
    await page.getByRole('link', { name: 'Training data' }).click();
    await page.getByRole('heading', { name: 'Training data' }).waitFor();
    expect(await page.getByRole('link', { name: 'Training data' }).getAttribute('aria-current')).toBe('page');
    await expect.poll(() => page.locator('#store-total').textContent()).toBe(`${stats.total_rows} rows in the vector store`);
    for (const collection of stats.collections) {
      const row = page.locator(`.collection-table tr[data-collection="${collection.name}"]`);
      expect(await row.locator('.rows').textContent()).toBe(String(collection.rows));
      // (error_sql is Vanna's collection of failed SQL: nothing of ours goes there.)
      const embedder = collection.rows ? `builtin · builtin-hashing-v2 · ${collection.embedder?.dimension} dimensions` : '— (empty)';
      expect(await row.locator('.embedder').textContent()).toBe(embedder);
    }
    const dbRow = page.locator(`.database-table tr[data-db="${database.db_key}"]`);
    for (const kind of ['ddl', 'documentation', 'sql']) {
      expect(await dbRow.locator(`td[data-kind="${kind}"]`).textContent()).toBe(String(database.by_kind[kind] ?? 0));
    }
    expect(await dbRow.locator('.total').textContent()).toBe(String(database.rows));
    const [taskId] = Object.keys(database.tasks) as [string];
    await dbRow.getByRole('link', { name: taskId }).waitFor();
    await shot('16-training-data');

    // Ask as an assistant would: the console shows the rows the API finds, nearest first.
    const question = 'How many stores are there in each region?';
    const expected = (await server.call('POST', '/api/v0/data_pipeline/vector/search', { question, k: 3, kind: 'sql', db: database.db_key })).body.data as {
      results: { question: string; similarity: number }[];
    };
    expect(expected.results).toHaveLength(3);
    await page.getByLabel('Question').fill(question);
    await page.getByLabel('Kind').selectOption('sql');
    await page.getByLabel('Database', { exact: true }).selectOption(database.db_key);
    await page.getByLabel('Rows').selectOption('3');
    await page.getByRole('button', { name: 'Search' }).click();
    const hits = page.locator('.hit');
    await expect.poll(() => hits.count()).toBe(3);
    expect(await page.locator('.hit-question').allTextContents()).toEqual(expected.results.map((r) => r.question));
    expect(await page.locator('.similarity').allTextContents()).toEqual(expected.results.map((r) => `similarity ${r.similarity.toFixed(3)}`));
    expect(await hits.first().locator('.sql').textContent()).toMatch(/select/i);
    await shot('17-training-search');

    // Documentation rows show their text; every hit says where it came from and links its task.
    await page.getByLabel('Kind').selectOption('documentation');
    await page.getByRole('button', { name: 'Search' }).click();
    await expect.poll(() => page.locator('.hit[data-kind="documentation"]').count()).toBe(Math.min(3, database.by_kind.documentation ?? 0));
    expect(await hits.first().locator('.hit-document').textContent()).not.toBe('');
    expect(await hits.first().locator('dd').first().textContent()).toBe(database.db_key);
    await hits.first().getByRole('link', { name: taskId }).click();
    await page.locator('h1 .badge').waitFor();
    expect(await page.evaluate<string>('location.hash')).toBe(`#/tasks/${taskId}`);

    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${server.url}/#/training`);
    await page.locator('.database-table').waitFor();
    expect(await scrollWidth()).toBeLessThanOrEqual(390);
    await shot('18-training-data-390px');
    await page.setViewportSize({ width: 1280, height: 900 });
  });

  it('ties the table picker to the tested connection, and creates only for a connection that tested good', { timeout: 60_000 }, async () => {
    await page.goto(`${server.url}/#/new`);
    await page.getByText(/Connected: \d+ tables/).waitFor();
    // A title per page, and the heading focused.
    expect(await page.title()).toBe('New task · Data Pipeline');
    expect(await page.evaluate<string | null>('document.activeElement && document.activeElement.tagName')).toBe('H1');
    // The business context is a hint, not a value.
    expect(await page.getByLabel('Business context').inputValue()).toBe('');
    expect(await page.getByLabel('Business context').getAttribute('placeholder')).toMatch(/^e\.g\. /);
    await page.getByLabel('public.regions').check();
    expect(await page.getByRole('button', { name: 'Create and run' }).isDisabled()).toBe(false);

    // Another connection typed, not tested: the picked tables are gone and Create waits.
    await page.getByLabel('Connection').fill('postgresql://nobody@127.0.0.1:1/elsewhere');
    await page.getByText('Test the connection to list its tables.').waitFor();
    expect(await page.getByLabel('public.regions').count()).toBe(0);
    expect(await page.getByText('0 tables selected').count()).toBe(1);
    expect(await page.getByRole('button', { name: 'Create and run' }).isDisabled()).toBe(true);
    expect(await page.getByRole('button', { name: 'Create task' }).isDisabled()).toBe(true);
    // A failed test lists nothing under the error.
    await page.getByRole('button', { name: 'Test connection' }).click();
    await page.getByRole('alert').waitFor();
    await page.getByText(/connection test failed/).waitFor();
    expect(await page.locator('.picker-row').count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Create and run' }).isDisabled()).toBe(true);
    await shot('21-picker-failed-test');
    await page.goto(`${server.url}/#/tasks`);
    await page.locator('.task-table').waitFor();
  });

  it('has no accessibility violation axe-core finds, on every page and tab', { timeout: 120_000 }, async () => {
    const audit = async (where: string) => expect(await axeViolations(page, where)).toEqual([]);
    await page.goto(`${server.url}/#/tasks`);
    await page.locator('.task-table').waitFor();
    await audit('task list');
    await page.goto(`${server.url}/#/new`);
    await page.getByText(/Connected: \d+ tables/).waitFor();
    await audit('new task');
    await page.goto(`${server.url}/#/training`);
    await page.locator('.database-table').waitFor();
    await audit('training data');
    await page.goto(`${server.url}/#/tasks?q=Console%20test`);
    await page.getByRole('link', { name: 'Console test' }).click();
    await page.locator('[data-step]').first().waitFor();
    await audit('task steps');
    for (const [tab, ready] of [
      ['Runs', '.run-table'],
      ['Logs', '.log-table'],
      ['Files', '.file-name'],
      ['Tables', 'form.table-doc'],
      ['Pairs', '.pair-table'],
      ['Backups', '.backup-table'],
    ] as const) {
      await page.getByRole('tab', { name: tab }).click();
      await page.locator(ready).first().waitFor();
      await audit(`task ${tab.toLowerCase()} tab`);
    }
    // The system's dark mode: dark surfaces, and still no violation (colour contrast included).
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.goto(`${server.url}/#/tasks`);
    await page.locator('.task-table').waitFor();
    expect(await page.evaluate<string>('getComputedStyle(document.documentElement).backgroundColor')).toBe('rgb(15, 20, 28)');
    await audit('task list, dark');
    await page.goto(`${server.url}/#/tasks?q=Console%20test`);
    await page.getByRole('link', { name: 'Console test' }).click();
    await page.getByRole('tab', { name: 'Pairs' }).click();
    await page.locator('.pair-table').waitFor();
    await audit('task pairs tab, dark');
    await shot('24-dark-mode');
    await page.emulateMedia({ colorScheme: 'light' });
    await page.goto(`${server.url}/#/tasks`);
    await page.locator('.task-table').waitFor();
  });

  it('shows the API error, naming the field, when a task cannot be created', { timeout: 60_000 }, async () => {
    await page.goto(`${server.url}/#/new`);
    await page.getByText(/Connected: \d+ tables/).waitFor();
    await page.getByLabel('Connection').fill('mysql://somewhere/db');
    await page.getByRole('button', { name: 'Test connection' }).click();
    await page
      .getByRole('alert')
      .getByText(/body\.db_connection/)
      .first()
      .waitFor();
    await shot('12-connection-error');

    // A table list the server refuses: the task exists once, and a second submit only retries the list.
    const countTasks = async () => (await server.call('GET', '/api/v0/data_pipeline/tasks?limit=100')).body.data.total as number;
    const before = await countTasks();
    await page.getByLabel('Connection').fill('sample');
    await page.getByRole('button', { name: 'Test connection' }).click();
    await page.getByText(/Connected: \d+ tables/).waitFor();
    await page.getByLabel('Name', { exact: true }).fill('Retry once');
    await page.getByLabel('…or upload a table_list.txt').setInputFiles({ name: 'tables.csv', mimeType: 'text/plain', buffer: Buffer.from('regions\n') });
    await page.getByRole('button', { name: 'Create task' }).click();
    await page
      .getByRole('alert')
      .getByText(/body\.file/)
      .first()
      .waitFor();
    await page.getByText(/was created; submitting again gives it its table list/).waitFor();
    await page.getByLabel('…or upload a table_list.txt').setInputFiles({ name: 'tables.txt', mimeType: 'text/plain', buffer: Buffer.from('regions\n') });
    await page.getByRole('button', { name: 'Create task' }).click();
    await page.getByRole('heading', { name: /Retry once/ }).waitFor();
    expect(await countTasks()).toBe(before + 1);

    // A malformed address shows an error, not a blank page.
    await page.goto(`${server.url}/#/tasks/%E0`);
    await page.getByRole('alert').waitFor();
  });

  it('lists a task folder the existing service left as an adopted task, and opens it', { timeout: 60_000 }, async () => {
    const id = 'task_20250627_143052';
    const dir = path.join(server.settings.trainingDataDir, id);
    await fs.mkdir(dir, { recursive: true });
    await fs.writeFile(
      path.join(dir, 'task_config.json'),
      JSON.stringify({ task_id: id, created_at: '2025-06-27T14:30:52', parameters: { db_connection: 'sample' } }),
    );
    await fs.writeFile(path.join(dir, 'table_list.txt'), 'regions\n');
    // The oldest task: it was created in 2025.
    await page.goto(`${server.url}/#/tasks?sort=oldest`);
    const first = page.locator('.task-table tbody tr').first();
    await expect.poll(() => first.locator('td[data-label="Task"]').textContent()).toContain(`${id} · adopted folder`);
    await first.getByRole('link', { name: id }).click();
    await page.getByRole('heading', { name: id }).waitFor();
  });
});

describe('web console: live progress of a run over SSE', () => {
  let server: TestServer;
  let llm: ScriptedOpenAIServer;
  let browser: Browser;

  beforeAll(async () => {
    const { executablePath, args } = await findChromium();
    llm = await startScriptedOpenAI({ defaultChat: answerWell });
    server = await startTestServer({ env: llmEnv(llm) });
    browser = await chromium.launch({ executablePath, args });
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await llm?.close();
  });

  it('shows the running step, its progress and the live log without reloading, then the completion; cancel asks first', { timeout: 180_000 }, async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const taskId = await createTask(client(server.url), ['regions', 'stores'], {
      task_name: 'Live run',
      db_connection: 'sample',
      enable_training_data_load: false,
    });
    await page.goto(`${server.url}/#/tasks/${taskId}`);
    await page.getByRole('heading', { name: /Live run/ }).waitFor();
    // One table's comments are answered, the other's held: the run stays in ddl_generation at 1 of 2.
    const gate = holdLlm(llm, { pass: 1 });
    try {
      await page.getByRole('button', { name: 'Run complete workflow' }).click();
      await page.locator('h1 .badge', { hasText: 'in progress' }).waitFor();
      await page.locator('[data-step="ddl_generation"] .badge', { hasText: 'running' }).waitFor();
      await expect.poll(() => page.locator('[data-step="ddl_generation"] .progress-row').textContent(), { timeout: 30_000 }).toMatch(/^1 \/ 2 tables?$/);
      await expect.poll(() => page.locator('.log-tail').textContent()).toMatch(/step ddl_generation started/);
      // Overall progress at the top: the step of how many, and the time since the run started.
      await expect.poll(() => page.locator('.run-progress').textContent()).toMatch(/^Running for [\d.]+ (ms|s|min \d+ s) · step 1 of 4: ddl_generation$/);
      await page.screenshot({ path: path.join(SHOTS, '13-run-in-progress.png'), fullPage: true });
      // Cancel asks first; saying no leaves the run alone.
      await page.getByRole('button', { name: 'Cancel run' }).click();
      await page.getByRole('dialog').getByRole('button', { name: 'Cancel', exact: true }).click();
      expect(await page.locator('h1 .badge').textContent()).toBe('in progress');
    } finally {
      gate.release();
    }
    await page.locator('h1 .badge', { hasText: 'completed' }).waitFor({ timeout: RUN_TIMEOUT });
    expect(await page.locator('[data-step="sql_validation"] .badge').textContent()).toBe('completed');
    expect(await page.locator('.run-progress').count()).toBe(0);
    await page.getByRole('tab', { name: 'Runs' }).click();
    const run = page.locator('.run-table tbody tr').first();
    await run.waitFor();
    expect(await run.locator('td[data-label="What"]').textContent()).toBe('complete workflow');
    expect(await run.locator('.badge').textContent()).toBe('completed');
    expect(await run.locator('td[data-label="Counts"]').textContent()).toMatch(/^2 table\(s\) · \d+ pair\(s\), \d+% valid · 0 vector\(s\)$/);
    await page.getByRole('tab', { name: 'Steps' }).click();

    // Run options: with the file backup turned off, the confirmation says files are overwritten
    // and the run reports the backup as turned off.
    await page.getByText('Run options').click();
    await page.getByLabel('Back up earlier files first (complete runs)').uncheck();
    await page.getByRole('button', { name: 'Run complete workflow' }).click();
    await page
      .getByRole('dialog')
      .getByText(/files of the same name are overwritten/)
      .waitFor();
    await page.getByRole('dialog').getByRole('button', { name: 'Run again' }).click();
    await page.locator('h1 .badge', { hasText: 'completed' }).waitFor({ timeout: RUN_TIMEOUT });
    await expect.poll(() => page.locator('.last-backup').textContent()).toMatch(/^Turned off for that run: backup_existing_files was false/);
    await page.close();
  });
});

describe('web console with an API token, and a table list upload', () => {
  let server: TestServer;
  let browser: Browser;
  const TOKEN = 'console-token-123';

  beforeAll(async () => {
    const { executablePath, args } = await findChromium();
    server = await startTestServer({ env: { API_TOKEN: TOKEN } });
    browser = await chromium.launch({ executablePath, args });
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('asks for the token, then creates a task from an uploaded table_list.txt', { timeout: 180_000 }, async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(`${server.url}/`);
    // The page loads without the token; the API answers 401 and the console asks for it.
    await page
      .getByRole('alert')
      .getByText(/Error 401/)
      .waitFor();
    await page.getByLabel('API token (API_TOKEN of the server)').fill('wrong-token');
    await page.getByRole('button', { name: 'Use token' }).click();
    await page
      .getByRole('alert')
      .getByText(/Error 401/)
      .waitFor();
    await page.getByLabel('API token (API_TOKEN of the server)').fill(TOKEN);
    await page.getByRole('button', { name: 'Use token' }).click();
    await page.getByText('No tasks yet').waitFor();

    await page.goto(`${server.url}/#/new`);
    await page.getByText(/Connected: \d+ tables/).waitFor();
    await page
      .getByLabel('…or upload a table_list.txt')
      .setInputFiles({ name: 'table_list.txt', mimeType: 'text/plain', buffer: Buffer.from('# two tables\nregions, stores\n') });
    await page.getByLabel('Name', { exact: true }).fill('Uploaded list');
    await page.getByLabel('Load the results into the vector store').uncheck();
    await page.getByRole('button', { name: 'Create and run' }).click();
    await page.getByRole('heading', { name: /Uploaded list/ }).waitFor();
    await page.locator('h1 .badge', { hasText: 'completed' }).waitFor({ timeout: RUN_TIMEOUT });
    expect(await page.locator('[data-step="ddl_generation"] .counters').textContent()).toMatch(/tables done2/);
    await page.getByRole('tab', { name: 'Files' }).click();
    await page.getByRole('button', { name: 'Preview table_list.txt' }).click();
    await expect.poll(() => page.locator('.file-preview').textContent()).toBe('# two tables\nregions, stores\n');

    // This server's store is a PostgreSQL database without pgvector: the training data page says so.
    await page.getByRole('link', { name: 'Training data' }).click();
    await page
      .getByRole('alert')
      .getByText(/Error 503: .*pgvector/)
      .waitFor();
    await page.close();
  });
});

describe('web console: schema drift on the task page, and a refresh that regenerates only what changed', () => {
  let server: TestServer;
  let browser: Browser;
  let sample: ScratchDatabase;

  beforeAll(async () => {
    const { executablePath, args } = await findChromium();
    sample = await createSampleDatabaseOnServer();
    server = await startTestServer({ store: 'embedded', env: { LLM_CACHE: 'on' } });
    browser = await chromium.launch({ executablePath, args });
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await sample?.drop();
  });

  it('shows "completed with warnings" in the list and a banner naming the missing table on the task page', { timeout: 120_000 }, async () => {
    const taskId = await createTask(client(server.url), ['regions', 'no_such_table'], {
      task_name: 'Warned',
      db_connection: sample.url,
      enable_training_data_load: false,
    });
    expect((await server.call('POST', `/api/v0/data_pipeline/tasks/${taskId}/execute`, {})).status).toBe(202);
    await waitForTask(server, taskId, RUN_TIMEOUT);
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(`${server.url}/#/tasks`);
    const row = page.locator('.task-table tbody tr').filter({ hasText: 'Warned' });
    await expect.poll(() => row.locator('.badge').textContent()).toBe('completed with warnings');
    await row.getByRole('link', { name: 'Warned' }).click();
    const banner = page.locator('.warning-banner');
    await banner.waitFor();
    expect(await banner.locator('li').allTextContents()).toEqual(['Table public.no_such_table was not documented: no such table, view or materialized view']);
    await page.screenshot({ path: path.join(SHOTS, '22-completed-with-warnings.png'), fullPage: true });
    await page.close();
  });

  it('asks for a business context for your own database, then opens the new task at its top with its heading focused', { timeout: 120_000 }, async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(`${server.url}/#/new`);
    await page.getByText(/Connected: \d+ tables/).waitFor();
    await page.getByLabel('Connection').fill(sample.url);
    await page.getByRole('button', { name: 'Test connection' }).click();
    await page.getByLabel('public.regions').waitFor();
    await page.getByLabel('public.regions').check();
    await page.getByLabel('Name', { exact: true }).fill('Own database');
    const before = (await server.call('GET', '/api/v0/data_pipeline/tasks?limit=100')).body.data.total as number;
    await page.getByRole('button', { name: 'Create task' }).click();
    await page
      .getByRole('alert')
      .getByText(/Business context: say what this database is about/)
      .waitFor();
    expect((await server.call('GET', '/api/v0/data_pipeline/tasks?limit=100')).body.data.total).toBe(before);
    await page.getByLabel('Business context').fill('Outdoor shop: regions');
    // Scrolled down, as after filling the form: the task page still opens at its top.
    await page.evaluate('window.scrollTo(0, document.body.scrollHeight)');
    await page.getByRole('button', { name: 'Create task' }).click();
    await page.getByRole('heading', { name: /Own database/ }).waitFor();
    await expect.poll(() => page.title()).toMatch(/^Own database .*· Data Pipeline$/);
    expect(await page.evaluate<number>('window.scrollY')).toBe(0);
    expect(await page.evaluate<string | null>('document.activeElement && document.activeElement.tagName')).toBe('H1');
    await page.close();
  });

  it('says there is no drift, then names the added column; Refresh runs again and regenerates that table alone', { timeout: 240_000 }, async () => {
    const taskId = await createTask(client(server.url), ['regions', 'stores'], { task_name: 'Drift', db_connection: sample.url });
    expect((await server.call('POST', `/api/v0/data_pipeline/tasks/${taskId}/execute`, {})).status).toBe(202);
    await waitForTask(server, taskId, RUN_TIMEOUT);

    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(`${server.url}/#/tasks/${taskId}`);
    await expect
      .poll(() => page.locator('.drift-state[data-drifted="false"]').textContent(), { timeout: 30_000 })
      .toMatch(/^No schema changes in the 2 documented table\(s\) since /);
    await expect.poll(() => page.locator('.reuse-line').textContent()).toMatch(/2 table\(s\) regenerated/);

    const admin = new pg.Client({ connectionString: sample.url });
    await admin.connect();
    try {
      await admin.query('ALTER TABLE public.stores ADD COLUMN fax_number text');
    } finally {
      await admin.end();
    }
    await page.getByRole('button', { name: 'Check again' }).click();
    const card = page.getByRole('region', { name: 'Schema drift' });
    await card.waitFor();
    expect(await card.locator('h2').textContent()).toMatch(/: 1 table\(s\)$/);
    expect(await card.locator('li').allTextContents()).toEqual(['public.stores: column(s) added: fax_number text']);
    await page.screenshot({ path: path.join(SHOTS, '19-drift.png'), fullPage: true });

    await card.getByRole('button', { name: 'Refresh: run the complete workflow' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Run again' }).click();
    await page.locator('h1 .badge', { hasText: 'completed' }).waitFor({ timeout: RUN_TIMEOUT });
    await expect.poll(() => page.locator('.drift-state[data-drifted="false"]').count(), { timeout: 30_000 }).toBe(1);
    await expect.poll(() => page.locator('.reuse-line').textContent()).toMatch(/· 1 table\(s\) regenerated · /);
    await page.close();
  });
});
