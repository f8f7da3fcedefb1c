/**
 * The builtin embedder (`builtin-hashing-v2`): the weighted features of `text-features.ts` (split
 * identifiers, stems, fixed term weights, character trigrams, CJK bigrams) hashed into `dim`
 * buckets with a sign bit, L2-normalised. Deterministic and offline: a vector depends on its text
 * alone. Its vectors differ from `builtin-hashing-v1`'s, hence its own model id: the store refuses
 * to mix them (a load re-embeds with `--reembed`).
 */
import type { Embedder, EmbedderIdentity } from './embedder.js';
import { textFeatures } from './text-features.js';

export const BUILTIN_EMBEDDER_MODEL = 'builtin-hashing-v2';

/** 32-bit FNV-1a. */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i += 1) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

export class HashingEmbedder implements Embedder {
  readonly name = 'builtin-hashing';
  readonly identity: EmbedderIdentity;

  constructor(readonly dim: number) {
    this.identity = { provider: 'builtin', model: BUILTIN_EMBEDDER_MODEL, dimension: dim };
  }

  embedOne(text: string): number[] {
    const vector = new Float64Array(this.dim);
    textFeatures(text, (feature, weight) => {
      if (weight === 0) return;
      const hash = fnv1a(feature);
      // The bucket from the low bits, the sign from the top bit: independent enough for 2^31 > dim.
      const bucket = hash % this.dim;
      vector[bucket] = (vector[bucket] as number) + (hash & 0x80000000 ? -weight : weight);
    });
    let sumOfSquares = 0;
    for (const v of vector) sumOfSquares += v * v;
    const norm = Math.sqrt(sumOfSquares);
    return Array.from(vector, (v) => (norm === 0 ? 0 : v / norm));
  }

  async embed(texts: readonly string[]): Promise<number[][]> {
    return texts.map((t) => this.embedOne(t));
  }
}
