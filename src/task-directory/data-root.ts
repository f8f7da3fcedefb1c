/**
 * The data root (`DP_TRAINING_DATA_DIR`): one directory per task. Task ids are validated, task
 * directories must be real directories inside the root (a link planted in their place is refused),
 * and deletion never follows a link or leaves the root.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { assertTaskId, isTaskId, TaskDirectory } from './task-dir.js';
import { PathConfinementError } from '../errors.js';

export interface DirectoryStats {
  files: number;
  bytes: number;
}

function isInside(parent: string, child: string): boolean {
  const relative = path.relative(parent, child);
  return relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative);
}

export class DataRoot {
  private constructor(readonly path: string) {}

  static async open(dir: string): Promise<DataRoot> {
    await fs.mkdir(dir, { recursive: true });
    return new DataRoot(await fs.realpath(dir));
  }

  private taskPath(taskId: string): string {
    assertTaskId(taskId);
    return path.join(this.path, taskId);
  }

  /** The task directory; `create` makes it (only it) when missing. Refuses links and non-directories. */
  async taskDir(taskId: string, options: { create?: boolean } = {}): Promise<TaskDirectory> {
    const dir = this.taskPath(taskId);
    const stat = await fs.lstat(dir).catch(() => undefined);
    if (!stat) {
      if (!options.create) throw Object.assign(new Error(`the directory of task ${taskId} does not exist`), { code: 'ENOENT' });
      await fs.mkdir(dir);
    } else if (!stat.isDirectory()) {
      throw new PathConfinementError('task_id', taskId, 'is not a directory under the data root (a link or a file is in its place)');
    }
    return TaskDirectory.open(dir);
  }

  /** Ids of the task directories present (real directories with a valid task id). */
  async taskIds(): Promise<string[]> {
    const entries = await fs.readdir(this.path, { withFileTypes: true });
    return entries.filter((e) => e.isDirectory() && isTaskId(e.name)).map((e) => e.name);
  }

  async exists(taskId: string): Promise<boolean> {
    const stat = await fs.lstat(this.taskPath(taskId)).catch(() => undefined);
    return Boolean(stat?.isDirectory());
  }

  /** Files and bytes below a task directory, links counted as entries and never followed. */
  async stats(taskId: string): Promise<DirectoryStats> {
    const walk = async (dir: string): Promise<DirectoryStats> => {
      const total = { files: 0, bytes: 0 };
      for (const entry of await fs.readdir(dir, { withFileTypes: true })) {
        const full = path.join(dir, entry.name);
        if (entry.isDirectory()) {
          const inner = await walk(full);
          total.files += inner.files;
          total.bytes += inner.bytes;
        } else {
          total.files += 1;
          total.bytes += (await fs.lstat(full)).size;
        }
      }
      return total;
    };
    return (await this.exists(taskId)) ? walk(this.taskPath(taskId)) : { files: 0, bytes: 0 };
  }

  /** Removes a task directory (a real directory inside the root; links inside are removed, not followed). */
  async deleteTaskDir(taskId: string): Promise<DirectoryStats & { deleted: boolean }> {
    const dir = this.taskPath(taskId);
    const stat = await fs.lstat(dir).catch(() => undefined);
    if (!stat) return { deleted: false, files: 0, bytes: 0 };
    if (!stat.isDirectory() || !isInside(this.path, dir)) {
      throw new PathConfinementError('task_id', taskId, 'is not a directory under the data root; nothing was deleted');
    }
    const counted = await this.stats(taskId);
    await fs.rm(dir, { recursive: true, force: false });
    return { deleted: true, ...counted };
  }

  /** A server-side path given by a client, accepted only when it resolves (links included) inside the root. */
  async resolveInside(field: string, given: string): Promise<string> {
    const absolute = path.resolve(this.path, given);
    // Outside as written: refused whether or not it exists (nothing about the outside is revealed).
    // The message names no server path: clients give paths relative to the data root.
    if (!isInside(this.path, absolute)) throw new PathConfinementError(field, given, 'is outside the data root');
    const real = await fs.realpath(absolute).catch(() => undefined);
    if (!real) throw new PathConfinementError(field, given, 'does not exist');
    if (!isInside(this.path, real)) throw new PathConfinementError(field, given, 'is outside the data root');
    return real;
  }
}
