/**
 * axe-core's accessibility audit of the page a browser test shows: the violations, one line each
 * (`where: rule at selector`), for `expect(...).toEqual([])`.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { PROJECT_ROOT } from './env.js';

const AXE_SCRIPT = path.join(PROJECT_ROOT, 'node_modules', 'axe-core', 'axe.min.js');

export async function axeViolations(page: Page, where: string): Promise<string[]> {
  // Evaluated through the DevTools protocol: the console's Content-Security-Policy rightly refuses inline scripts.
  if (!(await page.evaluate<boolean>('typeof axe !== "undefined"'))) await page.evaluate(`${readFileSync(AXE_SCRIPT, 'utf8')}\n;true`);
  const result = await page.evaluate<{ violations: { id: string; nodes: { target: string[] }[] }[] }>(
    "axe.run(document, { resultTypes: ['violations'] }).then((r) => ({ violations: r.violations.map((v) => ({ id: v.id, nodes: v.nodes.map((n) => ({ target: n.target })) })) }))",
  );
  return result.violations.map((v) => `${where}: ${v.id} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}
