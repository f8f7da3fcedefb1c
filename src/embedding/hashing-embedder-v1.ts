/**
 * The first builtin embedder (`builtin-hashing-v1`), kept so a store loaded with it can still be
 * searched (`EMBEDDING_MODEL=builtin-hashing-v1`) and as the benchmark's baseline: feature hashing of words and character trigrams into `dim` buckets with a
 * sign bit, L2-normalised. Deterministic and offline; texts sharing words land near each other,
 * which is what retrieval of similar questions and tables needs.
 */
import type { Embedder, EmbedderIdentity } from './embedder.js';

/** 32-bit FNV-1a. */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i += 1) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

function features(text: string): string[] {
  const words = text.toLowerCase().match(/[\p{L}\p{N}_]+/gu) ?? [];
  const out: string[] = [];
  for (const word of words) {
    out.push(`w:${word}`);
    const padded = `^${word}$`;
    for (let i = 0; i + 3 <= padded.length; i += 1) out.push(`t:${padded.slice(i, i + 3)}`);
  }
  return out;
}

export class HashingEmbedderV1 implements Embedder {
  readonly name = 'builtin-hashing-v1';
  readonly identity: EmbedderIdentity;

  constructor(readonly dim: number) {
    this.identity = { provider: 'builtin', model: 'builtin-hashing-v1', dimension: dim };
  }

  embedOne(text: string): number[] {
    const vector = new Array<number>(this.dim).fill(0);
    for (const feature of features(text)) {
      const hash = fnv1a(feature);
      const weight = feature.startsWith('w:') ? 2 : 1;
      vector[hash % this.dim] = (vector[hash % this.dim] as number) + (hash & 0x80000000 ? -weight : weight);
    }
    const norm = Math.sqrt(vector.reduce((sum, v) => sum + v * v, 0));
    return norm === 0 ? vector : vector.map((v) => v / norm);
  }

  async embed(texts: readonly string[]): Promise<number[][]> {
    return texts.map((t) => this.embedOne(t));
  }
}
