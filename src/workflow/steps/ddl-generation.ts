/**
 * Step 1, `ddl_generation`: for each table of `table_list.txt`, a `.ddl` and a `_detail.md` with
 * comments from the LLM, plus `filename_mapping.txt` and `comments.sql`. The catalog of the whole
 * list is read in four queries, partitions and inheritance children folded into their parent;
 * tables are then sampled, commented and written concurrently.
 */
import { foldIntoParents, type FoldedTable, readCatalog } from '../../source/catalog.js';
import { TableSampler } from '../../source/sampling.js';
import { parseTableList, qualifiedName, tableListTooLong } from '../../source/table-list.js';
import { ensureSqlParser } from '../../sql/pg-parser.js';
import { mapConcurrent } from '../../util/concurrency.js';
import { documentTable } from '../document-table.js';
import { renderCommentStatements, renderDdl, renderMarkdown, tableFileBases } from '../render/table-files.js';
import { StepFailedError, type StepContext, type StepOutcome } from '../step-context.js';
import { COMMENTS_SQL_FILE, MAPPING_FILE, parseMapping, renderMapping, TABLE_LIST_FILE, type TableFiles } from '../../task-directory/task-files.js';
import { errorMessage } from '../../errors.js';
import { readPreviousOutput } from '../../task-directory/previous-output.js';
import { applyCommentEdits, COMMENT_EDITS_FILE, generatedUnderEdit, readCommentEdits, renderCommentEdits } from '../comment-edits.js';
import {
  changedTables,
  FINGERPRINTS_FILE,
  type GenerationContext,
  parseFingerprints,
  renderFingerprints,
  tableFacts,
} from '../incremental/table-fingerprints.js';

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

export async function ddlGeneration(ctx: StepContext): Promise<StepOutcome> {
  const { dir, settings, options, log } = ctx;
  const listText = await dir.readTextIfExists(TABLE_LIST_FILE);
  if (listText === undefined) throw new StepFailedError(`${TABLE_LIST_FILE} is missing: upload a table list first`);
  const list = parseTableList(listText);
  const tooLong = tableListTooLong(list, settings.maxTables);
  if (tooLong) throw new StepFailedError(`${TABLE_LIST_FILE} ${tooLong}`);
  const failures: TableFailure[] = list.invalid.map((i) => ({ table: i.text, reason: `line ${i.line}: ${i.reason}` }));
  for (const f of failures) log.warn(`skipping invalid table name ${f.table}: ${f.reason}`);
  if (list.duplicates.length) log.info(`dropped ${list.duplicates.length} duplicate name(s): ${list.duplicates.join(', ')}`);
  if (list.tables.length === 0) throw new StepFailedError(`${TABLE_LIST_FILE} lists no valid table names`);

  // The parser (a WebAssembly module) starts while the connection is made.
  const [source] = await Promise.all([ctx.resources.source(), ensureSqlParser()]);
  log.info(`reading the catalog of ${list.tables.length} table(s) from ${source.displayUrl}`);
  const read = await readCatalog(source.db, list.tables, { statementTimeoutMs: settings.statementTimeoutMs });
  // Partitions and inheritance children are documented as their parent, once.
  const catalog = await foldIntoParents(source.db, read, { statementTimeoutMs: settings.statementTimeoutMs });
  logFolded(log, catalog.folded);
  for (const missing of catalog.missing) {
    log.warn(`table ${missing.table}: ${missing.reason}`);
    failures.push(missing);
  }
  if (catalog.tables.length === 0) {
    throw new StepFailedError(`none of the ${list.tables.length} listed table(s) exist in ${source.dbName}`);
  }

  const bases = tableFileBases(catalog.tables);
  // Comments people wrote over generated ones win, run after run.
  const edits = await readCommentEdits(dir);
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
      const sample = await sampler.take(index);
      const samples = sample.rows;
      const enumValues = Object.fromEntries(sample.enumChecks.filter((c) => c.accepted).map((c) => [c.column, c.values]));
      ctx.resources.profiles.set(name, { table, samples, enumValues });
      // One provider call (its failure falls back, logged), the enum guesses checked, comments chosen.
      const generated = await documentTable({
        db: source.db,
        table,
        sample,
        llm: ctx.resources.llm,
        businessContext: options.business_context || source.dbName,
        language: options.language,
        overwriteComments: options.overwrite_comments,
        enumMaxValues: settings.enumMaxValues,
        statementTimeoutMs: settings.statementTimeoutMs,
        signal: ctx.signal,
        onLlmError: (message) => log.warn(`table ${name}: no generated comments (${message}); using database comments and names`),
      });
      const edit = edits.tables[name];
      const comments = applyCommentEdits(generated, edit);
      if (edit) edit.generated = generatedUnderEdit(generated, edit);
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
  // What changed since the previous run: its fingerprints, here or in the newest backup.
  const context: GenerationContext = {
    business_context: options.business_context || source.dbName,
    language: options.language,
    overwrite_comments: options.overwrite_comments,
    llm: `${settings.llm.provider}:${settings.llm.model}`,
  };
  const profiled = tableFiles.map((f) => ctx.resources.profiles.get(f.table)).filter((p) => p !== undefined);
  const previous = parseFingerprints((await readPreviousOutput(dir, FINGERPRINTS_FILE))?.text);
  const facts = Object.fromEntries(profiled.map((p) => [qualifiedName(p.table), tableFacts(p.table, p.samples, p.enumValues)]));
  const changed = changedTables(previous, context, facts);
  // With the cache off every table's comments were asked again.
  const regenerated = changed === 'all' || !ctx.resources.reusing ? tableFiles.map((f) => f.table) : changed;
  if (changed !== 'all')
    log.info(`${tableFiles.length - changed.length} table(s) unchanged since the previous run; changed or new: ${changed.join(', ') || 'none'}`);
  await dir.writeFile(FINGERPRINTS_FILE, renderFingerprints(context, facts, previous));
  if (Object.keys(edits.tables).length > 0) await dir.writeFile(COMMENT_EDITS_FILE, renderCommentEdits(edits));
  // Files of tables the previous mapping listed and this one does not (dropped, renamed, taken off
  // the list) would document a table that is not in the set: a re-run in place removes them.
  const previousMapping = parseMapping((await dir.readTextIfExists(MAPPING_FILE)) ?? '');
  const current = new Set(tableFiles.flatMap((f) => [f.ddl, f.md]));
  const stale = previousMapping.flatMap((f) => [f.ddl, f.md]).filter((file) => !current.has(file));
  for (const file of stale) await dir.removeFile(file);
  if (stale.length) log.info(`removed ${stale.length} file(s) of table(s) no longer documented: ${stale.join(', ')}`);
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
      files_written: tableFiles.length * 2 + 3,
    },
    result: {
      tables: tableFiles,
      regenerated_tables: regenerated,
      compared_with_previous_run: changed !== 'all',
      failed_tables: failures,
      duplicates_dropped: list.duplicates,
      folded_tables: catalog.folded,
      files: [...tableFiles.flatMap((f) => [f.ddl, f.md]), MAPPING_FILE, COMMENTS_SQL_FILE, FINGERPRINTS_FILE],
    },
  };
}

/** One line per parent: which listed partitions or children it is documented for. */
function logFolded(log: StepContext['log'], folded: readonly FoldedTable[]): void {
  const byParent = new Map<string, FoldedTable[]>();
  for (const f of folded) byParent.set(f.into, [...(byParent.get(f.into) ?? []), f]);
  for (const [parent, items] of byParent) {
    const what = items.every((i) => i.relation === 'partition')
      ? 'partition(s)'
      : items.every((i) => i.relation === 'inheritance child')
        ? 'inheritance child(ren)'
        : 'partition(s) or inheritance child(ren)';
    log.info(`documenting ${parent} instead of its ${what} ${items.map((i) => i.table).join(', ')}: they get no documents of their own`);
  }
}
