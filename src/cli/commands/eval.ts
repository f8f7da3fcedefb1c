/**
 * `data-pipeline eval --task-dir D --questions FILE [--k 5] [--json]`: table recall@k of questions
 * a person wrote, over the `ddl` and `documentation` rows the task loaded into the vector store —
 * for each question, the share of its tables that the k nearest rows describe. Exit 0 when
 * measured, 2 when it could not be (bad file or flags, no rows, another embedder's vectors).
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Settings } from '../../config/settings.js';
import { openStoreDatabase } from '../../db/embedded-store.js';
import { PostgresDatabase } from '../../db/postgres-database.js';
import type { SqlDatabase } from '../../db/sql-database.js';
import { createEmbedder } from '../../embedding/create-embedder.js';
import { type EmbedderIdentity, sameEmbedder } from '../../embedding/embedder.js';
import { errorMessage } from '../../errors.js';
import { identityKey, sourceIdentity } from '../../source/source-identity.js';
import { TaskDirectory } from '../../task-directory/task-dir.js';
import { TASK_CONFIG_FILE } from '../../task-directory/task-files.js';
import { parseQuestionFile } from '../../vector/question-file.js';
import { embedInBatches, tableKey, tableRecall, type RecallResult } from '../../vector/retrieval-check.js';
import { VectorStore, type CollectionName } from '../../vector/vector-store.js';
import { readStoredParameters } from '../task-config.js';

const EXIT_OK = 0;
const EXIT_FAILED = 2;
const SEARCHED: CollectionName[] = ['ddl', 'documentation'];

export interface EvalFlags {
  taskDir: string;
  questions: string;
  k?: string;
  json?: boolean;
  vectorDb?: string;
}

export interface EvalReport {
  task_id: string;
  db_key: string;
  embedder: EmbedderIdentity;
  k: number;
  /** The rows searched: the task's `ddl` and `documentation` rows. */
  rows: number;
  questions: number;
  /** Mean of the questions' recall@k. */
  recall: number;
  /** Questions whose tables were all among the k nearest rows. */
  all_found: number;
  /** Tables the file names that no searched row describes (misspelt, or not documented by the task). */
  tables_not_loaded: string[];
  results: (RecallResult & { line: number })[];
}

class RetrievalEvalError extends Error {}

/** `--k`: a whole number from 1 to 100. */
function parseK(text: string | undefined): number {
  if (text === undefined) return 5;
  const k = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isInteger(k) || k < 1 || k > 100)
    throw new RetrievalEvalError(`--k: must be a whole number from 1 to 100, got "${text}"`);
  return k;
}

/** The task's id as task_config.json records it, else the directory's name. */
async function taskIdOf(dir: TaskDirectory): Promise<string> {
  try {
    const config = JSON.parse((await dir.readTextIfExists(TASK_CONFIG_FILE)) ?? '{}') as { task_id?: unknown };
    if (typeof config.task_id === 'string' && config.task_id) return config.task_id;
  } catch {
    // An unreadable configuration names no task: the directory does.
  }
  return path.basename(dir.path);
}

const round = (n: number) => Math.round(n * 1000) / 1000;

export async function evaluateTask(settings: Settings, flags: EvalFlags): Promise<EvalReport> {
  const k = parseK(flags.k);
  let dir: TaskDirectory;
  try {
    dir = await TaskDirectory.open(flags.taskDir);
  } catch {
    throw new RetrievalEvalError(`--task-dir ${flags.taskDir}: no such task directory`);
  }
  let text: string;
  try {
    text = await fs.readFile(flags.questions, 'utf8');
  } catch (error) {
    throw new RetrievalEvalError(`--questions ${flags.questions}: cannot be read (${errorMessage(error)})`);
  }
  const questions = parseQuestionFile(text, path.basename(flags.questions));
  const stored = await readStoredParameters(dir);
  const connection = stored.connection('db_connection');
  if (!connection) throw new RetrievalEvalError(`the task directory's ${TASK_CONFIG_FILE} names no source database: run the task (training_load) first`);
  const dbKey = identityKey(sourceIdentity(connection));
  const taskId = await taskIdOf(dir);
  const vectorDb = flags.vectorDb ?? stored.connection('vector_db');
  const db: SqlDatabase = vectorDb
    ? await PostgresDatabase.connect(vectorDb, { maxConnections: 2 })
    : await openStoreDatabase(settings.storeUrl, settings.embeddedStoreDir);
  try {
    const store = new VectorStore(db, settings.embedding.dim);
    await store.ensureSchema();
    const embedder = await createEmbedder(settings.embedding);
    const recorded = await store.collectionEmbedders();
    for (const collection of SEARCHED) {
      const made = recorded.get(collection);
      if (made && !sameEmbedder(made, embedder.identity)) {
        throw new RetrievalEvalError(
          `the ${collection} collection holds vectors of ${made.provider} ${made.model} (${made.dimension} dimensions), but the configured embedder is ` +
            `${embedder.identity.provider} ${embedder.identity.model} (${embedder.identity.dimension}): configure that embedder, or load the task again with --reembed`,
        );
      }
    }
    const rows = await store.rowsWithVectors({ dbKey, collections: SEARCHED, taskId });
    if (rows.length === 0)
      throw new RetrievalEvalError(`the vector store holds no ddl or documentation rows of task ${taskId} (${dbKey}): run training_load first`);
    const vectors = await embedInBatches(
      (texts) => embedder.embed(texts),
      questions.map((q) => q.question),
      settings.embedding.batchSize,
    );
    const results = questions.map((q, i) => ({ line: q.line, ...tableRecall(q.question, q.tables, vectors[i] as number[], rows, k) }));
    const loaded = new Set(rows.flatMap((r) => r.tables.map(tableKey)));
    const named = [...new Set(questions.flatMap((q) => q.tables))];
    return {
      task_id: taskId,
      db_key: dbKey,
      embedder: embedder.identity,
      k,
      rows: rows.length,
      questions: results.length,
      recall: round(results.reduce((sum, r) => sum + r.recall, 0) / results.length),
      all_found: results.filter((r) => r.missed.length === 0).length,
      tables_not_loaded: named
        .filter((t) => !loaded.has(tableKey(t)))
        // With the lines that name it, so that a misspelling is found in the file.
        .map(
          (t) =>
            `${t} (line ${questions
              .filter((q) => q.tables.includes(t))
              .map((q) => q.line)
              .join(', ')})`,
        ),
      results: results.map((r) => ({ ...r, recall: round(r.recall) })),
    };
  } finally {
    await db.close();
  }
}

/** The report as a person reads it: one line per question, then the overall figure. */
export function formatEvalReport(report: EvalReport): string {
  const e = report.embedder;
  const lines = [
    `Table recall@${report.k} of ${report.questions} question(s) over ${report.rows} ddl/documentation row(s) of ${report.db_key} (task ${report.task_id}), ` +
      `embedder ${e.provider} ${e.model} (${e.dimension} dimensions):`,
  ];
  for (const r of report.results) {
    lines.push(`  ${r.recall.toFixed(2)}  ${r.question}  [${r.tables.join(', ')}]`);
    if (r.missed.length) lines.push(`        missed: ${r.missed.join(', ')}; retrieved: ${r.retrieved.join(', ')}`);
  }
  lines.push(
    `Overall: recall@${report.k} ${report.recall.toFixed(3)} (mean over questions); ${report.all_found} of ${report.questions} question(s) found all their tables`,
  );
  if (report.tables_not_loaded.length) lines.push(`Not in the task's training set (misspelt?): ${report.tables_not_loaded.join(', ')}`);
  return `${lines.join('\n')}\n`;
}

export async function evalCommand(settings: Settings, flags: EvalFlags): Promise<number> {
  try {
    const report = await evaluateTask(settings, flags);
    process.stdout.write(flags.json ? `${JSON.stringify(report, null, 2)}\n` : formatEvalReport(report));
    return EXIT_OK;
  } catch (error) {
    process.stderr.write(`data-pipeline eval: ${errorMessage(error)}\n`);
    if (flags.json) process.stdout.write(`${JSON.stringify({ error: errorMessage(error) })}\n`);
    return EXIT_FAILED;
  }
}
