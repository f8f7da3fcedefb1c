/**
 * The embedding port: texts in, vectors out, in input order, `dim` wide when the backend behaves.
 * Remote backends return what they were sent; `unusableVectors` (vector/vector-store.ts) checks them.
 */
/** Which embedder made a vector: vectors of different embedders cannot be compared. */
export interface EmbedderIdentity {
  provider: 'builtin' | 'openai';
  model: string;
  dimension: number;
}

/** Whether two identities are one embedder: only then are their vectors comparable. */
export const sameEmbedder = (a: EmbedderIdentity, b: EmbedderIdentity): boolean =>
  a.provider === b.provider && a.model === b.model && a.dimension === b.dimension;

export interface Embedder {
  readonly name: string;
  readonly dim: number;
  readonly identity: EmbedderIdentity;
  /** Embeds many texts; implementations batch requests. */
  embed(texts: readonly string[], signal?: AbortSignal): Promise<number[][]>;
}
