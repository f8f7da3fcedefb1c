/** The embedding port: texts in, vectors of a fixed dimension out, in input order. */
export interface Embedder {
  readonly name: string;
  readonly dim: number;
  /** Embeds many texts; implementations batch requests. */
  embed(texts: readonly string[], signal?: AbortSignal): Promise<number[][]>;
}
