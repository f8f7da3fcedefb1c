/**
 * Atomic file writes: data goes to a temp file in the target's directory, then a rename puts it in
 * place, so a reader never sees half a file and a crash never leaves one.
 */
import { randomBytes } from 'node:crypto';
import { createWriteStream, promises as fs, type WriteStream } from 'node:fs';
import path from 'node:path';
import { finished } from 'node:stream/promises';

/** Temp names start with a dot and end in `.tmp`, so no step's file pattern matches them. */
export function tempPathFor(target: string): string {
  return path.join(path.dirname(target), `.${path.basename(target)}.${randomBytes(6).toString('hex')}.tmp`);
}

export async function writeFileAtomic(target: string, data: string | Uint8Array, options: { fsync?: boolean } = {}): Promise<void> {
  const temp = tempPathFor(target);
  try {
    const handle = await fs.open(temp, 'wx');
    try {
      await handle.writeFile(data);
      if (options.fsync) await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.rename(temp, target);
  } catch (error) {
    await fs.rm(temp, { force: true });
    throw error;
  }
}

export interface AtomicStream {
  stream: WriteStream;
  /** Where the data goes until `commit()`; after a `pipeline()` into `stream`, rename it yourself. */
  tempPath: string;
  /** Ends the stream and renames the temp file into place. */
  commit(): Promise<void>;
  /** Destroys the stream and removes the temp file. */
  abort(): Promise<void>;
}

export function openAtomicStream(target: string): AtomicStream {
  const temp = tempPathFor(target);
  const stream = createWriteStream(temp, { flags: 'wx' });
  return {
    stream,
    tempPath: temp,
    async commit() {
      stream.end();
      await finished(stream);
      await fs.rename(temp, target);
    },
    async abort() {
      stream.destroy();
      await fs.rm(temp, { force: true });
    },
  };
}
