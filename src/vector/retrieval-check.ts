/**
 * Retrieval measured on the rows a store holds, the way an assistant retrieves them (cosine
 * similarity, nearest first), in memory over the rows of one database:
 * - self-retrieval: each loaded question, embedded alone, finds its own pair among the `sql` rows;
 * - table retrieval: a question made of a table's comment finds that table's DDL among the `ddl` rows;
 * - table recall@k of questions people wrote (`data-pipeline eval`) over the `ddl` and
 *   `documentation` rows.
 */
import type { StoredVectorRow } from './vector-store.js';

/** Texts in, vectors out (in order); callers pass the run's embedder. */
export type EmbedTexts = (texts: string[]) => Promise<number[][]>;

function cosine(a: readonly number[], b: readonly number[]): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i += 1) {
    const x = a[i] as number;
    const y = b[i] as number;
    dot += x * y;
    na += x * x;
    nb += y * y;
  }
  return na === 0 || nb === 0 ? 0 : dot / Math.sqrt(na * nb);
}

/** The `k` rows nearest to `query`, nearest first; equal similarities keep the rows' order (by id), so results repeat. */
export function nearestRows(query: readonly number[], rows: readonly StoredVectorRow[], k: number): StoredVectorRow[] {
  return rows
    .map((row, i) => ({ row, i, similarity: cosine(query, row.vector) }))
    .sort((a, b) => b.similarity - a.similarity || a.i - b.i)
    .slice(0, k)
    .map((r) => r.row);
}

/** Embeds in batches of `batchSize` (one request each for a remote embedder). */
export async function embedInBatches(embed: EmbedTexts, texts: readonly string[], batchSize: number): Promise<number[][]> {
  const out: number[][] = [];
  for (let i = 0; i < texts.length; i += batchSize) out.push(...(await embed(texts.slice(i, i + batchSize))));
  return out;
}

/** The question of a `sql` row (`{"question", "sql"}`), or undefined for other text. */
export function pairQuestion(document: string): string | undefined {
  try {
    const parsed = JSON.parse(document) as { question?: unknown };
    return typeof parsed.question === 'string' ? parsed.question : undefined;
  } catch {
    return undefined;
  }
}

/** Questions measured at most per load: each is compared with every `sql` row of the database. */
export const SELF_RETRIEVAL_SAMPLE = 500;

const sameQuestion = (a: string, b: string) => a.trim().toLowerCase() === b.trim().toLowerCase();
const share = (hits: number, total: number) => (total === 0 ? null : Math.round((hits / total) * 1000) / 1000);
/** How many misses a summary names (the counts say how many there were). */
const NAMED_MISSES = 10;

/** At most `max` of the items, evenly spaced (the same ones every time): measuring stays quick on large sets. */
export function evenSample<T>(items: readonly T[], max: number): T[] {
  if (items.length <= max) return [...items];
  return Array.from({ length: max }, (_, i) => items[Math.floor((i * items.length) / max)] as T);
}

export interface SelfRetrieval {
  /** Questions measured: every loaded one, or an even sample of `SELF_RETRIEVAL_SAMPLE` of them. */
  questions: number;
  /** Questions this task loaded. */
  questions_loaded: number;
  /** Share of questions whose own pair is the nearest row (null without questions). */
  hit_at_1: number | null;
  /** Share of questions whose own pair is among the five nearest. */
  hit_at_5: number | null;
  /** Questions whose pair is not among the five nearest (the first ten). */
  misses_at_5: string[];
}

/**
 * Each question of `own` (rows of this load), embedded alone, against every `sql` row of the
 * database (`candidates`): a hit when a row with the same question is nearest (@1) or among the
 * five nearest (@5). The same question twice with other SQL is still the question's own pair.
 */
export async function selfRetrieval(
  own: readonly StoredVectorRow[],
  candidates: readonly StoredVectorRow[],
  embed: EmbedTexts,
  batchSize: number,
): Promise<SelfRetrieval> {
  const loaded = own.flatMap((row) => {
    const q = pairQuestion(row.document);
    return q === undefined ? [] : [q];
  });
  const questions = evenSample(loaded, SELF_RETRIEVAL_SAMPLE);
  const vectors = await embedInBatches(embed, questions, batchSize);
  let at1 = 0;
  let at5 = 0;
  const misses: string[] = [];
  questions.forEach((question, i) => {
    const found = nearestRows(vectors[i] as number[], candidates, 5).map((row) => pairQuestion(row.document) ?? '');
    const rank = found.findIndex((q) => sameQuestion(q, question));
    if (rank === 0) at1 += 1;
    if (rank >= 0) at5 += 1;
    else if (misses.length < NAMED_MISSES) misses.push(question);
  });
  return {
    questions: questions.length,
    questions_loaded: loaded.length,
    hit_at_1: share(at1, questions.length),
    hit_at_5: share(at5, questions.length),
    misses_at_5: misses,
  };
}

/** A table name as rows and people write it, compared: `orders` is `public.orders`; case does not matter. */
export function tableKey(name: string): string {
  const bare = name.trim().replace(/"/g, '').toLowerCase();
  return bare.includes('.') ? bare : `public.${bare}`;
}

/** The question a person would ask for what a table's comment describes (`Show me the customer orders from all sales channels`). */
export function tableQuestion(table: string, comment: string | undefined): string {
  const text = (comment ?? '').trim().replace(/[.。]+$/u, '');
  const subject = text !== '' ? text : (table.split('.').at(-1) ?? table).replace(/_/g, ' ');
  if (/\p{Script=Han}/u.test(subject)) return `查询${subject}`;
  return `Show me the ${subject.charAt(0).toLowerCase()}${subject.slice(1)}`;
}

export interface TableRetrieval {
  tables: number;
  /** Share of tables whose DDL is among the five nearest `ddl` rows to the question from its comment. */
  hit_at_5: number | null;
  /** Tables whose DDL was not (the first ten). */
  misses: string[];
}

/** For each table, the question from its comment against the database's `ddl` rows. */
export async function tableRetrieval(
  probes: readonly { table: string; question: string }[],
  ddlRows: readonly StoredVectorRow[],
  embed: EmbedTexts,
  batchSize: number,
): Promise<TableRetrieval> {
  const vectors = await embedInBatches(
    embed,
    probes.map((p) => p.question),
    batchSize,
  );
  let hits = 0;
  const misses: string[] = [];
  probes.forEach((probe, i) => {
    const found = nearestRows(vectors[i] as number[], ddlRows, 5).some((row) => row.tables.some((t) => tableKey(t) === tableKey(probe.table)));
    if (found) hits += 1;
    else if (misses.length < NAMED_MISSES) misses.push(probe.table);
  });
  return { tables: probes.length, hit_at_5: share(hits, probes.length), misses };
}

export interface RecallResult {
  question: string;
  tables: string[];
  /** The tables of the k nearest rows, nearest first, each once. */
  retrieved: string[];
  missed: string[];
  recall: number;
}

/** Table recall@k of one question: the share of its tables named by the k nearest rows. */
export function tableRecall(question: string, tables: readonly string[], vector: readonly number[], rows: readonly StoredVectorRow[], k: number): RecallResult {
  const retrieved = [...new Set(nearestRows(vector, rows, k).flatMap((row) => row.tables))];
  const found = new Set(retrieved.map(tableKey));
  const missed = tables.filter((t) => !found.has(tableKey(t)));
  return { question, tables: [...tables], retrieved, missed, recall: tables.length === 0 ? 1 : (tables.length - missed.length) / tables.length };
}
