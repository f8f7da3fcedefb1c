/**
 * The pair file (`qs_<db>_<ts>_pair.json`) as reviewers edit it: a JSON array of
 * `{"question", "sql"}` objects (the reference's format, which its tools read) that may also carry
 * `id` (stable across edits and repairs), `review` (`approved` | `rejected`), `theme` and the last
 * one-pair `validation`. A pair without an `id` is known by a hash of its text until the file is
 * next written, when every pair gets its id written down, so ids never change under an edit.
 */
import { createHash } from 'node:crypto';

export type ReviewState = 'approved' | 'rejected';

export interface StoredPair {
  id: string;
  question: string;
  sql: string;
  review?: ReviewState;
  theme?: string;
  /** The last one-pair check (`POST …/pairs/{id}/validate`), of this SQL. */
  validation?: { status: 'valid' | 'invalid'; error: string | null; checked_at: string };
  [field: string]: unknown;
}

export class PairFileError extends Error {}

/** The id a pair without one is known by: from its text, so it is the same on every read. */
export function derivedPairId(question: string, sql: string): string {
  return `q${createHash('sha256').update(`${question}\n${sql}`).digest('hex').slice(0, 12)}`;
}

/** The file's pairs with their ids (written or derived; a repeat gets `-2`, `-3`…). Entries that are not pairs are refused. */
export function parsePairFile(text: string, file: string): StoredPair[] {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new PairFileError(`${file} is not valid JSON: ${(error as Error).message}`);
  }
  if (!Array.isArray(data)) throw new PairFileError(`${file} must hold a JSON array of {"question", "sql"} objects`);
  data.forEach((entry, index) => {
    const pair = entry as Record<string, unknown> | null;
    if (!pair || typeof pair.question !== 'string' || typeof pair.sql !== 'string') {
      throw new PairFileError(`${file}: entry ${index + 1} lacks a "question" or "sql" string`);
    }
  });
  return withPairIds(data as { question: string; sql: string }[]);
}

/** The pairs with their ids: written, or derived from their text (a repeat gets `-2`, `-3`…). */
export function withPairIds(pairs: readonly { question: string; sql: string; id?: unknown }[]): StoredPair[] {
  const seen = new Set<string>();
  return pairs.map((pair) => {
    let id = typeof pair.id === 'string' && pair.id ? pair.id : derivedPairId(pair.question, pair.sql);
    for (let n = 2; seen.has(id); n += 1) id = `${id.replace(/-\d+$/, '')}-${n}`;
    seen.add(id);
    return { ...pair, id } as StoredPair;
  });
}

/** The file's text, every pair with its id written down. */
export function renderPairFile(pairs: readonly StoredPair[]): string {
  return `${JSON.stringify(pairs, null, 2)}\n`;
}
