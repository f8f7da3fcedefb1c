/**
 * `pairs_history.json`: the pair changes people made through the pairs API or CLI (newest last),
 * for undo. Read here for what it says about whose a pair is: a pair people added (ids `u…`) or
 * edited is theirs, and the pipeline never drops it (a re-generation carries it over; a failed
 * check marks it invalid instead of removing it).
 */
import type { StoredPair } from './pair-file.js';

export const HISTORY_FILE = 'pairs_history.json';

interface HistoryChange {
  action: string;
  pair_id: string;
  before?: StoredPair | null;
  after?: StoredPair | null;
}

/** Pair id → the question it had before people first edited its question or SQL. Unreadable history: none. */
export function editedPairs(historyText: string | undefined): Map<string, string> {
  const edited = new Map<string, string>();
  let changes: HistoryChange[] = [];
  try {
    changes = (JSON.parse(historyText ?? '{}') as { changes?: HistoryChange[] }).changes ?? [];
  } catch {
    return edited;
  }
  for (const c of Array.isArray(changes) ? changes : []) {
    if (c?.action === 'edit' && c.before && c.after && (c.before.question !== c.after.question || c.before.sql !== c.after.sql)) {
      if (!edited.has(c.pair_id)) edited.set(c.pair_id, c.before.question);
    }
  }
  return edited;
}

/** A pair people added (the pairs API gives those `u` ids). */
export const addedByPerson = (pairId: string | null | undefined): boolean => typeof pairId === 'string' && pairId.startsWith('u');
