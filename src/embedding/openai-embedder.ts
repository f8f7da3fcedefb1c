/** Embeddings from an OpenAI-compatible `/embeddings` endpoint, many inputs per request. */
import OpenAI from 'openai';
import type { EmbeddingSettings } from '../config/settings.js';
import { mapConcurrent } from '../util/concurrency.js';
import { redactSecrets, registerSecret } from '../util/redact.js';
import type { Embedder } from './embedder.js';

export class EmbeddingError extends Error {
  constructor(message: string) {
    super(redactSecrets(message));
    this.name = 'EmbeddingError';
  }
}

export class OpenAIEmbedder implements Embedder {
  readonly name: string;
  readonly dim: number;
  /** HTTP requests sent (batches, retries included), for reports and tests. */
  requests = 0;
  private readonly client: OpenAI;

  constructor(private readonly settings: EmbeddingSettings) {
    registerSecret(settings.apiKey);
    this.name = settings.model;
    this.dim = settings.dim;
    this.client = new OpenAI({
      baseURL: settings.baseURL,
      apiKey: settings.apiKey ?? 'no-key',
      timeout: 120_000,
      maxRetries: 3,
      fetch: async (input, init) => {
        this.requests += 1;
        return fetch(input, init);
      },
    });
  }

  async embed(texts: readonly string[], signal?: AbortSignal): Promise<number[][]> {
    const batches: string[][] = [];
    for (let i = 0; i < texts.length; i += this.settings.batchSize) batches.push(texts.slice(i, i + this.settings.batchSize));
    const results = await mapConcurrent(batches, 2, async (batch) => {
      let response;
      try {
        const requestSignal = signal ? AbortSignal.any([signal]) : undefined;
        response = await this.client.embeddings.create({ model: this.settings.model, input: batch }, { signal: requestSignal });
      } catch (error) {
        throw new EmbeddingError(`embedding request failed: ${error instanceof Error ? error.message : String(error)}`);
      }
      const vectors = [...response.data].sort((a, b) => a.index - b.index).map((d) => d.embedding);
      if (vectors.length !== batch.length) {
        throw new EmbeddingError(`the embedding endpoint returned ${vectors.length} vectors for ${batch.length} inputs`);
      }
      const wrong = vectors.find((v) => v.length !== this.dim);
      if (wrong) {
        throw new EmbeddingError(
          `EMBEDDING_DIM is ${this.dim} but model ${this.settings.model} returned ${wrong.length}-dimensional vectors; set EMBEDDING_DIM=${wrong.length}`,
        );
      }
      return vectors;
    });
    return results.flat();
  }
}
