/**
 * Step 3, `sql_validation`: every SQL of the newest pair file must be exactly one read-only query
 * (checked by PostgreSQL's parser, never run otherwise) and pass `EXPLAIN` in a READ ONLY,
 * rolled-back transaction with a statement timeout. Failing SQL goes to the LLM with the DDL of
 * the tables involved, matched back by id, for up to N rounds. Optionally each valid query is run
 * with LIMIT 1 to flag empty results. The pair file is then rewritten (after a `.backup` copy).
 */
import type { SqlDatabase } from '../../db/sql-database.js';
import type { RepairItem } from '../../llm/llm-provider.js';
import { readCatalog, type TableInfo } from '../../source/catalog.js';
import { parseTableName, type TableRef } from '../../source/table-list.js';
import { ensureSqlParser } from '../../sql/pg-parser.js';
import { checkReadOnlyQuery } from '../../sql/statement-guard.js';
import { mapConcurrent } from '../../util/concurrency.js';
import { compactTimestamp, logTimestamp, seconds } from '../../util/time.js';
import { StepFailedError, type StepContext, type StepOutcome } from '../step-context.js';
import { newestPairFile, readTableFiles, type TableFiles } from '../../task-directory/task-files.js';
import { errorMessage } from '../../errors.js';
import { derivedPairId } from '../../pairs/pair-file.js';
import { addedByPerson, editedPairs, HISTORY_FILE } from '../../pairs/pair-history.js';

export type PairStatus = 'valid' | 'repaired' | 'invalid';

export interface PairRecord {
  id: string;
  /** The pair's own id in the pair file (written, or derived from its text): what the pairs API names it by. */
  pair_id: string | null;
  index: number;
  question: string;
  sql: string;
  status: PairStatus;
  error: string | null;
  /** Why the original SQL failed, kept after a successful repair. */
  original_error: string | null;
  repaired_sql: string | null;
  /** Checks made (the first one plus one per repair proposal). */
  attempts: number;
  /** With --execute-check: true when the query returned no row. */
  empty_result: boolean | null;
}

type CheckOutcome = { ok: true; statement: string } | { ok: false; error: string; repairable: boolean };

const REPAIR_BATCH = 10;
/** DDL of every documented table goes into a repair prompt when the failing query names none. */
const MAX_FULL_SCHEMA_CHARS = 40_000;

/** Parser check, then EXPLAIN in a READ ONLY transaction that is always rolled back. */
export async function checkSql(db: SqlDatabase, sql: string, statementTimeoutMs: number): Promise<CheckOutcome> {
  const guard = checkReadOnlyQuery(sql);
  if (!guard.ok) return { ok: false, error: guard.reason, repairable: guard.kind !== 'not_select' };
  try {
    await db.transaction((tx) => tx.query(`EXPLAIN ${guard.statement}`), { readOnly: true, statementTimeoutMs, rollback: true });
    return { ok: true, statement: guard.statement };
  } catch (error) {
    return { ok: false, error: errorMessage(error), repairable: true };
  }
}

/** Runs a checked query with LIMIT 1 in a READ ONLY, rolled-back transaction: does it return a row? */
export async function returnsRows(db: SqlDatabase, statement: string, statementTimeoutMs: number): Promise<boolean> {
  const rows = await db.transaction((tx) => tx.query(`SELECT 1 AS found FROM (${statement}) AS dp_check LIMIT 1`), {
    readOnly: true,
    statementTimeoutMs,
    rollback: true,
  });
  return rows.length > 0;
}

interface PairInput {
  question: string;
  sql: string;
  /** The entry as it is in the file: its other fields (id, review, theme) are kept when it is rewritten. */
  entry: Record<string, unknown>;
  id: string;
}

function readPairs(text: string, file: string): { pairs: (PairInput | { invalid: string })[] } {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new StepFailedError(`${file} is not valid JSON: ${errorMessage(error)}`);
  }
  if (!Array.isArray(data)) throw new StepFailedError(`${file} must hold a JSON array of {"question", "sql"} objects`);
  const seen = new Set<string>();
  return {
    pairs: data.map((item) => {
      const entry = (item ?? {}) as Record<string, unknown>;
      const q = entry.question;
      const s = entry.sql;
      if (typeof q !== 'string' || typeof s !== 'string' || s.trim() === '') return { invalid: 'the entry lacks a "question" or "sql" string' };
      // The same ids the pairs API gives (pairs/pair-file.ts), so a repair keeps the pair's id.
      let id = typeof entry.id === 'string' && entry.id ? entry.id : derivedPairId(q, s);
      for (let n = 2; seen.has(id); n += 1) id = `${id.replace(/-\d+$/, '')}-${n}`;
      seen.add(id);
      return { question: q, sql: s, entry, id };
    }),
  };
}

interface SchemaContext {
  tables: TableInfo[];
  ddlByTable: Map<string, string>;
}

async function loadSchemaContext(ctx: StepContext, db: SqlDatabase, files: TableFiles[]): Promise<SchemaContext> {
  const refs = files.map((f) => parseTableName(f.table, { catalogSpelling: true })).filter((r): r is TableRef => !('error' in r));
  const catalog = refs.length ? await readCatalog(db, refs, { statementTimeoutMs: ctx.settings.statementTimeoutMs }) : { tables: [] };
  const ddlByTable = new Map<string, string>();
  for (const file of files) {
    const ddl = await ctx.dir.readTextIfExists(file.ddl);
    if (ddl) ddlByTable.set(file.table, ddl.trim());
  }
  return { tables: catalog.tables, ddlByTable };
}

/** The DDL a repair prompt needs: the tables the queries name, or the whole (small) schema. */
function ddlForRepair(items: RepairItem[], schema: SchemaContext): string {
  const wanted = new Set<string>();
  let unresolved = false;
  for (const item of items) {
    const guard = checkReadOnlyQuery(item.sql);
    if (!guard.ok || guard.tables.length === 0) unresolved = true;
    if (!guard.ok) continue;
    for (const t of guard.tables) {
      const match = [...schema.ddlByTable.keys()].find((key) =>
        t.schema ? key === `${t.schema}.${t.name}` : key.endsWith(`.${t.name}`) || key.toLowerCase().endsWith(`.${t.name.toLowerCase()}`),
      );
      if (match) wanted.add(match);
      else unresolved = true;
    }
  }
  const all = [...schema.ddlByTable.values()].join('\n\n');
  if (unresolved && all.length <= MAX_FULL_SCHEMA_CHARS) return all;
  return [...wanted].map((key) => schema.ddlByTable.get(key)).join('\n\n') || all.slice(0, MAX_FULL_SCHEMA_CHARS);
}

export async function sqlValidation(ctx: StepContext): Promise<StepOutcome> {
  const { settings, options, log, dir } = ctx;
  await ensureSqlParser();
  const started = Date.now();
  const pairFile = await newestPairFile(dir);
  if (!pairFile) throw new StepFailedError('no qs_*_pair.json file in the task directory: run qa_generation first');
  const { pairs } = readPairs(await dir.readText(pairFile), pairFile);
  const entries = pairs.map((p) => ('invalid' in p ? undefined : p));
  const source = await ctx.resources.source();
  const db = source.db;
  log.info(`validating ${pairs.length} SQL statement(s) of ${pairFile}`);

  const width = String(pairs.length).length;
  const records: PairRecord[] = pairs.map((pair, index) => ({
    id: `p${String(index + 1).padStart(Math.max(4, width), '0')}`,
    index,
    pair_id: 'invalid' in pair ? null : pair.id,
    question: 'invalid' in pair ? '' : pair.question,
    sql: 'invalid' in pair ? '' : pair.sql,
    status: 'invalid',
    error: 'invalid' in pair ? pair.invalid : null,
    original_error: null,
    repaired_sql: null,
    attempts: 0,
    empty_result: null,
  }));
  const statements = new Map<string, string>();
  const repairable = new Set<string>();

  let checked = 0;
  ctx.progress(0, records.length, 'statements');
  await mapConcurrent(records, settings.sqlConcurrency, async (record) => {
    ctx.signal.throwIfAborted();
    if (record.error === null) {
      const outcome = await checkSql(db, record.sql, settings.statementTimeoutMs);
      record.attempts = 1;
      if (outcome.ok) {
        record.status = 'valid';
        statements.set(record.id, outcome.statement);
      } else {
        record.error = outcome.error;
        record.original_error = outcome.error;
        if (outcome.repairable) repairable.add(record.id);
      }
    }
    checked += 1;
    ctx.progress(checked, records.length, 'statements');
  });
  const validFirst = records.filter((r) => r.status === 'valid').length;
  log.info(`first check: ${validFirst} valid, ${records.length - validFirst} invalid`);

  if (options.enable_llm_repair && settings.repairRounds > 0 && repairable.size > 0) {
    await repairRounds(ctx, db, records, repairable, statements);
  }

  if (options.execute_check) {
    await mapConcurrent(
      records.filter((r) => statements.has(r.id)),
      settings.sqlConcurrency,
      async (record) => {
        try {
          record.empty_result = !(await returnsRows(db, statements.get(record.id) as string, settings.statementTimeoutMs));
        } catch (error) {
          // A query that EXPLAINs but fails when run (division by zero, timeout) is invalid after all.
          record.status = 'invalid';
          record.error = `execution failed: ${errorMessage(error)}`;
          statements.delete(record.id);
        }
      },
    );
  }

  const timestamp = compactTimestamp(new Date(started));
  const modification = options.modify_original_file ? await rewritePairFile(ctx, pairFile, records, entries, timestamp) : undefined;
  const valid = records.filter((r) => r.status !== 'invalid').length;
  const repaired = records.filter((r) => r.status === 'repaired').length;
  const invalid = records.length - valid;
  const empty = records.filter((r) => r.empty_result === true).length;
  const rate = records.length ? valid / records.length : 0;
  const reportFile = `sql_validation_${timestamp}_report.json`;
  const summaryFile = `sql_validation_${timestamp}_summary.log`;
  const durationMs = Date.now() - started;
  const summary = {
    pair_file: pairFile,
    total: records.length,
    valid,
    valid_first_check: validFirst,
    repaired,
    invalid,
    empty_results: options.execute_check ? empty : null,
    validation_rate: Number(rate.toFixed(4)),
    duration_ms: durationMs,
    modified_file: modification?.modified ?? false,
    backup_file: modification?.backupFile ?? null,
    llm_repair: options.enable_llm_repair,
  };
  await dir.writeFile(reportFile, `${JSON.stringify({ summary, records }, null, 2)}\n`);
  await dir.writeFile(summaryFile, renderSummary(summary, records, started));
  log.info(`validation: ${valid}/${records.length} valid (${(rate * 100).toFixed(1)}%), ${repaired} repaired, ${invalid} invalid`);
  return {
    counters: {
      pairs: records.length,
      pairs_valid: valid,
      pairs_invalid: invalid,
      pairs_repaired: repaired,
      pairs_removed: modification?.removed ?? 0,
      ...(options.execute_check ? { pairs_empty_result: empty } : {}),
      files_written: 2 + (modification?.filesWritten ?? 0),
    },
    result: { ...summary, report_file: reportFile, summary_file: summaryFile, modifications_file: modification?.logFile ?? null },
  };
}

async function repairRounds(ctx: StepContext, db: SqlDatabase, records: PairRecord[], repairable: Set<string>, statements: Map<string, string>): Promise<void> {
  const { settings, log } = ctx;
  const schema = await loadSchemaContext(ctx, db, await readTableFiles(ctx.dir));
  const byId = new Map(records.map((r) => [r.id, r]));
  // Each round sends the latest attempt and its error, so the model sees what its last fix did.
  const attempt = new Map(records.map((r) => [r.id, { sql: r.sql, error: r.error ?? '' }]));
  for (let round = 1; round <= settings.repairRounds; round += 1) {
    const failing = records.filter((r) => r.status === 'invalid' && repairable.has(r.id));
    if (failing.length === 0) break;
    log.info(`repair round ${round}: ${failing.length} statement(s)`);
    const batches: RepairItem[][] = [];
    for (let i = 0; i < failing.length; i += REPAIR_BATCH) {
      batches.push(
        failing.slice(i, i + REPAIR_BATCH).map((r) => ({ id: r.id, question: r.question, ...(attempt.get(r.id) as { sql: string; error: string }) })),
      );
    }
    await mapConcurrent(batches, settings.llm.concurrency, async (items) => {
      let proposals: Awaited<ReturnType<typeof ctx.resources.llm.repairSql>>;
      try {
        proposals = await ctx.resources.llm.repairSql({
          items,
          ddl: ddlForRepair(items, schema),
          tables: schema.tables,
          language: ctx.options.language,
          signal: ctx.signal,
        });
      } catch (error) {
        if (ctx.signal.aborted) throw error;
        log.warn(`repair request for ${items.map((i) => i.id).join(', ')} failed: ${errorMessage(error)}`);
        return;
      }
      for (const proposal of proposals) {
        const record = byId.get(proposal.id);
        if (record?.status !== 'invalid') continue;
        const outcome = await checkSql(db, proposal.sql, settings.statementTimeoutMs);
        record.attempts += 1;
        if (outcome.ok) {
          record.status = 'repaired';
          record.repaired_sql = proposal.sql;
          record.error = null;
          statements.set(record.id, outcome.statement);
          log.info(`${record.id} repaired`);
        } else {
          attempt.set(record.id, { sql: proposal.sql, error: outcome.error });
          record.error = outcome.error;
        }
      }
    });
  }
}

interface Modification {
  modified: boolean;
  backupFile: string | null;
  logFile: string | null;
  removed: number;
  filesWritten: number;
}

/**
 * Writes repaired SQL back and drops still-invalid generated pairs, after copying the file to
 * `.backup`. A still-invalid pair people added, edited or reviewed is theirs: it stays, marked
 * invalid (so it is never loaded), for them to fix.
 */
async function rewritePairFile(
  ctx: StepContext,
  pairFile: string,
  records: PairRecord[],
  entries: (PairInput | undefined)[],
  timestamp: string,
): Promise<Modification> {
  const changed = records.filter((r) => r.status !== 'valid');
  if (changed.length === 0) return { modified: false, backupFile: null, logFile: null, removed: 0, filesWritten: 0 };
  const backupFile = `${pairFile}.backup`;
  // The first backup holds the file as generated; later validations keep it.
  if (!(await ctx.dir.exists(backupFile))) await ctx.dir.copyFile(pairFile, backupFile);
  // Each pair keeps the fields it has besides question and SQL (id, review, theme: a file the pairs
  // API has written holds them; a generated one stays in the reference's {question, sql} form). A
  // one-pair check of a SQL that was repaired no longer applies.
  const edited = editedPairs(await ctx.dir.readTextIfExists(HISTORY_FILE));
  const theirs = (r: PairRecord) => {
    const entry = entries[r.index]?.entry;
    return addedByPerson(r.pair_id) || (r.pair_id !== null && edited.has(r.pair_id)) || (entry?.review !== undefined && entry.review !== null);
  };
  const checkedAt = new Date().toISOString();
  const kept = records
    .filter((r) => r.status !== 'invalid' || theirs(r))
    .map((r) => {
      const { validation, ...entry } = entries[r.index]?.entry ?? {};
      if (r.status === 'invalid')
        return { ...entry, validation: { status: 'invalid', error: r.error, checked_at: checkedAt }, question: r.question, sql: r.sql };
      return r.status === 'repaired'
        ? { ...entry, question: r.question, sql: r.repaired_sql as string }
        : { ...entry, ...(validation === undefined ? {} : { validation }), question: r.question, sql: r.sql };
    });
  await ctx.dir.writeFile(pairFile, `${JSON.stringify(kept, null, 2)}\n`);
  const logFile = `file_modifications_${timestamp}.log`;
  const lines = [`Modifications of ${pairFile} (${logTimestamp()}); original kept in ${backupFile}`, ''];
  for (const r of changed) {
    if (r.status === 'repaired')
      lines.push(`[${r.id}] repaired: ${r.question}`, `  before: ${r.sql}`, `  after:  ${r.repaired_sql}`, `  error was: ${r.original_error}`);
    else if (theirs(r))
      lines.push(`[${r.id}] kept, invalid (people added, edited or reviewed it; not loaded): ${r.question}`, `  sql: ${r.sql}`, `  error: ${r.error}`);
    else lines.push(`[${r.id}] removed: ${r.question}`, `  sql: ${r.sql}`, `  error: ${r.error}`);
  }
  await ctx.dir.writeFile(logFile, `${lines.join('\n')}\n`);
  const removed = records.length - kept.length;
  ctx.log.info(`rewrote ${pairFile}: ${records.filter((r) => r.status === 'repaired').length} repaired, ${removed} removed; backup ${backupFile}`);
  return { modified: true, backupFile, logFile, removed, filesWritten: 3 };
}

function renderSummary(
  summary: {
    pair_file: string;
    total: number;
    valid: number;
    valid_first_check: number;
    repaired: number;
    invalid: number;
    empty_results: number | null;
    validation_rate: number;
    duration_ms: number;
    modified_file: boolean;
    backup_file: string | null;
  },
  records: PairRecord[],
  started: number,
): string {
  const lines = [
    'SQL validation summary',
    '======================',
    `Pair file: ${summary.pair_file}`,
    `Started: ${logTimestamp(new Date(started))}  Duration: ${seconds(summary.duration_ms)}`,
    `Checked: ${summary.total}`,
    `Valid: ${summary.valid} (${(summary.validation_rate * 100).toFixed(1)}%), of which repaired: ${summary.repaired}`,
    `Invalid: ${summary.invalid}`,
    `Empty results (execute check): ${summary.empty_results === null ? 'not checked' : summary.empty_results}`,
    `Pair file modified: ${summary.modified_file ? `yes (backup: ${summary.backup_file})` : 'no'}`,
    '',
  ];
  const problems = records.filter((r) => r.status !== 'valid' || r.empty_result);
  if (problems.length) lines.push('Details:');
  for (const r of problems) {
    lines.push(`[${r.id}] ${r.status}${r.empty_result ? ' (no rows)' : ''}: ${r.question}`);
    lines.push(`  SQL: ${r.sql}`);
    if (r.original_error) lines.push(`  Error: ${r.original_error}`);
    if (r.repaired_sql) lines.push(`  Repaired: ${r.repaired_sql}`);
    if (r.status === 'invalid' && r.error && r.error !== r.original_error) lines.push(`  Last error: ${r.error}`);
  }
  return `${lines.join('\n')}\n`;
}
