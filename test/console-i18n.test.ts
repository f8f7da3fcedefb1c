/**
 * The console's Chinese catalog against its sources: every English key the code passes to `t()` (and
 * every `data-i18n` text of index.html) has its Simplified Chinese text with the same `{{variables}}`;
 * no translation is left that nothing uses; English singular forms belong to plural keys.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { en, zhCN } from '../web/src/i18n/catalog/index.js';
import { PROJECT_ROOT } from './support/env.js';

const WEB = path.join(PROJECT_ROOT, 'web');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'i18n' ? [] : sourceFiles(full);
    return entry.name.endsWith('.ts') ? [full] : [];
  });
}

interface KeyUse {
  key: string;
  file: string;
}

/** The literal first argument of each `t(...)` call; a template with `${…}` is reported, since it cannot be a key. */
function keysInSources(): { uses: KeyUse[]; templated: string[] } {
  const uses: KeyUse[] = [];
  const templated: string[] = [];
  for (const file of sourceFiles(path.join(WEB, 'src'))) {
    const text = readFileSync(file, 'utf8');
    const relative = path.relative(PROJECT_ROOT, file);
    for (const match of text.matchAll(/(?<![\w.$])t\(\s*(['"`])((?:\\.|(?!\1)[^\\])*)\1/g)) {
      const [, quote, raw = ''] = match;
      if (quote === '`' && raw.includes('${')) templated.push(`${relative}: t(\`${raw}\`)`);
      else uses.push({ key: raw.replace(/\\(.)/g, '$1'), file: relative });
    }
  }
  const html = readFileSync(path.join(WEB, 'index.html'), 'utf8');
  for (const match of html.matchAll(/data-i18n>([^<]+)</g)) uses.push({ key: match[1] ?? '', file: 'web/index.html' });
  for (const match of html.matchAll(/data-i18n-label="([^"]+)"/g)) uses.push({ key: match[1] ?? '', file: 'web/index.html' });
  return { uses, templated };
}

const variables = (text: string) => [...text.matchAll(/\{\{(\w+)\}\}/g)].map((m) => m[1]).sort();
const HAN = /\p{Script=Han}/u;
/** Words that stay as they are in a Chinese sentence: names of formats, languages and the product. */
const KEPT_WORDS = /\b(SQL|DDL|API|JSON|JSONL|CSV|Markdown|EXPLAIN|pgvector|PostgreSQL|URL|HTTP|ID|id|LLM|zip|Data Pipeline|ms|s|min|Q&A)\b/g;

describe('the console in Simplified Chinese', () => {
  const { uses, templated } = keysInSources();
  const used = new Set(uses.map((u) => u.key));

  it('finds the keys (the extraction itself works)', () => {
    expect(used.has('Try again')).toBe(true);
    expect(used.has('Skip to content')).toBe(true);
  });

  it('builds no key from a template: variables go in as {{name}}', () => {
    expect(templated).toEqual([]);
  });

  it('has a Chinese text for every key, with the same variables', () => {
    const missing = uses.filter((u) => !(u.key in zhCN)).map((u) => `${u.file}: ${JSON.stringify(u.key)}`);
    expect([...new Set(missing)]).toEqual([]);
    const mismatched = [...used].filter((key) => key in zhCN && variables(key).join() !== variables(zhCN[key] ?? '').join());
    expect(mismatched).toEqual([]);
  });

  it('writes Chinese, not English again', () => {
    const untranslated = [...used].filter((key) => {
      const zh = zhCN[key] ?? '';
      if (HAN.test(zh)) return false;
      // Nothing to translate: only variables, figures, punctuation and kept words.
      return /[A-Za-z]/.test(key.replace(/\{\{\w+\}\}/g, '').replace(KEPT_WORDS, ''));
    });
    expect(untranslated).toEqual([]);
  });

  it('keeps no translation that nothing uses', () => {
    expect(Object.keys(zhCN).filter((key) => !used.has(key))).toEqual([]);
  });

  it('gives English singulars only to plural keys', () => {
    const stray = Object.keys(en).filter((key) => !key.endsWith('_one') || !used.has(key.slice(0, -4)) || !key.includes('{{count}}'));
    expect(stray).toEqual([]);
  });
});
