/**
 * The previous version of a file a run writes: in the task directory (a step run, or the CLI's
 * run, writes over it), else in the newest file backup when a complete run through the API moved
 * it there before starting. A backup made before a restore holds what the restore replaced, not
 * what came before the current files: it is not looked into. Read-only; never outside the task
 * directory.
 */
import { promises as fs } from 'node:fs';
import { isBackupName } from '../backup/backup-names.js';
import { readBackupRecord } from '../backup/backup-record.js';
import type { TaskDirectory } from './task-dir.js';

export interface PreviousOutput {
  text: string;
  /** `.` for the task directory, else the backup's name. */
  from: string;
}

/** The newest backup, when a complete run made it (its files are the previous run's): its name and real path. */
export async function previousRunBackup(dir: TaskDirectory): Promise<{ name: string; path: string } | undefined> {
  const newest = (await dir.list())
    .filter((e) => e.kind === 'directory' && isBackupName(e.name))
    .map((e) => e.name)
    .sort()
    .at(-1);
  if (!newest) return undefined;
  const backupDir = await dir.confinedRealPath(dir.subPath(newest)).catch(() => undefined);
  if (!backupDir || readBackupRecord(backupDir)?.trigger === 'restore') return undefined;
  return { name: newest, path: backupDir };
}

export async function readPreviousOutput(dir: TaskDirectory, name: string): Promise<PreviousOutput | undefined> {
  const current = await dir.readTextIfExists(name);
  if (current !== undefined) return { text: current, from: '.' };
  const backup = await previousRunBackup(dir);
  if (!backup) return undefined;
  const real = await dir.confinedRealPath(dir.subPath(backup.name, name)).catch(() => undefined);
  return real ? { text: await fs.readFile(real, 'utf8'), from: backup.name } : undefined;
}
