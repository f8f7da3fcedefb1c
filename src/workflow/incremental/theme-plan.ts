/**
 * `qa_themes.json`: the themes of the last qa_generation, the pairs each produced, and a fingerprint
 * of each table's documentation they were generated from. The next run plans from it:
 * - nothing changed: every theme and its pairs are kept (no LLM call);
 * - a table's documentation changed: the themes involving it ask for their pairs again, the others
 *   keep theirs;
 * - a table removed: it leaves its themes (which then ask again); a theme left with no table goes;
 * - a table added (or left in no theme): themes are asked for those tables only, in proportion.
 * Another business context, language, theme count, pair count or model plans everything anew.
 */
import { cacheKey } from '../../cache/content-cache.js';
import type { QaPair, TableDoc, Theme } from '../../llm/llm-provider.js';

export const THEMES_FILE = 'qa_themes.json';
const FORMAT_VERSION = 1;

export interface ThemeContext {
  business_context: string;
  language: string;
  theme_count: number;
  pairs_per_theme: number;
  llm: string;
}

export interface ThemeRecord {
  theme: Theme;
  /** The theme's pairs as screened (before the cross-theme dedupe). */
  pairs: QaPair[];
}

export interface ThemesFile {
  version: number;
  written_at: string;
  context: ThemeContext;
  /** sqlName → fingerprint of the table's documentation as the prompts saw it. */
  tables: Record<string, string>;
  themes: ThemeRecord[];
}

/** What the pair prompts see of a table: its name, comments, enumerations, files and samples. */
export function docFingerprint(doc: TableDoc): string {
  return cacheKey({
    sqlName: doc.sqlName,
    tableComment: doc.tableComment,
    columnComments: doc.columnComments,
    enumValues: doc.enumValues,
    markdown: doc.markdown,
    ddl: doc.ddl,
    samples: doc.samples,
  });
}

/** The file's text; `written_at` is kept from the previous file when nothing else changed (see table-fingerprints.ts). */
export function renderThemesFile(context: ThemeContext, docs: readonly TableDoc[], themes: readonly ThemeRecord[], previous: ThemesFile | undefined): string {
  const tables = Object.fromEntries(docs.map((d) => [d.sqlName, docFingerprint(d)]));
  const unchanged =
    previous !== undefined &&
    cacheKey({ context, tables, themes }) === cacheKey({ context: previous.context, tables: previous.tables, themes: previous.themes });
  const file: ThemesFile = {
    version: FORMAT_VERSION,
    written_at: unchanged ? previous.written_at : new Date().toISOString(),
    context,
    tables,
    themes: [...themes],
  };
  return `${JSON.stringify(file, null, 2)}\n`;
}

export function parseThemesFile(text: string | undefined): ThemesFile | undefined {
  if (text === undefined) return undefined;
  try {
    const file = JSON.parse(text) as ThemesFile;
    if (file.version !== FORMAT_VERSION || !Array.isArray(file.themes) || typeof file.tables !== 'object' || file.tables === null) return undefined;
    const wellFormed = file.themes.every(
      (r) => r && typeof r.theme?.topic_name === 'string' && Array.isArray(r.theme.related_tables) && Array.isArray(r.pairs),
    );
    return wellFormed ? file : undefined;
  } catch {
    return undefined;
  }
}

export interface ThemePlan {
  /** In the previous order: themes kept with their pairs, or (pairs undefined) to ask again. */
  themes: { theme: Theme; pairs: QaPair[] | undefined }[];
  /** Tables no kept theme covers (new ones, or left by a dropped theme): themes are asked for them. */
  uncovered: TableDoc[];
  changed: string[];
  added: string[];
  removed: string[];
}

/** The plan against the previous run, or undefined when everything is to be generated anew. */
export function planThemes(previous: ThemesFile | undefined, context: ThemeContext, docs: readonly TableDoc[]): ThemePlan | undefined {
  if (!previous || cacheKey(previous.context) !== cacheKey(context)) return undefined;
  const current = new Map(docs.map((d) => [d.sqlName, docFingerprint(d)]));
  const changed = [...current].filter(([name, print]) => name in previous.tables && previous.tables[name] !== print).map(([name]) => name);
  const added = [...current.keys()].filter((name) => !(name in previous.tables));
  const removed = Object.keys(previous.tables).filter((name) => !current.has(name));
  const touched = new Set([...changed, ...removed]);
  const themes: ThemePlan['themes'] = [];
  for (const record of previous.themes) {
    const related = record.theme.related_tables.filter((t) => current.has(t));
    if (related.length === 0) continue;
    const untouched = related.length === record.theme.related_tables.length && !record.theme.related_tables.some((t) => touched.has(t));
    themes.push({ theme: { ...record.theme, related_tables: related }, pairs: untouched ? record.pairs : undefined });
  }
  const covered = new Set(themes.flatMap((t) => t.theme.related_tables));
  return { themes, uncovered: docs.filter((d) => !covered.has(d.sqlName)), changed, added, removed };
}
