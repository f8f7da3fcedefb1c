/**
 * The builtin embedder (`builtin-hashing-v2`): the weighted features of `text-features.ts` (split
 * identifiers, stems, fixed term weights, character trigrams, CJK bigrams) hashed into `dim`
 * buckets with a sign bit, L2-normalised. Deterministic and offline: a vector depends on its text
 * alone. Its vectors differ from `builtin-hashing-v1`'s, hence its own model id: the store refuses
 * to mix them (a load re-embeds with `--reembed`).
 */
import type { Embedder, EmbedderIdentity } from './embedder.js';
import { featureHashes } from './text-features.js';

export const BUILTIN_EMBEDDER_MODEL = 'builtin-hashing-v2';

export class HashingEmbedder implements Embedder {
  readonly name = BUILTIN_EMBEDDER_MODEL;
  readonly identity: EmbedderIdentity;

  constructor(readonly dim: number) {
    this.identity = { provider: 'builtin', model: BUILTIN_EMBEDDER_MODEL, dimension: dim };
  }

  embedOne(text: string): number[] {
    const vector = new Float64Array(this.dim);
    featureHashes(text, (hash, weight) => {
      if (weight === 0) return;
      // The bucket from the low bits, the sign from the top bit: independent enough for 2^31 > dim.
      const bucket = hash % this.dim;
      vector[bucket] = (vector[bucket] as number) + (hash & 0x80000000 ? -weight : weight);
    });
    let sumOfSquares = 0;
    for (let i = 0; i < this.dim; i += 1) sumOfSquares += (vector[i] as number) ** 2;
    const scale = sumOfSquares === 0 ? 0 : 1 / Math.sqrt(sumOfSquares);
    const out = new Array<number>(this.dim);
    for (let i = 0; i < this.dim; i += 1) out[i] = (vector[i] as number) * scale;
    return out;
  }

  async embed(texts: readonly string[]): Promise<number[][]> {
    return texts.map((t) => this.embedOne(t));
  }
}
