/**
 * Reviewing a task's question/SQL pairs before they are loaded: list them with their review state
 * and validation, add, edit, approve or reject, delete, check one against the source, and undo.
 * Every change is an atomic write of the newest pair file made while holding the task's claim (409
 * while a run holds it) and is recorded in `pairs_history.json`, from which the last change can be
 * undone. Rejected pairs stay in the file and are never loaded (training_load leaves them out).
 */
import { randomBytes } from 'node:crypto';
import { AppError } from '../errors.js';
import { PairFileError, parsePairFile, renderPairFile, type ReviewState, type StoredPair } from '../pairs/pair-file.js';
import { HISTORY_FILE } from '../pairs/pair-history.js';
import { type PairValidation, pairValidation, type ReportVerdicts, reportVerdicts, type ValidationState } from '../pairs/pair-validation.js';
import { type Difficulty, sqlShape } from '../sql/sql-shape.js';
import { ensureSqlParser } from '../sql/pg-parser.js';
import { checkReadOnlyQuery } from '../sql/statement-guard.js';
import type { SqlDatabase } from '../db/sql-database.js';
import type { TaskDirectory } from '../task-directory/task-dir.js';
import { newestPairFile } from '../task-directory/task-files.js';
import { checkSql } from '../workflow/steps/sql-validation.js';
import type { ServiceContext } from './context.js';
import { withSource } from './database.js';
import { withTaskClaim } from './task-claim.js';
import { requireTask } from './tasks.js';

/** Changes kept for undo; older ones are dropped. */
const HISTORY_LIMIT = 200;

export type { ValidationState } from '../pairs/pair-validation.js';

export interface ReviewPair {
  id: string;
  question: string;
  sql: string;
  review: ReviewState | null;
  theme: string | null;
  /** `schema.table` names the SQL reads. */
  tables: string[];
  difficulty: Difficulty | null;
  validation: PairValidation;
}

export interface HistoryEntry {
  seq: number;
  at: string;
  by: string | null;
  action: 'add' | 'edit' | 'delete';
  pair_id: string;
  /** Where the pair was in the file (a delete is undone there). */
  index: number;
  before: StoredPair | null;
  after: StoredPair | null;
}

/** Where the pairs are and how a change waits for no one: the API's (task claim in the store) or the CLI's. */
export interface PairScope {
  taskId: string;
  dir: TaskDirectory;
  /** Runs `work` holding the task's claim (409 while a run holds it). */
  hold: <T>(action: string, work: () => Promise<T>) => Promise<T>;
  /** Runs `fn` on the task's source database. */
  withSource: <T>(fn: (db: SqlDatabase) => Promise<T>) => Promise<T>;
  statementTimeoutMs: number;
}

/** Pair changes of one task in this process, one after the other (each takes the task's claim). */
const queues = new Map<string, Promise<unknown>>();

function oneAtATime<T>(taskId: string, work: () => Promise<T>): Promise<T> {
  const next = (queues.get(taskId) ?? Promise.resolve()).then(work, work);
  const settled = next.catch(() => undefined);
  queues.set(taskId, settled);
  void settled.then(() => {
    if (queues.get(taskId) === settled) queues.delete(taskId);
  });
  return next;
}

/** The scope of a task the server knows: 404 when the task or its directory is missing. */
export async function taskPairScope(ctx: ServiceContext, taskId: string): Promise<PairScope> {
  const task = await requireTask(ctx, taskId);
  if (!(await ctx.dataRoot.exists(taskId))) throw new AppError('TASK_DIRECTORY_NOT_FOUND', `task ${taskId} has no directory yet: run it first`);
  return {
    taskId,
    dir: await ctx.dataRoot.taskDir(taskId),
    // Two reviewers saving at once wait for each other here instead of one getting a 409; a run still gets it.
    hold: (action, work) => oneAtATime(taskId, () => withTaskClaim(ctx, taskId, 'upload', action, work)),
    withSource: (fn) => withSource(ctx, task.db_connection, (source) => fn(source.db)),
    statementTimeoutMs: ctx.settings.statementTimeoutMs,
  };
}

async function readPairs(dir: TaskDirectory): Promise<{ file: string; pairs: StoredPair[] }> {
  const file = await newestPairFile(dir);
  if (!file) throw new AppError('FILE_NOT_FOUND', `task ${dir.taskId} has no pair file (qs_*_pair.json) yet: run qa_generation first`);
  try {
    return { file, pairs: parsePairFile(await dir.readText(file), file) };
  } catch (error) {
    // A pair file edited by hand into something else is the task's state, not the client's mistake.
    if (error instanceof PairFileError) throw new AppError('INVALID_PAIR_FILE', `${error.message}; fix or replace the file`);
    throw error;
  }
}

async function readHistory(dir: TaskDirectory): Promise<HistoryEntry[]> {
  const text = await dir.readTextIfExists(HISTORY_FILE);
  if (!text) return [];
  try {
    const parsed = JSON.parse(text) as { changes?: HistoryEntry[] };
    return Array.isArray(parsed.changes) ? parsed.changes : [];
  } catch {
    return [];
  }
}

function tablesOf(sql: string): string[] {
  const guard = checkReadOnlyQuery(sql);
  return guard.ok ? [...new Set(guard.tables.map((t) => `${t.schema ?? 'public'}.${t.name}`))] : [];
}

/** Question → the theme it was generated for, from `qa_themes.json` (qa_generation's record). */
async function themesByQuestion(dir: TaskDirectory): Promise<Map<string, string>> {
  const themes = new Map<string, string>();
  try {
    const file = JSON.parse((await dir.readTextIfExists('qa_themes.json')) ?? '{}') as {
      themes?: { theme?: { topic_name?: string }; pairs?: { question?: string }[] }[];
    };
    for (const record of file.themes ?? []) {
      for (const pair of record.pairs ?? []) {
        if (typeof pair.question === 'string' && record.theme?.topic_name) themes.set(pair.question.trim().toLowerCase(), record.theme.topic_name);
      }
    }
  } catch {
    // no themes known
  }
  return themes;
}

function view(pair: StoredPair, verdicts: ReportVerdicts, themes: Map<string, string> = new Map()): ReviewPair {
  const validation = pairValidation(pair, verdicts);
  return {
    id: pair.id,
    question: pair.question,
    sql: pair.sql,
    review: pair.review ?? null,
    theme: typeof pair.theme === 'string' ? pair.theme : (themes.get(pair.question.trim().toLowerCase()) ?? null),
    tables: tablesOf(pair.sql),
    difficulty: sqlShape(pair.sql)?.difficulty ?? null,
    validation,
  };
}

export interface PairList {
  task_id: string;
  pair_file: string;
  pairs: ReviewPair[];
  counts: { total: number; approved: number; rejected: number; unreviewed: number; invalid: number };
  /** How many changes can be undone. */
  undoable: number;
}

export interface PairFilter {
  review?: 'approved' | 'rejected' | 'none';
  status?: ValidationState;
  q?: string;
}

export async function listPairs(scope: PairScope, filter: PairFilter = {}): Promise<PairList> {
  const { dir, taskId } = scope;
  await ensureSqlParser();
  const { file, pairs } = await readPairs(dir);
  const verdicts = await reportVerdicts(dir);
  const themes = await themesByQuestion(dir);
  const views = pairs.map((p) => view(p, verdicts, themes));
  return {
    task_id: taskId,
    pair_file: file,
    pairs: views.filter((p) => matches(p, filter)),
    counts: {
      total: views.length,
      approved: views.filter((p) => p.review === 'approved').length,
      rejected: views.filter((p) => p.review === 'rejected').length,
      unreviewed: views.filter((p) => p.review === null).length,
      invalid: views.filter((p) => p.validation.status === 'invalid').length,
    },
    undoable: (await readHistory(dir)).length,
  };
}

function matches(pair: ReviewPair, filter: PairFilter): boolean {
  if (filter.review && (pair.review ?? 'none') !== filter.review) return false;
  if (filter.status && pair.validation.status !== filter.status) return false;
  const text = filter.q?.toLowerCase();
  return !text || pair.question.toLowerCase().includes(text) || pair.sql.toLowerCase().includes(text);
}

/** Changes the pair file under the task's claim, records the change, and returns the pair as listed. */
async function change(
  scope: PairScope,
  action: string,
  /** The change made, or null when it changes nothing (nothing is then written or recorded). */
  edit: (pairs: StoredPair[]) => Omit<HistoryEntry, 'seq' | 'at' | 'by'> | { unchanged: string },
  by: string | undefined,
): Promise<{ entry: HistoryEntry | null; pair: ReviewPair | null }> {
  const { dir } = scope;
  await ensureSqlParser();
  return scope.hold(action, async () => {
    const { file, pairs } = await readPairs(dir);
    const recorded = edit(pairs);
    if ('unchanged' in recorded) {
      const same = pairs.find((p) => p.id === recorded.unchanged);
      return { entry: null, pair: same ? view(same, await reportVerdicts(dir)) : null };
    }
    const history = await readHistory(dir);
    const entry: HistoryEntry = { seq: (history.at(-1)?.seq ?? 0) + 1, at: new Date().toISOString(), by: by ?? null, ...recorded };
    await dir.writeFile(file, renderPairFile(pairs));
    await dir.writeFile(HISTORY_FILE, `${JSON.stringify({ pair_file: file, changes: [...history, entry].slice(-HISTORY_LIMIT) }, null, 2)}\n`);
    const after = pairs.find((p) => p.id === recorded.pair_id);
    return { entry, pair: after ? view(after, await reportVerdicts(dir)) : null };
  });
}

function findPair(pairs: StoredPair[], pairId: string): number {
  const index = pairs.findIndex((p) => p.id === pairId);
  if (index < 0) throw AppError.notFound(`pair ${pairId}`);
  return index;
}

export interface PairInput {
  question: string;
  sql: string;
  review?: ReviewState | null;
  by?: string;
}

function checkText(field: string, value: string): string {
  const text = value.trim();
  if (!text) throw AppError.invalid(field, 'is empty', 'a non-empty text');
  return text;
}

/** A pair's SQL must be one read-only query: anything else can never be training data. */
function checkPairSql(sql: string): string {
  const text = checkText('body.sql', sql);
  const guard = checkReadOnlyQuery(text);
  if (!guard.ok) throw AppError.invalid('body.sql', guard.reason, 'one read-only query (SELECT, WITH … SELECT, VALUES)');
  return text;
}

const sameQuestion = (a: string, b: string) => a.trim().toLowerCase() === b.trim().toLowerCase();

export async function addPair(scope: PairScope, input: PairInput): Promise<{ pair: ReviewPair; change: HistoryEntry }> {
  await ensureSqlParser();
  const question = checkText('body.question', input.question);
  const sql = checkPairSql(input.sql);
  const result = await change(
    scope,
    'add a pair',
    (pairs) => {
      const duplicate = pairs.find((p) => sameQuestion(p.question, question));
      if (duplicate) throw AppError.invalid('body.question', `repeats the question of pair ${duplicate.id}`, 'a question the pairs do not have yet');
      const difficulty = sqlShape(sql)?.difficulty;
      const pair: StoredPair = {
        id: `u${randomBytes(6).toString('hex')}`,
        question,
        sql,
        ...(difficulty ? { difficulty } : {}),
        ...(input.review ? { review: input.review } : {}),
      };
      pairs.push(pair);
      return { action: 'add', pair_id: pair.id, index: pairs.length - 1, before: null, after: { ...pair } };
    },
    input.by,
  );
  return { pair: result.pair as ReviewPair, change: result.entry as HistoryEntry };
}

export interface PairPatch {
  question?: string;
  sql?: string;
  review?: ReviewState | null;
  by?: string;
}

export async function editPair(scope: PairScope, pairId: string, patch: PairPatch): Promise<{ pair: ReviewPair; change: HistoryEntry | null }> {
  if (patch.question === undefined && patch.sql === undefined && patch.review === undefined) {
    throw AppError.missing(['body.question', 'body.sql', 'body.review'], 'nothing to change: give question, sql or review');
  }
  await ensureSqlParser();
  const question = patch.question === undefined ? undefined : checkText('body.question', patch.question);
  const sql = patch.sql === undefined ? undefined : checkPairSql(patch.sql);
  const result = await change(
    scope,
    'edit a pair',
    (pairs) => {
      const index = findPair(pairs, pairId);
      const before = pairs[index] as StoredPair;
      if (question !== undefined) {
        const duplicate = pairs.find((p) => p.id !== pairId && sameQuestion(p.question, question));
        if (duplicate) throw AppError.invalid('body.question', `repeats the question of pair ${duplicate.id}`, 'a question the other pairs do not have');
      }
      const after: StoredPair = { ...before };
      if (question !== undefined) after.question = question;
      if (sql !== undefined && sql !== before.sql) {
        after.sql = sql;
        // A check of the old SQL says nothing of the new one; its shape is the new one's.
        delete after.validation;
        const difficulty = sqlShape(sql)?.difficulty;
        if (difficulty) after.difficulty = difficulty;
        else delete after.difficulty;
      }
      if (patch.review === null) delete after.review;
      else if (patch.review !== undefined) after.review = patch.review;
      // Saying again what the pair already says changes nothing, and is not a change to undo.
      if (JSON.stringify(after) === JSON.stringify(before)) return { unchanged: pairId };
      pairs[index] = after;
      return { action: 'edit', pair_id: pairId, index, before, after: { ...after } };
    },
    patch.by,
  );
  return { pair: result.pair as ReviewPair, change: result.entry };
}

export async function deletePair(scope: PairScope, pairId: string, by?: string): Promise<{ change: HistoryEntry }> {
  const result = await change(
    scope,
    'delete a pair',
    (pairs) => {
      const index = findPair(pairs, pairId);
      const [before] = pairs.splice(index, 1);
      return { action: 'delete', pair_id: pairId, index, before: before as StoredPair, after: null };
    },
    by,
  );
  return { change: result.entry as HistoryEntry };
}

/** Undoes the newest recorded change (an add removed, an edit reverted, a delete put back where it was). */
/**
 * Undoes the newest recorded change that still applies (an add removed, an edit reverted, a delete
 * put back where it was). Newer changes that no longer apply — a pair a validation removed since,
 * say — are dropped from the history on the way, and counted.
 */
export async function undoPairChange(scope: PairScope): Promise<{ undone: HistoryEntry; pair: ReviewPair | null; skipped: number }> {
  const { dir, taskId } = scope;
  await ensureSqlParser();
  return scope.hold('undo a pair change', async () => {
    const history = await readHistory(dir);
    const { file, pairs } = await readPairs(dir);
    let skipped = 0;
    for (let last = history.pop(); last; last = history.pop()) {
      const index = pairs.findIndex((p) => p.id === last.pair_id);
      const applies = last.action === 'delete' ? index < 0 && last.before !== null : index >= 0 && (last.action === 'add' || last.before !== null);
      if (!applies) {
        skipped += 1;
        continue;
      }
      if (last.action === 'add') pairs.splice(index, 1);
      else if (last.action === 'edit') pairs[index] = last.before as StoredPair;
      else pairs.splice(Math.min(last.index, pairs.length), 0, last.before as StoredPair);
      await dir.writeFile(file, renderPairFile(pairs));
      await dir.writeFile(HISTORY_FILE, `${JSON.stringify({ pair_file: file, changes: history }, null, 2)}\n`);
      const restored = pairs.find((p) => p.id === last.pair_id);
      return { undone: last, pair: restored ? view(restored, await reportVerdicts(dir)) : null, skipped };
    }
    if (skipped) await dir.writeFile(HISTORY_FILE, `${JSON.stringify({ pair_file: file, changes: [] }, null, 2)}\n`);
    throw new AppError('NOT_FOUND', `task ${taskId} has no pair change to undo${skipped ? ` (${skipped} that no longer applied were dropped)` : ''}`);
  });
}

/** Checks one pair's SQL against the task's source now (parser, then EXPLAIN read-only, rolled back) and records the verdict on the pair. */
export async function validatePair(scope: PairScope, pairId: string): Promise<{ pair: ReviewPair }> {
  const { dir } = scope;
  await ensureSqlParser();
  const { pairs } = await readPairs(dir);
  const pair = pairs[findPair(pairs, pairId)] as StoredPair;
  const outcome = await scope.withSource((db) => checkSql(db, pair.sql, scope.statementTimeoutMs));
  const checked = {
    status: outcome.ok ? ('valid' as const) : ('invalid' as const),
    error: outcome.ok ? null : outcome.error,
    checked_at: new Date().toISOString(),
  };
  // The verdict is kept on the pair (not an undoable change: it edits nothing a reviewer wrote).
  return scope.hold('record a pair check', async () => {
    const current = await readPairs(dir);
    const index = current.pairs.findIndex((p) => p.id === pairId && p.sql === pair.sql);
    if (index >= 0) {
      current.pairs[index] = { ...(current.pairs[index] as StoredPair), validation: checked };
      await dir.writeFile(current.file, renderPairFile(current.pairs));
    }
    return { pair: view({ ...pair, validation: checked }, new Map()) };
  });
}
