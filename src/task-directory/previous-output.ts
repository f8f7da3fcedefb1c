/**
 * The previous version of a file a run writes: in the task directory (a step run, or the CLI's
 * run, writes over it), else in the newest file backup, where a complete run through the API moved
 * it before starting. Read-only; never outside the task directory.
 */
import { isBackupName } from '../backup/backup-names.js';
import { promises as fs } from 'node:fs';
import type { TaskDirectory } from './task-dir.js';

export interface PreviousOutput {
  text: string;
  /** `.` for the task directory, else the backup's name. */
  from: string;
}

export async function readPreviousOutput(dir: TaskDirectory, name: string): Promise<PreviousOutput | undefined> {
  const current = await dir.readTextIfExists(name);
  if (current !== undefined) return { text: current, from: '.' };
  const backups = (await dir.list())
    .filter((e) => e.kind === 'directory' && isBackupName(e.name))
    .map((e) => e.name)
    .sort()
    .reverse();
  for (const backup of backups) {
    const real = await dir.confinedRealPath(dir.subPath(backup, name)).catch(() => undefined);
    if (real) return { text: await fs.readFile(real, 'utf8'), from: backup };
  }
  return undefined;
}
