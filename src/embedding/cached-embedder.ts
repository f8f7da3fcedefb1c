/**
 * An embedder behind the cache: each text's vector is looked up by the embedder's identity
 * (provider, model, dimension, endpoint) and the text; only the texts not found are sent, in one
 * call to the wrapped embedder, and their vectors stored.
 */
import { cacheKey, type ContentCache } from '../cache/content-cache.js';
import type { Embedder, EmbedderIdentity } from './embedder.js';

/** A vector worth keeping: numbers, finite, not all zero (the load refuses the others and names them). */
const isVector = (v: unknown): v is number[] => Array.isArray(v) && v.every((x) => typeof x === 'number' && Number.isFinite(x)) && v.some((x) => x !== 0);

export class CachedEmbedder implements Embedder {
  readonly name: string;
  readonly dim: number;
  readonly identity: EmbedderIdentity;

  constructor(
    private readonly inner: Embedder,
    readonly cache: ContentCache,
    /** Told apart from the identity: one model name may be served differently by two endpoints. */
    private readonly endpoint: string | null,
  ) {
    this.name = inner.name;
    this.dim = inner.dim;
    this.identity = inner.identity;
  }

  async embed(texts: readonly string[], signal?: AbortSignal): Promise<number[][]> {
    const keys = texts.map((text) => cacheKey({ embedder: this.identity, endpoint: this.endpoint, text }));
    const vectors: (number[] | undefined)[] = [];
    const fits = (v: unknown): v is number[] => isVector(v) && v.length === this.dim;
    for (const key of keys) vectors.push(await this.cache.get(key, fits));
    const missing = vectors.flatMap((v, i) => (v === undefined ? [i] : []));
    if (missing.length > 0) {
      const fresh = await this.inner.embed(
        missing.map((i) => texts[i] as string),
        signal,
      );
      for (const [n, i] of missing.entries()) {
        const vector = fresh[n] as number[];
        vectors[i] = vector;
        if (fits(vector)) await this.cache.set(keys[i] as string, vector).catch(() => undefined);
      }
    }
    return vectors as number[][];
  }
}
