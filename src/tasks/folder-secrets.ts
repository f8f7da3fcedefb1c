/**
 * Masks the database passwords a task folder holds in clear: the existing service wrote its
 * connection string, password included, into `task_config.json`, its result files, its validation
 * reports (`metadata.database_connection`) and its logs, file backups (`file_bak_*`) hold copies of
 * them, and people keep notes beside them. Every text file of the folder and of its
 * subdirectories (one level: backups, `vector_bak/`) is looked at. A folder is cleaned once, when it becomes a
 * task of ours (adoption, import), so nothing we serve from it afterwards (downloads, logs, backup
 * listings and diffs) can carry a password. Each file is rewritten atomically, only when it changes.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { TaskDirectory } from '../task-directory/task-dir.js';
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

/**
 * Masks connection strings' passwords (structurally) and the given `secrets` (by value: the
 * folder's own connection's password) in the files that may hold them, at the top of the folder
 * and in its file backups. Returns the rewritten files, relative to the folder.
 */
export async function maskFolderSecrets(dir: TaskDirectory, secrets: readonly string[]): Promise<string[]> {
  const mask = secretMasker(secrets);
  const rewritten: string[] = [];
  const clean = async (file: string, relative: string, write: (text: string) => Promise<void>) => {
    const real = await dir.confinedRealPath(file);
    if (!real) return;
    const text = await fs.readFile(real, 'utf8');
    const after = masked(path.basename(file), text, mask);
    if (after === text) return;
    await write(after);
    rewritten.push(relative);
  };
  for (const entry of await dir.list()) {
    if (entry.kind === 'file' && mayHoldSecrets(entry.name, entry.size)) {
      await clean(dir.filePath(entry.name), entry.name, (text) => dir.writeFile(entry.name, text));
    } else if (entry.kind === 'directory') {
      // Links inside are never followed (lstat), like the folder's own.
      for (const inner of await fs.readdir(dir.subPath(entry.name), { withFileTypes: true })) {
        if (!inner.isFile() || inner.name.startsWith('.')) continue;
        const { size } = await fs.lstat(dir.subPath(entry.name, inner.name));
        if (!mayHoldSecrets(inner.name, size)) continue;
        await clean(dir.subPath(entry.name, inner.name), `${entry.name}/${inner.name}`, (text) => dir.writeSubFile(entry.name, inner.name, text));
      }
    }
  }
  return rewritten;
}
