/**
 * The embedding port: texts in, vectors out, in input order, `dim` wide when the backend behaves.
 * Remote backends return what they were sent; `unusableVectors` (vector/vector-store.ts) checks them.
 */
export interface Embedder {
  readonly name: string;
  readonly dim: number;
  /** Embeds many texts; implementations batch requests. */
  embed(texts: readonly string[], signal?: AbortSignal): Promise<number[][]>;
}
