/**
 * What people did to the pairs survives a re-generation: a complete run writes a new pair file from
 * the generator, then this carries over from the previous one (in the task directory, or the
 * newest backup a complete run through the API moved it to) the pairs people added or edited (as
 * they left them, in place of a generated pair with the same question) and the reviews (a rejected
 * question stays rejected; an approval stays on the same question and SQL).
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { TaskDirectory } from '../task-directory/task-dir.js';
import { isPairFile, newestPairFile } from '../task-directory/task-files.js';
import { previousRunBackup, readPreviousOutput } from '../task-directory/previous-output.js';
import { parsePairFile, type StoredPair } from './pair-file.js';
import { addedByPerson, editedPairs, HISTORY_FILE } from './pair-history.js';
const key = (question: string) => question.trim().toLowerCase();

/** The newest pair file before this run's, with its text (the same places as readPreviousOutput looks in). */
async function previousPairFile(dir: TaskDirectory): Promise<{ name: string; text: string } | undefined> {
  const here = await newestPairFile(dir);
  if (here) return { name: here, text: await dir.readText(here) };
  const backup = await previousRunBackup(dir);
  if (!backup) return undefined;
  const name = (await readdir(backup.path)).filter(isPairFile).sort().at(-1);
  return name ? { name: `${backup.name}/${name}`, text: await readFile(path.join(backup.path, name), 'utf8') } : undefined;
}

export interface CarriedReviews {
  pairs: { question: string; sql: string; [field: string]: unknown }[];
  from: string | null;
  reviews: number;
  curated: number;
}

export async function carryReviews(dir: TaskDirectory, generated: readonly { question: string; sql: string }[]): Promise<CarriedReviews> {
  const previous = await previousPairFile(dir);
  if (!previous) return { pairs: [...generated], from: null, reviews: 0, curated: 0 };
  let old: StoredPair[];
  try {
    old = parsePairFile(previous.text, previous.name);
  } catch {
    return { pairs: [...generated], from: null, reviews: 0, curated: 0 };
  }
  // Pairs people edited: their history says so (the original question is how the generator knew them).
  const edited = editedPairs((await readPreviousOutput(dir, HISTORY_FILE))?.text);
  const result: CarriedReviews['pairs'] = generated.map((p) => ({ ...p }));
  const byQuestion = new Map(result.map((p, i) => [key(p.question), i]));
  let reviews = 0;
  let curated = 0;
  for (const pair of old) {
    const editedFrom = edited.get(pair.id);
    if (addedByPerson(pair.id) || editedFrom !== undefined) {
      // Kept as people left it, where the generator's version of it was (or at the end).
      const at = byQuestion.get(key(editedFrom ?? pair.question)) ?? byQuestion.get(key(pair.question));
      if (at !== undefined) result[at] = { ...pair };
      else result.push({ ...pair });
      curated += 1;
      continue;
    }
    if (!pair.review) continue;
    const at = byQuestion.get(key(pair.question));
    const target = at === undefined ? undefined : result[at];
    if (!target) continue;
    if (pair.review === 'rejected' || target.sql.trim() === pair.sql.trim()) {
      target.review = pair.review;
      reviews += 1;
    }
  }
  return { pairs: result, from: previous.name, reviews, curated };
}
