/**
 * A content-addressed cache on disk: one JSON file per entry, named by the SHA-256 of what the
 * answer depends on, written atomically so several processes of one data root can share it. A
 * file that does not parse or names another key is a miss (and is rewritten by the next set), never
 * an error. The least recently used entries go when the cache grows past its cap.
 */
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../util/atomic-file.js';

/** JSON with object keys sorted, so equal material always hashes alike. */
export function canonical(value: unknown): string {
  return canonicalValue(value) ?? 'null';
}

/**
 * JSON.stringify's text of `value` with object keys sorted (undefined where it would omit the value),
 * written in one pass: a replacer that rebuilt every object sorted made the keys of large materials
 * (a table's facts and samples) a third of ddl_generation's time.
 */
/** An array-index-like key, which JavaScript objects hold first, in numeric order. */
const INDEX_KEY = /^(0|[1-9]\d*)$/;
const isIndexKey = (key: string) => INDEX_KEY.test(key) && Number(key) < 4_294_967_295;

/**
 * Keys sorted as the earlier form wrote them (an object rebuilt from sorted entries): index-like keys
 * first, by number, then the others in sorted order. The same text keeps the cache's keys.
 */
function sortedKeys(value: object): string[] {
  const keys = Object.keys(value).sort();
  const indexes = keys.filter(isIndexKey).sort((a, b) => Number(a) - Number(b));
  return indexes.length === 0 ? keys : [...indexes, ...keys.filter((k) => !isIndexKey(k))];
}

function canonicalValue(value: unknown): string | undefined {
  if (value !== null && typeof value === 'object' && typeof (value as { toJSON?: unknown }).toJSON === 'function') {
    return canonicalValue((value as { toJSON: () => unknown }).toJSON());
  }
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map((v) => canonicalValue(v) ?? 'null').join(',')}]`;
  const parts: string[] = [];
  for (const key of sortedKeys(value)) {
    const text = canonicalValue((value as Record<string, unknown>)[key]);
    if (text !== undefined) parts.push(`${JSON.stringify(key)}:${text}`);
  }
  return `{${parts.join(',')}}`;
}

export function cacheKey(material: unknown): string {
  return createHash('sha256').update(canonical(material)).digest('hex');
}

interface Entry {
  key: string;
  created_at: string;
  value: unknown;
}

export interface CacheCounts {
  hits: number;
  misses: number;
  /** Entries found unreadable (ignored, then rewritten). */
  corrupt: number;
  /** Answers that could not be stored (the directory is not writable, the disk is full). */
  write_errors: number;
}

export class ContentCache {
  readonly counts: CacheCounts = { hits: 0, misses: 0, corrupt: 0, write_errors: 0 };
  /** Why the last store failed, for the run's warning. */
  lastWriteError: string | undefined;
  /** Bytes on disk, known after the first eviction check; undefined until then. */
  private bytes: number | undefined;
  private evicting: Promise<void> | undefined;

  constructor(
    readonly dir: string,
    private readonly maxBytes: number,
  ) {}

  private fileOf(key: string): string {
    return path.join(this.dir, key.slice(0, 2), `${key}.json`);
  }

  /** The value stored under `key`, or undefined (counted as a miss). */
  async get<T>(key: string, isValue: (value: unknown) => value is T): Promise<T | undefined> {
    const file = this.fileOf(key);
    let text: string;
    try {
      text = await fs.readFile(file, 'utf8');
    } catch {
      this.counts.misses += 1;
      return undefined;
    }
    try {
      const entry = JSON.parse(text) as Entry;
      if (entry.key !== key || !isValue(entry.value)) throw new Error('not this entry');
      this.counts.hits += 1;
      // Recently used: the eviction goes by modification time.
      const now = new Date();
      void fs.utimes(file, now, now).catch(() => undefined);
      return entry.value;
    } catch {
      this.counts.corrupt += 1;
      this.counts.misses += 1;
      return undefined;
    }
  }

  /** Stores an answer; a failure is counted (and told by the run), never thrown: it costs a call later, not this run. */
  async set(key: string, value: unknown): Promise<void> {
    const entry: Entry = { key, created_at: new Date().toISOString(), value };
    const text = JSON.stringify(entry);
    const file = this.fileOf(key);
    try {
      await fs.mkdir(path.dirname(file), { recursive: true });
      await writeFileAtomic(file, text);
    } catch (error) {
      this.counts.write_errors += 1;
      this.lastWriteError = (error as Error).message;
      return;
    }
    if (this.bytes !== undefined) this.bytes += Buffer.byteLength(text);
    if (this.bytes === undefined || this.bytes > this.maxBytes) {
      this.evicting ??= this.evict().finally(() => {
        this.evicting = undefined;
      });
      await this.evicting;
    }
  }

  /** Measures the cache and, past the cap, deletes the least recently used entries down to 80% of it. */
  private async evict(): Promise<void> {
    const entries: { file: string; size: number; used: number }[] = [];
    for (const shard of await fs.readdir(this.dir).catch(() => [] as string[])) {
      const shardDir = path.join(this.dir, shard);
      for (const name of await fs.readdir(shardDir).catch(() => [] as string[])) {
        if (!name.endsWith('.json')) continue;
        const stat = await fs.stat(path.join(shardDir, name)).catch(() => undefined);
        if (stat?.isFile()) entries.push({ file: path.join(shardDir, name), size: stat.size, used: stat.mtimeMs });
      }
    }
    let total = entries.reduce((sum, e) => sum + e.size, 0);
    if (total > this.maxBytes) {
      entries.sort((a, b) => a.used - b.used);
      for (const entry of entries) {
        if (total <= this.maxBytes * 0.8) break;
        await fs.rm(entry.file, { force: true });
        total -= entry.size;
      }
    }
    this.bytes = total;
  }
}
