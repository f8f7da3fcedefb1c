/**
 * Step 3, `sql_validation`: every SQL of the newest pair file must be exactly one read-only query
 * (checked by PostgreSQL's parser, never run otherwise) and pass `EXPLAIN` in a READ ONLY,
 * rolled-back transaction with a statement timeout. Failing SQL goes to the LLM with the DDL of
 * the tables involved, matched back by id, for up to N rounds. Unless turned off (`execute_check`),
 * each valid query is also run (execute-check.ts) and flagged when it returns no row or compares a
 * column with a value its enumeration does not hold; with an LLM provider flagged pairs go to the
 * same repair rounds, the flag's explanation as their error. Each pair's difficulty comes from its
 * final SQL's shape. The pair file is then rewritten (after a `.backup` copy).
 */
import { constants as fsConstants, promises as fs } from 'node:fs';
import type { SqlDatabase } from '../../db/sql-database.js';
import { writeFileAtomic } from '../../util/atomic-file.js';
import { referenceReportKeys } from '../compat/reference-validation-report.js';
import type { RepairItem } from '../../llm/llm-provider.js';
import { readCatalog, type TableInfo } from '../../source/catalog.js';
import { parseTableName, type TableRef } from '../../source/table-list.js';
import type { EnumLiteralIssue, KnownTable } from '../../sql/enum-literals.js';
import { ensureSqlParser } from '../../sql/pg-parser.js';
import { DIFFICULTIES, sqlShape, type Difficulty } from '../../sql/sql-shape.js';
import { checkReadOnlyQuery } from '../../sql/statement-guard.js';
import { mapConcurrent } from '../../util/concurrency.js';
import { compactTimestamp, logTimestamp, seconds } from '../../util/time.js';
import { StepFailedError, type StepContext, type StepOutcome } from '../step-context.js';
import { newestPairFile, readTableFiles, type TableFiles } from '../../task-directory/task-files.js';
import { errorMessage } from '../../errors.js';
import { withPairIds, type StoredPair } from '../../pairs/pair-file.js';
import { addedByPerson, editedPairs, HISTORY_FILE } from '../../pairs/pair-history.js';
import { parseMarkdown } from '../render/table-files.js';
import { flagExplanation, flagsOf, inspectQuery, knownTables, problemCount, type Flag, type Inspection } from './execute-check.js';

export { returnsRows } from './execute-check.js';

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
  /** With the execute check: true when the query returned no row (null: not run, or it timed out). */
  empty_result: boolean | null;
  /** `sqlShape(final SQL).difficulty`; null when the SQL does not parse. */
  difficulty: Difficulty | null;
  /** The execute check of the final SQL: `not_checked` when it is off or the SQL is invalid. */
  execute_check: 'passed' | 'flagged' | 'timed_out' | 'not_checked';
  /** What the execute check flagged: no row, literals outside a column's enumeration. */
  flags: Flag[];
  /** The literals outside their column's enumeration. */
  enum_literals: EnumLiteralIssue[];
  /** The flags (or the timeout) in words; what a repair was told. */
  flag_explanation: string | null;
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

interface PairInput {
  question: string;
  sql: string;
  /** The entry as it is in the file: its other fields (id, review, theme) are kept when it is rewritten. */
  entry: Record<string, unknown>;
  id: string;
}

/** The pair file a validation reads and may rewrite: the task's newest, or the file a script named. */
interface PairFileTarget {
  /** As reports name it: the file name in the task directory, or the path the user gave. */
  name: string;
  /** Its absolute path. */
  path: string;
  read(): Promise<string>;
  /** Rewrites it atomically. */
  write(text: string): Promise<void>;
  /** Copies it to `<file>.backup` unless that exists (the first backup holds the file as generated); its name. */
  backup(): Promise<string>;
}

async function pairFileTarget(ctx: StepContext): Promise<PairFileTarget> {
  const { dir } = ctx;
  const named = ctx.input?.pairFile;
  if (named !== undefined) {
    const backupPath = `${named}.backup`;
    return {
      name: named,
      path: named,
      read: () =>
        fs.readFile(named, 'utf8').catch((error: unknown) => {
          throw new StepFailedError(`cannot read the pair file ${named}: ${errorMessage(error)}`);
        }),
      write: (text) => writeFileAtomic(named, text),
      backup: async () => {
        await fs.copyFile(named, backupPath, fsConstants.COPYFILE_EXCL).catch((error: NodeJS.ErrnoException) => {
          if (error.code !== 'EEXIST') throw error;
        });
        return backupPath;
      },
    };
  }
  const name = await newestPairFile(dir);
  if (!name) throw new StepFailedError('no qs_*_pair.json file in the task directory: run qa_generation first');
  return {
    name,
    path: dir.filePath(name),
    read: () => dir.readText(name),
    write: (text) => dir.writeFile(name, text),
    backup: async () => {
      const backupFile = `${name}.backup`;
      if (!(await dir.exists(backupFile))) await dir.copyFile(name, backupFile);
      return backupFile;
    },
  };
}

function readPairs(text: string, file: string): { pairs: (PairInput | { invalid: string })[] } {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new StepFailedError(`${file} is not valid JSON: ${errorMessage(error)}`);
  }
  if (!Array.isArray(data)) throw new StepFailedError(`${file} must hold a JSON array of {"question", "sql"} objects`);
  const entries = data.map((item) => (item ?? {}) as Record<string, unknown>);
  const usable = entries.flatMap((entry, index) =>
    typeof entry.question === 'string' && typeof entry.sql === 'string' && entry.sql.trim() !== ''
      ? [{ index, entry, question: entry.question, sql: entry.sql }]
      : [],
  );
  // The same ids the pairs API gives (pairs/pair-file.ts), so a repair keeps the pair's id.
  const withIds = withPairIds(usable.map((u) => ({ question: u.question, sql: u.sql, id: u.entry.id })));
  const byIndex = new Map(usable.map((u, i) => [u.index, { question: u.question, sql: u.sql, entry: u.entry, id: (withIds[i] as StoredPair).id }]));
  return { pairs: entries.map((_, index) => byIndex.get(index) ?? { invalid: 'the entry lacks a "question" or "sql" string' }) };
}

interface SchemaContext {
  tables: TableInfo[];
  ddlByTable: Map<string, string>;
  /** `schema.table` → column → the values its `_detail.md` documents. */
  documentedEnums: Map<string, Record<string, string[]>>;
}

async function loadSchemaContext(ctx: StepContext, db: SqlDatabase, files: TableFiles[]): Promise<SchemaContext> {
  const refs = files.map((f) => parseTableName(f.table, { catalogSpelling: true })).filter((r): r is TableRef => !('error' in r));
  const catalog = refs.length ? await readCatalog(db, refs, { statementTimeoutMs: ctx.settings.statementTimeoutMs }) : { tables: [] };
  const ddlByTable = new Map<string, string>();
  const documentedEnums = new Map<string, Record<string, string[]>>();
  for (const file of files) {
    const ddl = await ctx.dir.readTextIfExists(file.ddl);
    if (ddl) ddlByTable.set(file.table, ddl.trim());
    // As a person may have edited it, like qa_generation reads it.
    const md = await ctx.dir.readTextIfExists(file.md);
    if (md) documentedEnums.set(file.table, parseMarkdown(md).enumValues);
  }
  return { tables: catalog.tables, ddlByTable, documentedEnums };
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

/** What the checks know of each pair between the first check, the repairs and the report. */
interface ValidationState {
  /** Pairs whose failure an LLM may fix (not a DELETE: that is not a query to repair). */
  repairable: Set<string>;
  /** The checked statement of each valid pair. */
  statements: Map<string, string>;
  /** The execute check of each valid pair's current SQL. */
  inspections: Map<string, Inspection>;
  /** null when the execute check is off. */
  known: KnownTable[] | null;
  /** Flagged pairs go to repair too (execute check on, an LLM provider). */
  repairFlags: boolean;
  /** Pairs valid at first whose flags a repair removed or reduced. */
  flagRepaired: Set<string>;
}

export async function sqlValidation(ctx: StepContext): Promise<StepOutcome> {
  const { settings, options, log, dir } = ctx;
  await ensureSqlParser();
  const started = Date.now();
  const target = await pairFileTarget(ctx);
  const pairFile = target.name;
  const { pairs } = readPairs(await target.read(), pairFile);
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
    difficulty: null,
    execute_check: 'not_checked',
    flags: [],
    enum_literals: [],
    flag_explanation: null,
  }));
  const state: ValidationState = {
    repairable: new Set(),
    statements: new Map(),
    inspections: new Map(),
    known: null,
    repairFlags: false,
    flagRepaired: new Set(),
  };
  let schema: Promise<SchemaContext> | undefined;
  const schemaContext = () => {
    schema ??= readTableFiles(dir).then((files) => loadSchemaContext(ctx, db, files));
    return schema;
  };

  /** How long each first check took (the existing report's `execution_time`). */
  const checkSeconds = new Map<string, number>();
  // With the execute check each statement is worked on twice (EXPLAIN, then the run): progress counts both.
  const steps = records.length * (options.execute_check ? 2 : 1);
  let checked = 0;
  ctx.progress(0, steps, 'statements');
  await mapConcurrent(records, settings.sqlConcurrency, async (record) => {
    ctx.signal.throwIfAborted();
    if (record.error === null) {
      const checkStarted = performance.now();
      const outcome = await checkSql(db, record.sql, settings.statementTimeoutMs);
      checkSeconds.set(record.id, (performance.now() - checkStarted) / 1000);
      record.attempts = 1;
      if (outcome.ok) {
        record.status = 'valid';
        state.statements.set(record.id, outcome.statement);
      } else {
        record.error = outcome.error;
        record.original_error = outcome.error;
        if (outcome.repairable) state.repairable.add(record.id);
      }
    }
    checked += 1;
    ctx.progress(checked, steps, 'statements');
  });
  const validFirst = records.filter((r) => r.status === 'valid').length;
  log.info(`first check: ${validFirst} valid, ${records.length - validFirst} invalid`);

  if (options.execute_check) {
    const context = await schemaContext();
    const known = knownTables(context.tables, context.documentedEnums);
    state.known = known;
    state.repairFlags = options.enable_llm_repair && settings.repairRounds > 0 && ctx.resources.llm.name === 'openai';
    const toRun = records.filter((r) => state.statements.has(r.id));
    checked += records.length - toRun.length;
    ctx.progress(checked, steps, 'statements');
    await mapConcurrent(toRun, settings.sqlConcurrency, async (record) => {
      ctx.signal.throwIfAborted();
      const inspection = await inspectQuery(db, state.statements.get(record.id) as string, known, settings.statementTimeoutMs);
      if (inspection.kind === 'failed') {
        // A query that EXPLAINs but fails when run (division by zero, a bad cast) is invalid after all.
        record.status = 'invalid';
        record.error = inspection.error;
        record.original_error = inspection.error;
        state.statements.delete(record.id);
        state.repairable.add(record.id);
      } else state.inspections.set(record.id, inspection);
      checked += 1;
      ctx.progress(checked, steps, 'statements');
    });
    const flagged = records.filter((r) => problemCount(state.inspections.get(r.id) ?? NOTHING_FOUND) > 0).length;
    log.info(`execute check: ${flagged} flagged${state.repairFlags || flagged === 0 ? '' : ' (flagged only: repairing them needs an LLM provider)'}`);
  }

  const needsRepair = (r: PairRecord) =>
    (r.status === 'invalid' && state.repairable.has(r.id)) || (state.repairFlags && problemCount(state.inspections.get(r.id) ?? NOTHING_FOUND) > 0);
  if (options.enable_llm_repair && settings.repairRounds > 0 && records.some(needsRepair)) {
    await repairRounds(ctx, db, records, state, needsRepair, await schemaContext());
  }

  for (const record of records) {
    record.difficulty = sqlShape(record.repaired_sql ?? record.sql)?.difficulty ?? null;
    const inspection = record.status === 'invalid' ? undefined : state.inspections.get(record.id);
    if (!inspection || inspection.kind === 'failed') continue;
    record.flags = flagsOf(inspection);
    record.empty_result = inspection.kind === 'checked' ? inspection.empty : null;
    record.enum_literals = inspection.enumLiterals;
    record.execute_check = record.flags.length ? 'flagged' : inspection.kind === 'timed_out' ? 'timed_out' : 'passed';
    record.flag_explanation =
      inspection.kind === 'timed_out'
        ? [`not run to the end: ${inspection.error}`, flagExplanation(inspection)].filter(Boolean).join('; ')
        : flagExplanation(inspection);
  }

  const timestamp = compactTimestamp(new Date(started));
  const modification = options.modify_original_file ? await rewritePairFile(ctx, target, records, entries, timestamp) : undefined;
  const valid = records.filter((r) => r.status !== 'invalid').length;
  const repaired = records.filter((r) => r.status === 'repaired').length;
  const invalid = records.length - valid;
  const counted = (flag: Flag) => records.filter((r) => r.flags.includes(flag)).length;
  const flagged = records.filter((r) => r.flags.length > 0).length;
  const rate = records.length ? valid / records.length : 0;
  const reportFile = `sql_validation_${timestamp}_report.json`;
  const summaryFile = `sql_validation_${timestamp}_summary.log`;
  const durationMs = Date.now() - started;
  const checkRan = options.execute_check;
  const summary: ValidationSummary = {
    pair_file: pairFile,
    total: records.length,
    valid,
    valid_first_check: validFirst,
    repaired,
    invalid,
    empty_results: checkRan ? counted('empty_result') : null,
    validation_rate: Number(rate.toFixed(4)),
    duration_ms: durationMs,
    modified_file: modification?.modified ?? false,
    backup_file: modification?.backupFile ?? null,
    llm_repair: options.enable_llm_repair,
    execute_check: checkRan,
    flagged: checkRan ? flagged : null,
    enum_literal_flags: checkRan ? counted('enum_literal') : null,
    execute_timeouts: checkRan ? records.filter((r) => r.execute_check === 'timed_out').length : null,
    flags_repaired: state.repairFlags ? state.flagRepaired.size : null,
    difficulty: difficultyCounts(records.filter((r) => r.status !== 'invalid')),
  };
  const reference = referenceReportKeys({
    inputFile: target.path,
    connection: options.db_connection,
    startedAt: started,
    durationMs,
    options,
    settings,
    records,
    checkSeconds,
    removed: modification?.removed ?? 0,
    modified: modification?.modified ?? false,
  });
  // Our keys, and the existing validator's (`metadata`, its `summary` fields, `detailed_results`) for its readers.
  const report = { metadata: reference.metadata, summary: { ...summary, ...reference.summary }, records, detailed_results: reference.detailed_results };
  await dir.writeFile(reportFile, `${JSON.stringify(report, null, 2)}\n`);
  await dir.writeFile(summaryFile, renderSummary(summary, records, started));
  log.info(
    `validation: ${valid}/${records.length} valid (${(rate * 100).toFixed(1)}%), ${repaired} repaired, ${invalid} invalid` +
      (checkRan ? `, ${flagged} flagged by the execute check` : ', execute check off'),
  );
  return {
    counters: {
      pairs: records.length,
      pairs_valid: valid,
      pairs_invalid: invalid,
      pairs_repaired: repaired,
      pairs_removed: modification?.removed ?? 0,
      ...(checkRan ? { pairs_empty_result: counted('empty_result'), pairs_flagged: flagged } : {}),
      files_written: 2 + (modification?.filesWritten ?? 0),
    },
    result: { ...summary, ...reference.summary, report_file: reportFile, summary_file: summaryFile, modifications_file: modification?.logFile ?? null },
  };
}

/** An inspection that found nothing: what a pair without one (not checked) counts as. */
const NOTHING_FOUND: Inspection = { kind: 'checked', empty: false, enumLiterals: [] };

function difficultyCounts(records: PairRecord[]): Record<Difficulty, number> {
  const counts = Object.fromEntries(DIFFICULTIES.map((d) => [d, 0])) as Record<Difficulty, number>;
  for (const r of records) if (r.difficulty) counts[r.difficulty] += 1;
  return counts;
}

interface ValidationSummary {
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
  llm_repair: boolean;
  /** Whether the execute check ran; the counts below are null when it did not. */
  execute_check: boolean;
  /** Valid pairs with at least one flag. */
  flagged: number | null;
  /** Valid pairs comparing a column with a value outside its enumeration. */
  enum_literal_flags: number | null;
  /** Valid pairs whose run the statement timeout ended (not flagged). */
  execute_timeouts: number | null;
  /** Pairs valid at first whose flags a repair cleared or reduced (null when flagged pairs are not repaired). */
  flags_repaired: number | null;
  /** The valid pairs per difficulty of their final SQL. */
  difficulty: Record<Difficulty, number>;
}

async function repairRounds(
  ctx: StepContext,
  db: SqlDatabase,
  records: PairRecord[],
  state: ValidationState,
  needsRepair: (record: PairRecord) => boolean,
  schema: SchemaContext,
): Promise<void> {
  const { settings, log } = ctx;
  const byId = new Map(records.map((r) => [r.id, r]));
  // Each round sends the latest attempt and its error (or what the execute check flagged), so the
  // model sees what its last fix did.
  const attempt = new Map(records.map((r) => [r.id, { sql: r.sql, error: r.error ?? flagExplanation(state.inspections.get(r.id) ?? NOTHING_FOUND) ?? '' }]));
  for (let round = 1; round <= settings.repairRounds; round += 1) {
    const failing = records.filter(needsRepair);
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
      const asked = new Set(items.map((i) => i.id));
      for (const proposal of proposals) {
        const record = byId.get(proposal.id);
        if (!record || !asked.has(record.id) || !needsRepair(record)) continue;
        await tryProposal(ctx, db, record, proposal.sql, state, attempt);
      }
    });
  }
}

/** Checks one proposal and keeps it when it makes an invalid pair valid, or leaves a flagged pair with fewer problems. */
async function tryProposal(
  ctx: StepContext,
  db: SqlDatabase,
  record: PairRecord,
  sql: string,
  state: ValidationState,
  attempt: Map<string, { sql: string; error: string }>,
): Promise<void> {
  const timeout = ctx.settings.statementTimeoutMs;
  const outcome = await checkSql(db, sql, timeout);
  record.attempts += 1;
  let inspection: Inspection | undefined;
  let error = outcome.ok ? null : outcome.error;
  if (outcome.ok && state.known) {
    inspection = await inspectQuery(db, outcome.statement, state.known, timeout);
    if (inspection.kind === 'failed') error = inspection.error;
  }
  if (!outcome.ok || error !== null) {
    attempt.set(record.id, { sql, error: error ?? '' });
    if (record.status === 'invalid') record.error = error;
    return;
  }
  const before = state.inspections.get(record.id);
  if (record.status !== 'invalid' && (!inspection || !before || problemCount(inspection) >= problemCount(before))) {
    attempt.set(record.id, { sql, error: (inspection && flagExplanation(inspection)) ?? 'the proposal did not remove what was flagged' });
    return;
  }
  // A pair valid at first keeps what was wrong with it, as a failing one keeps its error.
  if (record.status === 'valid' && before) {
    record.original_error = flagExplanation(before);
    state.flagRepaired.add(record.id);
  }
  record.status = 'repaired';
  record.repaired_sql = sql;
  record.error = null;
  state.statements.set(record.id, outcome.statement);
  if (inspection) {
    state.inspections.set(record.id, inspection);
    const left = flagExplanation(inspection);
    if (left) attempt.set(record.id, { sql, error: left });
  }
  ctx.log.info(`${record.id} repaired${inspection && problemCount(inspection) > 0 ? ' (still flagged)' : ''}`);
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
  target: PairFileTarget,
  records: PairRecord[],
  entries: (PairInput | undefined)[],
  timestamp: string,
): Promise<Modification> {
  const changed = records.filter((r) => r.status !== 'valid');
  if (changed.length === 0) return { modified: false, backupFile: null, logFile: null, removed: 0, filesWritten: 0 };
  const pairFile = target.name;
  const backupFile = await target.backup();
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
  await target.write(`${JSON.stringify(kept, null, 2)}\n`);
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

function renderSummary(summary: ValidationSummary, records: PairRecord[], started: number): string {
  const notChecked = 'not checked';
  const lines = [
    'SQL validation summary',
    '======================',
    `Pair file: ${summary.pair_file}`,
    `Started: ${logTimestamp(new Date(started))}  Duration: ${seconds(summary.duration_ms)}`,
    `Checked: ${summary.total}`,
    `Valid: ${summary.valid} (${(summary.validation_rate * 100).toFixed(1)}%), of which repaired: ${summary.repaired}`,
    `Invalid: ${summary.invalid}`,
    `Empty results (execute check): ${summary.empty_results ?? notChecked}`,
    `Values outside an enumeration (execute check): ${summary.enum_literal_flags ?? notChecked}`,
    `Flagged (execute check): ${summary.flagged ?? notChecked}${summary.execute_timeouts ? `; timed out, not flagged: ${summary.execute_timeouts}` : ''}`,
    ...(summary.flags_repaired === null ? [] : [`Flagged pairs repaired: ${summary.flags_repaired}`]),
    `Difficulty of the valid pairs: ${DIFFICULTIES.map((d) => `${d} ${summary.difficulty[d]}`).join(', ')}`,
    `Pair file modified: ${summary.modified_file ? `yes (backup: ${summary.backup_file})` : 'no'}`,
    '',
  ];
  const problems = records.filter((r) => r.status !== 'valid' || r.flags.length > 0 || r.execute_check === 'timed_out');
  if (problems.length) lines.push('Details:');
  for (const r of problems) {
    const marks = [
      r.empty_result ? 'no rows' : '',
      r.flags.includes('enum_literal') ? 'value outside its enumeration' : '',
      r.execute_check === 'timed_out' ? 'timed out' : '',
    ]
      .filter(Boolean)
      .join(', ');
    lines.push(`[${r.id}] ${r.status}${marks ? ` (${marks})` : ''}${r.difficulty ? ` [${r.difficulty}]` : ''}: ${r.question}`);
    lines.push(`  SQL: ${r.sql}`);
    if (r.original_error) lines.push(`  Error: ${r.original_error}`);
    if (r.repaired_sql) lines.push(`  Repaired: ${r.repaired_sql}`);
    if (r.status === 'invalid' && r.error && r.error !== r.original_error) lines.push(`  Last error: ${r.error}`);
    if (r.flag_explanation) lines.push(`  Flagged: ${r.flag_explanation}`);
  }
  return `${lines.join('\n')}\n`;
}
