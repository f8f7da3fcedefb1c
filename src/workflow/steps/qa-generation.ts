/**
 * Step 2, `qa_generation`: themes from one LLM call over the table docs, then one call per theme
 * (concurrently, with only that theme's tables in the prompt), deduplicated into the pair file,
 * plus `metadata.txt`, `metadata_detail.md` and `db_query_decision_prompt.txt`.
 */
import { builtinThemes } from '../../llm/builtin/builtin-themes.js';
import type { QaPair, TableDoc, Theme } from '../../llm/llm-provider.js';
import { readCatalog, type TableInfo } from '../../source/catalog.js';
import { sampleTable } from '../../source/sampling.js';
import { parseTableName, type TableRef } from '../../source/table-list.js';
import { ensureSqlParser } from '../../sql/pg-parser.js';
import { type Difficulty, sqlShape } from '../../sql/sql-shape.js';
import { schemaHasChinese } from '../../llm/builtin/glossary.js';
import { mapConcurrent } from '../../util/concurrency.js';
import { compactTimestamp } from '../../util/time.js';
import { renderDecisionPrompt, renderMetadataMarkdown, renderMetadataSql } from '../render/qa-files.js';
import { parseMarkdown, sqlTableName } from '../render/table-files.js';
import { StepFailedError, type StepContext, type StepOutcome } from '../step-context.js';
import { DECISION_PROMPT_FILE, METADATA_DETAIL_FILE, METADATA_FILE, MAPPING_FILE, pairFileName, readTableFiles } from '../../task-directory/task-files.js';
import { errorMessage } from '../../errors.js';
import { carryReviews } from '../../pairs/carry-reviews.js';
import { readPreviousOutput } from '../../task-directory/previous-output.js';
import { parseThemesFile, planThemes, renderThemesFile, THEMES_FILE, type ThemeContext } from '../incremental/theme-plan.js';

export function normalizeQuestion(question: string): string {
  return question
    .toLowerCase()
    .replace(/[\s\p{P}]+/gu, ' ')
    .trim();
}

/** The SQL shape of a pair (literals normalised); undefined when it does not parse (validation says why). */
function shapeKey(sql: string): string | undefined {
  return sqlShape(sql)?.fingerprint;
}

/**
 * Drops pairs whose question repeats an earlier one (case, spacing and punctuation ignored), and
 * pairs whose SQL has the shape of an earlier one's (the same query but for its literals).
 */
export function dedupePairs(pairs: readonly QaPair[]): QaPair[] {
  const questions = new Set<string>();
  const shapes = new Set<string>();
  return pairs.filter((pair) => {
    const key = normalizeQuestion(pair.question);
    const shape = shapeKey(pair.sql);
    if (!key || questions.has(key) || (shape && shapes.has(shape))) return false;
    questions.add(key);
    if (shape) shapes.add(shape);
    return true;
  });
}

/** Why a generated pair is not kept. */
export type PairRejection = 'example' | 'no_question' | 'duplicate' | 'same_sql_shape';

const REJECTION_TEXT: Record<PairRejection, string> = {
  example: "copied the prompt's example",
  no_question: 'had no words in the question',
  duplicate: 'repeated a question',
  same_sql_shape: "repeated another pair's SQL but for its values",
};

/** The pairs prompt shows `{"question": "...", "sql": "SELECT ..."}`: a model echoing it sends these. */
const EXAMPLE_QUESTION = /^[\s.…]*$/;
const EXAMPLE_SQL = /^\s*select\s*(?:\.{2,}|…)[\s.…]*;?\s*$/i;

export type RejectionCounts = Record<PairRejection, number>;

export function noRejections(): RejectionCounts {
  return { example: 0, no_question: 0, duplicate: 0, same_sql_shape: 0 };
}

/**
 * Splits one reply's pairs into the usable ones and counts of the rest by reason, so the step can
 * say what happened when it happens instead of dropping them silently later.
 */
export function screenPairs(pairs: readonly QaPair[]): { kept: QaPair[]; rejected: RejectionCounts } {
  const rejected = noRejections();
  const seen = new Set<string>();
  const shapes = new Set<string>();
  const kept: QaPair[] = [];
  for (const pair of pairs) {
    const key = normalizeQuestion(pair.question);
    const shape = shapeKey(pair.sql);
    if (EXAMPLE_QUESTION.test(pair.question) || EXAMPLE_SQL.test(pair.sql)) rejected.example += 1;
    else if (!key) rejected.no_question += 1;
    else if (seen.has(key)) rejected.duplicate += 1;
    else if (shape && shapes.has(shape)) rejected.same_sql_shape += 1;
    else {
      seen.add(key);
      if (shape) shapes.add(shape);
      kept.push(pair);
    }
  }
  return { kept, rejected };
}

function totalOf(counts: RejectionCounts): number {
  return counts.example + counts.no_question + counts.duplicate + counts.same_sql_shape;
}

/** `1 copied the prompt's example, 2 repeated a question` (reasons with a count only). */
export function describeRejections(counts: RejectionCounts): string {
  return (Object.keys(REJECTION_TEXT) as PairRejection[])
    .filter((reason) => counts[reason] > 0)
    .map((reason) => `${counts[reason]} ${REJECTION_TEXT[reason]}`)
    .join(', ');
}

/** A pair with its difficulty (from its SQL's shape), for the pair file; unchanged when the SQL does not parse. */
function withDifficulty<P extends { sql: string }>(pair: P): P & { difficulty?: Difficulty } {
  const shape = sqlShape(pair.sql);
  return shape ? { ...pair, difficulty: shape.difficulty } : pair;
}

/** Latin words of Chinese questions, values in quotes and upper-case acronyms (SKU, NPS) aside. */
function englishWordsIn(question: string): string[] {
  const unquoted = question.replace(/“[^”]*”|"[^"]*"|'[^']*'|「[^」]*」/g, ' ');
  return (unquoted.match(/[A-Za-z][A-Za-z0-9_]*/g) ?? []).filter((w) => !/^[A-Z0-9]{2,6}$/.test(w));
}

/**
 * What the run's warnings say when Chinese questions keep English words: the words, and whether
 * the schema offers any Chinese at all to learn names from.
 */
export function untranslatedWarnings(pairs: readonly { question: string }[], docs: readonly TableDoc[]): string[] {
  const words = new Map<string, number>();
  let questions = 0;
  for (const pair of pairs) {
    const found = englishWordsIn(pair.question);
    if (found.length) questions += 1;
    for (const w of found) words.set(w.toLowerCase(), (words.get(w.toLowerCase()) ?? 0) + 1);
  }
  if (questions === 0) return [];
  const listed = [...words.entries()]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .slice(0, 12)
    .map(([w]) => w)
    .join(', ');
  const why = schemaHasChinese(docs)
    ? 'no Chinese comment or dictionary word names them'
    : 'the schema has no Chinese table or column comments to take names from';
  return [
    `${plural(questions, 'Chinese question keeps', 'Chinese questions keep')} English words from table and column names (${listed}): ${why}; ` +
      'add Chinese comments (COMMENT ON) to the tables and columns and run again',
  ];
}

function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

/**
 * The table docs of the directory: the files listed in `filename_mapping.txt`, read as edited,
 * with the live catalog and fresh samples for what the files do not carry.
 */
export async function loadTableDocs(ctx: StepContext): Promise<TableDoc[]> {
  const files = await readTableFiles(ctx.dir);
  if (files.length === 0) throw new StepFailedError(`${MAPPING_FILE} lists no table files: run ddl_generation first`);
  const source = await ctx.resources.source();
  const { profiles } = ctx.resources;
  // Within a complete run ddl_generation has just profiled these tables; on its own, read them again.
  let tables = files.map((f) => profiles.get(f.table)?.table).filter((t): t is TableInfo => t !== undefined);
  if (tables.length !== files.length) {
    const refs = files.map((f) => parseTableName(f.table, { catalogSpelling: true })).filter((r): r is TableRef => !('error' in r));
    const catalog = await readCatalog(source.db, refs, { statementTimeoutMs: ctx.settings.statementTimeoutMs });
    for (const missing of catalog.missing) ctx.log.warn(`table ${missing.table} is documented but ${missing.reason}; skipped`);
    tables = catalog.tables;
  }
  const docs = await mapConcurrent(tables, ctx.settings.tableConcurrency, async (table): Promise<TableDoc | undefined> => {
    const key = `${table.schema}.${table.name}`;
    const entry = files.find((f) => f.table === key);
    if (!entry) return undefined;
    const [markdown, ddl] = await Promise.all([ctx.dir.readTextIfExists(entry.md), ctx.dir.readTextIfExists(entry.ddl)]);
    if (markdown === undefined || ddl === undefined) {
      ctx.log.warn(`table ${entry.table}: ${markdown === undefined ? entry.md : entry.ddl} is missing; skipped`);
      return undefined;
    }
    const parsed = parseMarkdown(markdown);
    const samples =
      profiles.get(key)?.samples ??
      (await sampleTable(source.db, table, { rows: ctx.settings.sampleRows, statementTimeoutMs: ctx.settings.statementTimeoutMs })).rows;
    return {
      table,
      samples,
      sqlName: sqlTableName(table),
      tableComment: parsed.tableComment ?? table.comment ?? table.name,
      columnComments: parsed.columnComments,
      enumValues: parsed.enumValues,
      markdown,
      ddl,
    };
  });
  return docs.filter((d): d is TableDoc => d !== undefined);
}

export async function qaGeneration(ctx: StepContext): Promise<StepOutcome> {
  const { settings, options, log, resources } = ctx;
  await ensureSqlParser();
  const docs = await loadTableDocs(ctx);
  if (docs.length === 0) throw new StepFailedError('no documented table is readable: run ddl_generation first');
  const source = await resources.source();
  const dbName = options.db_name || source.dbName;
  const businessContext = options.business_context || dbName;

  let themeSource = resources.llm.name;
  /** Themes for `tables` from the LLM; on failure, themes built from foreign keys. */
  const askThemes = async (tables: TableDoc[], count: number): Promise<Theme[]> => {
    try {
      return await resources.llm.extractThemes({ tables, businessContext, language: options.language, count, signal: ctx.signal });
    } catch (error) {
      if (ctx.signal.aborted) throw error;
      log.warn(`theme extraction failed (${errorMessage(error)}); using themes built from foreign keys`);
      themeSource = 'builtin';
      return builtinThemes(tables, count, options.language);
    }
  };

  // What the previous run generated (here, or in the newest backup) and what changed since.
  const themeContext: ThemeContext = {
    business_context: businessContext,
    language: options.language,
    theme_count: settings.themeCount,
    pairs_per_theme: settings.pairsPerTheme,
    llm: `${settings.llm.provider}:${settings.llm.model}`,
  };
  const previous = parseThemesFile((await readPreviousOutput(ctx.dir, THEMES_FILE))?.text);
  // With the cache off (LLM_CACHE=off, --no-cache) everything is asked again: nothing is carried over.
  const plan = resources.reusing ? planThemes(previous, themeContext, docs) : undefined;
  let planned: { theme: Theme; pairs: QaPair[] | undefined }[];
  if (plan) {
    planned = plan.themes;
    log.info(
      `compared with the previous run: ${plan.changed.length} table(s) changed, ${plan.added.length} added, ${plan.removed.length} removed; ` +
        `${planned.filter((t) => t.pairs).length} of ${planned.length} theme(s) kept with their pairs`,
    );
    if (plan.uncovered.length > 0) {
      // Themes for the tables no kept theme covers, as many as their share of the whole.
      const count = Math.max(1, Math.round((settings.themeCount * plan.uncovered.length) / docs.length));
      const fresh = await askThemes(plan.uncovered, count);
      planned = [...planned, ...fresh.map((theme) => ({ theme, pairs: undefined }))];
    }
  } else {
    planned = (await askThemes(docs, settings.themeCount)).map((theme) => ({ theme, pairs: undefined }));
  }
  const themes = planned.map((t) => t.theme);
  const toAsk = planned.filter((t) => !t.pairs).length;
  log.info(`${themes.length} theme(s): ${themes.map((t) => t.topic_name).join('; ')}`);

  let done = 0;
  ctx.progress(0, toAsk, 'themes');
  const failedThemes: { theme: string; reason: string }[] = [];
  // What the replies held and why pairs were rejected, for the summary and the failure message.
  let replies = 0;
  let held = 0;
  const rejected = noRejections();
  const perTheme = await mapConcurrent(planned, settings.llm.concurrency, async ({ theme, pairs: kept }) => {
    if (kept) return kept;
    const tables = docs.filter((d) => theme.related_tables.includes(d.sqlName));
    try {
      const generated = await resources.llm.generatePairs({
        theme,
        tables,
        businessContext,
        language: options.language,
        count: settings.pairsPerTheme,
        signal: ctx.signal,
      });
      const screened = screenPairs(generated);
      replies += 1;
      held += generated.length;
      for (const reason of Object.keys(rejected) as PairRejection[]) rejected[reason] += screened.rejected[reason];
      const dropped = totalOf(screened.rejected);
      const line = `theme "${theme.topic_name}": ${plural(generated.length, 'pair', 'pairs')} in the reply, ${screened.kept.length} kept`;
      if (dropped === 0) log.info(line);
      else log.warn(`${line}, ${dropped} rejected (${describeRejections(screened.rejected)})`);
      return screened.kept;
    } catch (error) {
      if (ctx.signal.aborted) throw error;
      failedThemes.push({ theme: theme.topic_name, reason: errorMessage(error) });
      log.error(`theme "${theme.topic_name}" failed: ${errorMessage(error)}`);
      return [];
    } finally {
      done += 1;
      ctx.progress(done, toAsk, 'themes');
    }
  });

  const generated = perTheme.flat();
  // Each theme's own repeats are already gone; these repeat a question of another theme.
  const pairs = dedupePairs(generated);
  const repeatedAcrossThemes = generated.length - pairs.length;
  if (pairs.length === 0) {
    const parts: string[] = [];
    if (replies > 0) {
      const what = `${plural(replies, 'reply', 'replies')} held ${held === 0 ? 'no pair' : plural(held, 'pair', 'pairs')}`;
      parts.push(held === 0 ? what : `${what}, all rejected (${describeRejections(rejected)})`);
    }
    if (failedThemes.length > 0) {
      parts.push(`${plural(failedThemes.length, 'theme', 'themes')} failed (${failedThemes.map((f) => `${f.theme}: ${f.reason}`).join('; ')})`);
    }
    throw new StepFailedError(`no question/SQL pair was generated: ${parts.join('; ') || 'no theme was asked'}`);
  }
  const pairFile = pairFileName(dbName, compactTimestamp());
  // Reviews, and pairs people added or edited, outlive a re-generation.
  const carried = await carryReviews(ctx.dir, pairs);
  const written = carried.pairs.map(withDifficulty);
  const languageWarnings = options.language === 'zh' ? untranslatedWarnings(written, docs) : [];
  for (const warning of languageWarnings) log.warn(warning);
  if (carried.reviews || carried.curated) {
    log.info(`carried over from ${carried.from}: ${carried.reviews} review(s), ${carried.curated} pair(s) people added or edited`);
  }
  await ctx.dir.writeFile(pairFile, `${JSON.stringify(written, null, 2)}\n`);
  await ctx.dir.writeFile(METADATA_FILE, renderMetadataSql(themes, businessContext));
  await ctx.dir.writeFile(METADATA_DETAIL_FILE, renderMetadataMarkdown(themes, options.language));
  await ctx.dir.writeFile(DECISION_PROMPT_FILE, renderDecisionPrompt(docs, themes, businessContext, options.language));
  // A theme that failed is not recorded, so the next run asks for it again.
  const failedNames = new Set(failedThemes.map((f) => f.theme));
  const records = planned.map((t, i) => ({ theme: t.theme, pairs: perTheme[i] ?? [] })).filter((r) => !failedNames.has(r.theme.topic_name));
  await ctx.dir.writeFile(THEMES_FILE, renderThemesFile(themeContext, docs, records, previous));
  const rejectedTotal = totalOf(rejected);
  log.info(
    `wrote ${carried.pairs.length} pair(s) to ${pairFile} (${rejectedTotal} rejected in the replies${rejectedTotal ? `: ${describeRejections(rejected)}` : ''}; ` +
      `${repeatedAcrossThemes} repeated a question or the SQL shape of another theme's pair)`,
  );
  return {
    counters: { tables_total: docs.length, themes: themes.length, themes_failed: failedThemes.length, pairs: carried.pairs.length, files_written: 5 },
    result: {
      pair_file: pairFile,
      themes,
      themes_kept: themes.length - toAsk,
      themes_asked: toAsk,
      compared_with_previous_run: plan !== undefined,
      tables_changed: plan ? [...plan.changed, ...plan.added, ...plan.removed] : null,
      theme_source: themeSource,
      failed_themes: failedThemes,
      duplicates_dropped: rejected.duplicate + repeatedAcrossThemes,
      pairs_in_replies: held,
      pairs_rejected: { ...rejected, repeated_across_themes: repeatedAcrossThemes },
      files: [pairFile, METADATA_FILE, METADATA_DETAIL_FILE, DECISION_PROMPT_FILE, THEMES_FILE],
      language_warnings: languageWarnings,
    },
  };
}
