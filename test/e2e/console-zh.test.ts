/**
 * The console in Simplified Chinese, in Chromium: a browser whose language is Chinese gets the
 * Chinese interface on every page and tab (headings, tabs, buttons, labels, column headers: no
 * English left in the interface's own words), with `lang="zh-CN"` and no axe violation; the switch
 * in the top bar changes the language in place and the choice is kept.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { axeViolations } from '../support/axe.js';
import { findChromium } from '../support/chromium.js';
import { expectSuccess } from '../support/envelope-assertions.js';
import { PROJECT_ROOT } from '../support/env.js';
import { startTestServer, waitForTask, type TestServer } from '../support/api-server.js';
import { BASE } from '../support/run-helpers.js';

const SHOTS = path.join(PROJECT_ROOT, 'test-output', 'screenshots');

/**
 * The interface's own words that are still English: visible headings, tabs, buttons, labels, column
 * headers and hints without a Chinese character. Data (names of tables, files, columns) is left out:
 * it is shown as the database spells it.
 */
const ENGLISH_LEFT = `(() => {
  const han = /\\p{Script=Han}/u;
  const identifier = /^[\\w.\\-/:#() ]*$/;
  const words = (el) => (el.getAttribute('aria-label') || el.textContent || '').replace(/\\s+/g, ' ').trim();
  const selector = 'h1, h2, h3, [role=tab], button, th, label, legend, .hint, .muted, .state, .topbar a, summary, option';
  return [...document.querySelectorAll(selector)]
    .filter((el) => el.getClientRects().length > 0 || el.tagName === 'OPTION')
    // Code, data (marked translate="no"), and names of languages written in their own language (the language choices).
    .filter((el) => !el.closest('code, pre, .cm-editor, .brand, [translate="no"], [lang="en"]:not(html)'))
    .filter((el) => !(el.querySelector('code') && el.querySelector('code').textContent.trim() === el.textContent.trim()))
    .map(words)
    .filter((text) => /[A-Za-z]{3,}/.test(text) && !han.test(text))
    .filter((text) => !(identifier.test(text) && /[_.]/.test(text)))
    .filter((text) => !/^(DDL|SQL|JSON|JSONL|API|EXPLAIN|pgvector|Markdown|DEBUG|INFO|WARNING|ERROR|CRITICAL)$/.test(text));
})()`;

describe('web console in Simplified Chinese', () => {
  let server: TestServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let taskId: string;

  const audit = async (where: string) => expect(await axeViolations(page, where)).toEqual([]);
  const englishLeft = async (where: string) => {
    const left = await page.evaluate<string[]>(ENGLISH_LEFT);
    expect(left.map((text) => `${where}: ${text}`)).toEqual([]);
  };

  beforeAll(async () => {
    const { executablePath, args } = await findChromium();
    mkdirSync(SHOTS, { recursive: true });
    server = await startTestServer({ store: 'embedded' });
    taskId = expectSuccess(await server.call('POST', BASE, { task_name: '销售复盘', db_connection: 'sample' }), 201).task_id;
    expectSuccess(await server.call('POST', `${BASE}/${taskId}/table-list`, { tables: ['regions', 'stores', 'orders'] }));
    expect((await server.call('POST', `${BASE}/${taskId}/execute`, {})).status).toBe(202);
    expect((await waitForTask(server, taskId, 150_000)).data.status).toBe('completed');
    // A second run, so that the backups tab has one to show.
    expect((await server.call('POST', `${BASE}/${taskId}/execute`, {})).status).toBe(202);
    expect((await waitForTask(server, taskId, 150_000)).data.status).toBe('completed');
    browser = await chromium.launch({ executablePath, args });
    context = await browser.newContext({ locale: 'zh-CN', viewport: { width: 1280, height: 900 } });
    page = await context.newPage();
    page.on('pageerror', (error) => {
      throw error;
    });
  }, 360_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('speaks Chinese on every page and tab when the browser does, with no axe violation', { timeout: 180_000 }, async () => {
    await page.goto(`${server.url}/#/tasks`);
    await page.getByRole('heading', { level: 1, name: '任务' }).waitFor();
    expect(await page.evaluate<string>('document.documentElement.lang')).toBe('zh-CN');
    expect(await page.title()).toBe('任务 · Data Pipeline');
    await page.locator('.task-table').waitFor();
    expect(await page.getByRole('cell', { name: '已完成' }).count()).toBeGreaterThan(0);
    await englishLeft('task list');
    await audit('task list');

    await page.goto(`${server.url}/#/new`);
    await page.getByRole('heading', { level: 1, name: '新建任务' }).waitFor();
    await page.getByText(/已连接/).waitFor();
    await englishLeft('new task');
    await audit('new task');

    await page.goto(`${server.url}/#/training`);
    await page.getByRole('heading', { level: 1, name: '训练数据' }).waitFor();
    await page.locator('.database-table').waitFor();
    await englishLeft('training data');
    await audit('training data');

    await page.goto(`${server.url}/#/tasks/${taskId}`);
    await page.getByRole('heading', { level: 1, name: /销售复盘/ }).waitFor();
    await page.locator('[data-step]').first().waitFor();
    await englishLeft('task steps');
    await audit('task steps');
    for (const [tab, ready] of [
      ['运行记录', '.run-table'],
      ['日志', '.log-table'],
      ['文件', '.file-name'],
      ['表', 'form.table-doc'],
      ['问答对', '.pair-table'],
      ['备份', '.backup-table'],
    ] as const) {
      await page.getByRole('tab', { name: tab }).click();
      await page.locator(ready).first().waitFor();
      await englishLeft(`task tab ${tab}`);
      await audit(`task tab ${tab}`);
      await page.screenshot({ path: path.join(SHOTS, `zh-task-${ready.replace(/\W+/g, '-')}.png`), fullPage: false });
    }
  });

  it('switches language in place from the top bar, and keeps the choice', { timeout: 60_000 }, async () => {
    await page.goto(`${server.url}/#/tasks`);
    await page.getByRole('heading', { level: 1, name: '任务' }).waitFor();
    // As a user does: the switch takes the focus, then a choice.
    await page.getByLabel('语言').focus();
    await page.getByLabel('语言').selectOption('en');
    await page.getByRole('heading', { level: 1, name: 'Tasks' }).waitFor();
    expect(await page.evaluate<string>('document.documentElement.lang')).toBe('en');
    expect(await page.locator('.topbar').getByRole('link', { name: 'New task' }).count()).toBe(1);
    // The focus stays on the switch: changing language is not leaving the page.
    expect(await page.evaluate<string>('document.activeElement ? document.activeElement.tagName + "#" + document.activeElement.id : "none"')).toBe(
      'SELECT#locale-switch',
    );
    await page.reload();
    await page.getByRole('heading', { level: 1, name: 'Tasks' }).waitFor();
    await page.getByLabel('Language').selectOption('zh-CN');
    await page.getByRole('heading', { level: 1, name: '任务' }).waitFor();
  });
});
