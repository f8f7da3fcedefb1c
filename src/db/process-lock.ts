/**
 * A lock file that names its owner (host and process id), so a process that died holding it is
 * recognised at once instead of after a staleness timeout: the embedded store is reopened right
 * after a crash.
 */
import { readFileSync, rmSync } from 'node:fs';
import { promises as fs } from 'node:fs';
import os from 'node:os';

interface LockOwner {
  pid: number;
  host: string;
  since: string;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readOwner(file: string): LockOwner | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as LockOwner;
  } catch {
    return undefined;
  }
}

export class LockHeldError extends Error {
  constructor(
    readonly file: string,
    readonly owner: LockOwner | undefined,
  ) {
    super(`${file} is held by process ${owner?.pid ?? '?'} on ${owner?.host ?? '?'} since ${owner?.since ?? '?'}`);
    this.name = 'LockHeldError';
  }
}

/** Takes the lock or throws LockHeldError; returns the release function (also run at exit). */
export async function acquireProcessLock(file: string): Promise<() => Promise<void>> {
  const me: LockOwner = { pid: process.pid, host: os.hostname(), since: new Date().toISOString() };
  for (let attempt = 0; attempt < 2; attempt += 1) {
    try {
      await fs.writeFile(file, JSON.stringify(me), { flag: 'wx' });
      const onExit = () => rmSync(file, { force: true });
      process.once('exit', onExit);
      return async () => {
        process.off('exit', onExit);
        await fs.rm(file, { force: true });
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const owner = readOwner(file);
      const stale = owner && owner.host === me.host && !alive(owner.pid);
      if (!stale || attempt > 0) throw new LockHeldError(file, owner);
      // The owner died without releasing: take the lock over.
      await fs.rm(file, { force: true });
    }
  }
  throw new LockHeldError(file, readOwner(file));
}
