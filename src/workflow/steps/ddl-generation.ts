/**
 * Step 1, `ddl_generation`: for each table of `table_list.txt`, a `.ddl` and a `_detail.md` with
 * comments from the LLM, plus `filename_mapping.txt` and `comments.sql`. The catalog of the whole
 * list is read in three queries; tables are then sampled, commented and written concurrently.
 */
import { builtinColumnComment, builtinTableComment } from '../../llm/builtin/builtin-comments.js';
import { cleanComment, isUsableComment } from '../../llm/comment-quality.js';
import type { TableComments } from '../../llm/llm-provider.js';
import { readCatalog, type TableInfo } from '../../source/catalog.js';
import type { SqlDatabase } from '../../db/sql-database.js';
import { checkEnumCandidates, TableSampler, type EnumCheck, type SampleRow } from '../../source/sampling.js';
import { parseTableList, qualifiedName } from '../../source/table-list.js';
import { ensureSqlParser } from '../../sql/pg-parser.js';
import { mapConcurrent } from '../../util/concurrency.js';
import type { Language } from '../../util/language.js';
import { renderCommentStatements, renderDdl, renderMarkdown, tableFileBases, type ResolvedComments } from '../render/table-files.js';
import { StepFailedError, type StepContext, type StepOutcome } from '../step-context.js';
import { COMMENTS_SQL_FILE, MAPPING_FILE, renderMapping, TABLE_LIST_FILE, type TableFiles } from '../task-files.js';

/**
 * Sampling: tables per statement (and READ ONLY transaction), batches read ahead of the workers,
 * and transactions at a time. Two keep the server busy while the workers render; each further
 * connection pays its own catalog cache warm-up on the server, which made four slower than two on
 * the 1,000-table benchmark (bench/ddl-generation.bench.ts).
 */
const SAMPLE_BATCH_SIZE = 16;
const SAMPLE_LOOKAHEAD_BATCHES = 4;
const SAMPLE_CONCURRENCY = 2;

interface TableFailure {
  table: string;
  reason: string;
}

/** Final comments: database comments win unless overwriting; unusable proposals fall back. */
export function resolveComments(
  table: TableInfo,
  proposal: TableComments | undefined,
  enums: Record<string, string[]>,
  options: { overwrite: boolean; language: Language },
): ResolvedComments {
  const pick = (existing: string | null, proposed: string | null | undefined, fallback: () => string): string => {
    if (existing && !options.overwrite) return existing;
    if (isUsableComment(proposed)) return cleanComment(proposed);
    return existing ?? fallback();
  };
  const columns: Record<string, string> = {};
  for (const column of table.columns) {
    columns[column.name] = pick(column.comment, proposal?.columnComments[column.name], () =>
      builtinColumnComment(column, options.language),
    );
  }
  return {
    table: pick(table.comment, proposal?.tableComment, () => builtinTableComment(table, options.language)),
    columns,
    enums,
  };
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export async function ddlGeneration(ctx: StepContext): Promise<StepOutcome> {
  const { dir, settings, options, log } = ctx;
  await ensureSqlParser();
  const listText = await dir.readTextIfExists(TABLE_LIST_FILE);
  if (listText === undefined) throw new StepFailedError(`${TABLE_LIST_FILE} is missing: upload a table list first`);
  const list = parseTableList(listText);
  const failures: TableFailure[] = list.invalid.map((i) => ({ table: i.text, reason: `line ${i.line}: ${i.reason}` }));
  for (const f of failures) log.warn(`skipping invalid table name ${f.table}: ${f.reason}`);
  if (list.duplicates.length) log.info(`dropped ${list.duplicates.length} duplicate name(s): ${list.duplicates.join(', ')}`);
  if (list.tables.length === 0) throw new StepFailedError(`${TABLE_LIST_FILE} lists no valid table names`);

  const source = await ctx.resources.source();
  log.info(`reading the catalog of ${list.tables.length} table(s) from ${source.displayUrl}`);
  const catalog = await readCatalog(source.db, list.tables, { statementTimeoutMs: settings.statementTimeoutMs });
  for (const missing of catalog.missing) {
    log.warn(`table ${missing.table}: ${missing.reason}`);
    failures.push(missing);
  }
  if (catalog.tables.length === 0) {
    throw new StepFailedError(`none of the ${list.tables.length} listed table(s) exist in ${source.dbName}`);
  }

  const bases = tableFileBases(catalog.tables);
  const total = catalog.tables.length;
  let done = 0;
  ctx.progress(0, total, 'tables');
  const written: TableFiles[] = [];
  const commentStatements: string[][] = new Array(total);
  // Workers take tables in list order; samples are read ahead of them, many tables per statement.
  const sampler = new TableSampler(source.db, catalog.tables, {
    rows: settings.sampleRows,
    statementTimeoutMs: settings.statementTimeoutMs,
    enumMaxValues: settings.enumMaxValues,
    signal: ctx.signal,
    batchSize: SAMPLE_BATCH_SIZE,
    lookahead: SAMPLE_LOOKAHEAD_BATCHES,
    concurrency: SAMPLE_CONCURRENCY,
  });

  await mapConcurrent(catalog.tables, settings.tableConcurrency, async (table, index) => {
    ctx.signal.throwIfAborted();
    const name = qualifiedName(table);
    try {
      const { rows: samples, enumChecks } = await sampler.take(index);
      ctx.resources.profiles.set(name, { table, samples });
      const proposal = await proposeComments(ctx, table, samples, source.dbName);
      const enums = await acceptedEnums(ctx, table, enumChecks, proposal?.enumColumns ?? [], source.db);
      const comments = resolveComments(table, proposal, enums, { overwrite: options.overwriteComments, language: options.language });
      const base = bases.get(name) as string;
      const files = { table: name, ddl: `${base}.ddl`, md: `${base}_detail.md` };
      await dir.writeFile(files.ddl, renderDdl(table, comments, options.language));
      await dir.writeFile(files.md, renderMarkdown(table, comments, samples, options.language));
      written[index] = files;
      commentStatements[index] = renderCommentStatements(table, comments);
      log.info(`table ${name}: wrote ${files.ddl} and ${files.md}`);
    } catch (error) {
      if (ctx.signal.aborted) throw error;
      failures.push({ table: name, reason: errorMessage(error) });
      log.error(`table ${name} failed: ${errorMessage(error)}`);
    } finally {
      done += 1;
      ctx.progress(done, total, 'tables');
    }
  });

  const tableFiles = written.filter(Boolean);
  if (tableFiles.length === 0) throw new StepFailedError(`no table could be documented (${failures.map((f) => `${f.table}: ${f.reason}`).join('; ')})`);
  await dir.writeFile(MAPPING_FILE, renderMapping(tableFiles));
  await dir.writeFile(
    COMMENTS_SQL_FILE,
    [
      '-- Generated comments, for review. This file is never executed by data-pipeline;',
      '-- run the statements you agree with to store the comments in the database.',
      ...commentStatements.filter(Boolean).flat(),
      '',
    ].join('\n'),
  );
  log.info(`documented ${tableFiles.length} of ${list.tables.length} table(s); ${failures.length} problem(s)`);
  return {
    counters: {
      tables_total: list.tables.length + list.invalid.length,
      tables_done: tableFiles.length,
      tables_failed: failures.length,
      files_written: tableFiles.length * 2 + 2,
    },
    result: {
      tables: tableFiles,
      failed_tables: failures,
      duplicates_dropped: list.duplicates,
      files: [...tableFiles.flatMap((f) => [f.ddl, f.md]), MAPPING_FILE, COMMENTS_SQL_FILE],
    },
  };
}

/** One provider call per table; an error or unusable reply falls back (logged), never fails the table. */
async function proposeComments(ctx: StepContext, table: TableInfo, samples: SampleRow[], dbName: string): Promise<TableComments | undefined> {
  try {
    return await ctx.resources.llm.commentTable({
      table,
      samples,
      businessContext: ctx.options.businessContext || dbName,
      language: ctx.options.language,
      signal: ctx.signal,
    });
  } catch (error) {
    if (ctx.signal.aborted) throw error;
    ctx.log.warn(`table ${qualifiedName(table)}: no generated comments (${errorMessage(error)}); using database comments and names`);
    return undefined;
  }
}

/**
 * Enumerations of a table: enum types with their labels, the code-like columns checked while
 * sampling, and the provider's further guesses, each checked with one SELECT DISTINCT.
 */
async function acceptedEnums(
  ctx: StepContext,
  table: TableInfo,
  checkedWhileSampling: EnumCheck[],
  proposed: string[],
  db: SqlDatabase,
): Promise<Record<string, string[]>> {
  const enums: Record<string, string[]> = {};
  for (const column of table.columns) if (column.enumLabels) enums[column.name] = column.enumLabels;
  const checked = new Set(checkedWhileSampling.map((c) => c.column));
  const skip = (name: string) => {
    const column = table.columns.find((c) => c.name === name);
    return !column || checked.has(name) || column.enumLabels !== null || ['A', 'U'].includes(column.category) || column.typeName === 'bool';
  };
  const candidates = [...new Set(proposed)].filter((name) => !skip(name));
  const checks = await checkEnumCandidates(db, table, candidates, {
    maxValues: ctx.settings.enumMaxValues,
    statementTimeoutMs: ctx.settings.statementTimeoutMs,
  });
  for (const check of [...checkedWhileSampling, ...checks]) if (check.accepted) enums[check.column] = check.values;
  // In column order, so the notes of the Markdown are stable.
  return Object.fromEntries(table.columns.filter((c) => enums[c.name]).map((c) => [c.name, enums[c.name] as string[]]));
}
