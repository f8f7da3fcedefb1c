/**
 * The only module that turns names into paths under the data root. It validates task ids and file
 * names and confines every path, links resolved, to its task directory; it writes files atomically.
 */
import { constants as fsConstants, promises as fs, type Stats } from 'node:fs';
import path from 'node:path';
import { PathConfinementError } from '../errors.js';
export { assertTaskId, isTaskId, TASK_ID_PATTERN } from './task-id.js';
import { openAtomicStream, tempPathFor, writeFileAtomic, type AtomicStream } from '../util/atomic-file.js';

/**
 * A file name is a single path segment: no separators, no `..`, no control characters.
 * Names starting with a dot are ours (temp files) and refused too.
 */
export function assertFileName(name: string, field = 'file_name'): void {
  const reason =
    name.length === 0
      ? 'is empty'
      : name.length > 255
        ? 'is longer than 255 characters'
        : /[/\\]/.test(name)
          ? 'contains a path separator; give a plain file name'
          : name === '.' || name === '..' || name.startsWith('.')
            ? 'must not start with "."'
            : /[\u0000-\u001f\u007f]/.test(name)
              ? 'contains control characters'
              : undefined;
  if (reason) throw new PathConfinementError(field, name, reason);
}

function isInside(parent: string, child: string): boolean {
  const relative = path.relative(parent, child);
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
}

async function lstatOrUndefined(p: string): Promise<Stats | undefined> {
  try {
    return await fs.lstat(p);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

export interface DirectoryEntry {
  name: string;
  kind: 'file' | 'directory' | 'symlink' | 'other';
  size: number;
  modifiedAt: Date;
  createdAt: Date;
}

export class TaskDirectory {
  private constructor(
    /** Real path of the task directory (links resolved). */
    readonly path: string,
    readonly taskId: string,
  ) {}

  /**
   * Opens (and with `create`, creates) a task directory given by path, as the CLI does.
   * The directory itself may be reached through a link; everything inside is confined to it.
   */
  static async open(dir: string, options: { create?: boolean } = {}): Promise<TaskDirectory> {
    const absolute = path.resolve(dir);
    if (options.create) await fs.mkdir(absolute, { recursive: true });
    const real = await fs.realpath(absolute);
    const stat = await fs.stat(real);
    if (!stat.isDirectory()) throw new PathConfinementError('task_dir', dir, 'is not a directory');
    return new TaskDirectory(real, path.basename(absolute));
  }

  /** Path of a top-level file; refuses names that would leave the directory. */
  filePath(name: string): string {
    assertFileName(name);
    return path.join(this.path, name);
  }

  /** Path of a file in a direct subdirectory such as `vector_bak`. */
  subPath(subdir: string, name?: string): string {
    assertFileName(subdir, 'directory');
    if (name === undefined) return path.join(this.path, subdir);
    assertFileName(name);
    return path.join(this.path, subdir, name);
  }

  /**
   * Resolves links of an existing path and checks it is still inside the task directory.
   * Returns undefined when nothing exists there.
   */
  async confinedRealPath(p: string): Promise<string | undefined> {
    if (!isInside(this.path, p)) throw new PathConfinementError('path', p, 'is outside the task directory');
    let real: string;
    try {
      real = await fs.realpath(p);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        // A dangling link is refused rather than followed later.
        if (await lstatOrUndefined(p)) throw new PathConfinementError('path', path.basename(p), 'is a link to nothing');
        return undefined;
      }
      throw error;
    }
    if (!isInside(this.path, real)) {
      throw new PathConfinementError('path', path.basename(p), 'resolves outside the task directory');
    }
    return real;
  }

  async exists(name: string): Promise<boolean> {
    return (await this.confinedRealPath(this.filePath(name))) !== undefined;
  }

  async readText(name: string): Promise<string> {
    const real = await this.confinedRealPath(this.filePath(name));
    if (!real) throw Object.assign(new Error(`${name} does not exist in ${this.path}`), { code: 'ENOENT' });
    return fs.readFile(real, 'utf8');
  }

  async readTextIfExists(name: string): Promise<string | undefined> {
    const real = await this.confinedRealPath(this.filePath(name));
    return real ? fs.readFile(real, 'utf8') : undefined;
  }

  /** When a top-level file was last written, or undefined when it does not exist. */
  async modifiedAt(name: string): Promise<Date | undefined> {
    const real = await this.confinedRealPath(this.filePath(name));
    return real ? (await fs.stat(real)).mtime : undefined;
  }

  /** Writes a top-level file atomically (temp file in the same directory, then rename). */
  async writeFile(name: string, data: string | Uint8Array): Promise<void> {
    await this.writeAtomic(this.filePath(name), data);
  }

  /** Writes a file in a subdirectory atomically, creating the subdirectory. */
  async writeSubFile(subdir: string, name: string, data: string | Uint8Array): Promise<void> {
    await this.ensureSubdir(subdir);
    await this.writeAtomic(this.subPath(subdir, name), data);
  }

  async ensureSubdir(subdir: string): Promise<string> {
    const dir = this.subPath(subdir);
    const existing = await lstatOrUndefined(dir);
    if (existing && !existing.isDirectory()) {
      throw new PathConfinementError('directory', subdir, 'exists and is not a directory');
    }
    if (!existing) await fs.mkdir(dir);
    return dir;
  }

  private async writeAtomic(target: string, data: string | Uint8Array): Promise<void> {
    // Renaming over a symlink replaces the link itself, so a planted link cannot redirect a write.
    // The task directory's own real path was resolved at open; a subdirectory is resolved each time.
    const dir = path.dirname(target);
    const realDir = dir === this.path ? dir : await this.confinedRealPath(dir);
    if (!realDir) throw new PathConfinementError('path', dir, 'does not exist');
    await writeFileAtomic(path.join(realDir, path.basename(target)), data);
  }

  /** A streamed, atomic write of a file in a subdirectory (large exports). */
  async openSubFileStream(subdir: string, name: string): Promise<AtomicStream> {
    await this.ensureSubdir(subdir);
    return openAtomicStream(this.subPath(subdir, name));
  }

  /** Copies a top-level file to another top-level name, atomically, without following links outside. */
  async copyFile(from: string, to: string): Promise<void> {
    const source = await this.confinedRealPath(this.filePath(from));
    if (!source) throw Object.assign(new Error(`${from} does not exist`), { code: 'ENOENT' });
    const temp = tempPathFor(this.filePath(to));
    try {
      await fs.copyFile(source, temp, fsConstants.COPYFILE_EXCL);
      await fs.rename(temp, this.filePath(to));
    } catch (error) {
      await fs.rm(temp, { force: true });
      throw error;
    }
  }

  /** Removes a top-level file (a link itself, never what it points to); nothing when it is not there. */
  async removeFile(name: string): Promise<void> {
    const target = this.filePath(name);
    const stat = await lstatOrUndefined(target);
    if (!stat) return;
    if (stat.isDirectory()) throw new PathConfinementError('file_name', name, 'is a directory');
    await fs.rm(target, { force: true });
  }

  /** Top-level entries (not following links), temp files excluded. */
  async list(): Promise<DirectoryEntry[]> {
    const names = await fs.readdir(this.path);
    const entries: DirectoryEntry[] = [];
    for (const name of names) {
      if (name.startsWith('.')) continue;
      const stat = await lstatOrUndefined(path.join(this.path, name));
      if (!stat) continue;
      entries.push({
        name,
        kind: stat.isSymbolicLink() ? 'symlink' : stat.isDirectory() ? 'directory' : stat.isFile() ? 'file' : 'other',
        size: stat.size,
        modifiedAt: stat.mtime,
        createdAt: stat.birthtime,
      });
    }
    return entries.sort((a, b) => a.name.localeCompare(b.name));
  }

  /** Names of top-level regular files matching `predicate`, sorted. */
  async fileNames(predicate: (name: string) => boolean = () => true): Promise<string[]> {
    return (await this.list()).filter((e) => e.kind === 'file' && predicate(e.name)).map((e) => e.name);
  }

  /** Appends to a top-level file (logs); refuses a link. */
  async appendFile(name: string, data: string): Promise<void> {
    const target = this.filePath(name);
    const stat = await lstatOrUndefined(target);
    if (stat?.isSymbolicLink()) throw new PathConfinementError('file_name', name, 'is a link; refusing to append');
    await fs.appendFile(target, data, 'utf8');
  }
}
