/**
 * Masks the database passwords a task folder holds in clear: the existing service wrote its
 * connection string, password included, into `task_config.json`, its result files, its validation
 * reports (`metadata.database_connection`) and its logs, file backups (`file_bak_*`) hold copies of
 * them, and people keep notes beside them. Every text file of the folder and of its
 * subdirectories (backups, `vector_bak/`, any other) is looked at. A folder is cleaned once, when it becomes a
 * task of ours (adoption, import), so nothing we serve from it afterwards (downloads, logs, backup
 * listings and diffs) can carry a password. Each file is rewritten atomically, only when it changes.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { TaskDirectory } from '../task-directory/task-dir.js';
import { writeFileAtomic } from '../util/atomic-file.js';
import { secretMasker } from '../util/redact.js';

/** Text files a connection string may have been written into (vector CSVs hold only training documents). */
const TEXT_FILE = /\.(json|log|txt|md|sql|ddl)$/i;
/** Larger files are no configs, reports or logs of a task: not read whole into memory. */
const MAX_CLEANED_BYTES = 64 * 1024 * 1024;

function mayHoldSecrets(name: string, size: number): boolean {
  return TEXT_FILE.test(name) && size <= MAX_CLEANED_BYTES;
}

/** Masks every string of a JSON document (parsed, so a mask never breaks its syntax). */
export function maskJson(value: unknown, mask: (text: string) => string): unknown {
  if (typeof value === 'string') return mask(value);
  if (Array.isArray(value)) return value.map((v) => maskJson(v, mask));
  if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, maskJson(v, mask)]));
  return value;
}

function masked(name: string, text: string, mask: (text: string) => string): string {
  if (name.endsWith('.json')) {
    try {
      const before: unknown = JSON.parse(text.replace(/^\uFEFF/, ''));
      const after = maskJson(before, mask);
      return JSON.stringify(after) === JSON.stringify(before) ? text : `${JSON.stringify(after, null, 2)}\n`;
    } catch {
      // Not JSON after all: masked as text.
    }
  }
  return mask(text);
}

/** How deep below the folder files are looked at (a task folder is shallow; a link is never followed). */
const MAX_DEPTH = 8;

/**
 * Masks connection strings' passwords (structurally) and the given `secrets` (by value: the
 * folder's own connection's password, unless it is a word: util/redact.ts) in every text file of
 * the folder and of its subdirectories, however deep (links are not followed, hidden entries are
 * skipped). Returns the rewritten files, relative to the folder.
 */
export async function maskFolderSecrets(dir: TaskDirectory, secrets: readonly string[]): Promise<string[]> {
  const mask = secretMasker(secrets);
  const rewritten: string[] = [];
  const walk = async (absolute: string, relative: string, depth: number): Promise<void> => {
    for (const entry of await fs.readdir(absolute, { withFileTypes: true })) {
      if (entry.name.startsWith('.')) continue;
      const file = path.join(absolute, entry.name);
      const name = relative ? `${relative}/${entry.name}` : entry.name;
      if (entry.isDirectory()) {
        if (depth < MAX_DEPTH) await walk(file, name, depth + 1);
        continue;
      }
      // A link is neither a file nor a directory to readdir: never followed.
      if (!entry.isFile() || !mayHoldSecrets(entry.name, (await fs.lstat(file)).size)) continue;
      const real = await dir.confinedRealPath(file);
      if (!real) continue;
      const text = await fs.readFile(real, 'utf8');
      const after = masked(entry.name, text, mask);
      if (after === text) continue;
      await writeFileAtomic(real, after);
      rewritten.push(name);
    }
  };
  await walk(dir.path, '', 0);
  return rewritten;
}
