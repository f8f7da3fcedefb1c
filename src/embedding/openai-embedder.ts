/**
 * Embeddings from an OpenAI-compatible `/embeddings` endpoint, many inputs per request.
 *
 * The SDK asks for base64 unless told otherwise and then decodes every embedding as base64, so a
 * server answering plain float arrays anyway (vLLM, Ollama, llama.cpp, older proxies) turned 1,024
 * floats into 256 zeros. We ask for floats and decode what comes back ourselves, either way.
 * The vectors are returned as the endpoint sent them; the vector store refuses unusable ones
 * (dimension, zero or non-finite) naming the document, before writing anything.
 */
import OpenAI from 'openai';
import type { EmbeddingSettings } from '../config/settings.js';
import { mapConcurrent } from '../util/concurrency.js';
import { redactSecrets } from '../util/redact.js';
import type { Embedder, EmbedderIdentity } from './embedder.js';

/** An embedding request or reply that cannot be used; the message is masked (connection strings, the client's own API key in `secrets`). */
export class EmbeddingError extends Error {
  constructor(message: string, secrets: readonly (string | undefined)[] = []) {
    super(redactSecrets(message, secrets));
    this.name = 'EmbeddingError';
  }
}

/**
 * One embedding as the endpoint sent it: an array of numbers, or base64 of little-endian float32.
 * A non-number in an array becomes NaN, which the store's check then names.
 */
export function decodeEmbedding(raw: unknown, position: number): number[] {
  if (Array.isArray(raw)) return raw.map((v: unknown) => (typeof v === 'number' ? v : Number.NaN));
  if (typeof raw === 'string') {
    const bytes = Buffer.from(raw, 'base64');
    if (bytes.length % 4 !== 0) {
      throw new EmbeddingError(`embedding ${position} of the reply is base64 of ${bytes.length} bytes, not a whole number of float32 values`);
    }
    // readFloatLE, not a Float32Array view: the decoded buffer need not be 4-byte aligned.
    return Array.from({ length: bytes.length / 4 }, (_, i) => bytes.readFloatLE(i * 4));
  }
  throw new EmbeddingError(`embedding ${position} of the reply is neither an array of numbers nor base64 text (got ${raw === null ? 'null' : typeof raw})`);
}

export class OpenAIEmbedder implements Embedder {
  readonly name: string;
  readonly dim: number;
  readonly identity: EmbedderIdentity;
  /** HTTP requests sent (batches, retries included), for reports and tests. */
  requests = 0;
  private readonly client: OpenAI;

  constructor(private readonly settings: EmbeddingSettings) {
    this.name = settings.model;
    this.dim = settings.dim;
    this.identity = { provider: 'openai', model: settings.model, dimension: settings.dim };
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
      let response: Awaited<ReturnType<OpenAI['embeddings']['create']>>;
      try {
        const requestSignal = signal ? AbortSignal.any([signal]) : undefined;
        // Explicit, so the SDK passes the reply through instead of base64-decoding float arrays.
        response = await this.client.embeddings.create({ model: this.settings.model, input: batch, encoding_format: 'float' }, { signal: requestSignal });
      } catch (error) {
        throw new EmbeddingError(`embedding request failed: ${error instanceof Error ? error.message : String(error)}`, [this.settings.apiKey]);
      }
      const data: { index?: unknown; embedding?: unknown }[] = Array.isArray(response.data) ? response.data : [];
      const ordered = data
        .map((d, position) => ({ index: typeof d.index === 'number' ? d.index : position, embedding: d.embedding }))
        .sort((a, b) => a.index - b.index);
      if (ordered.length !== batch.length) {
        throw new EmbeddingError(`the embedding endpoint returned ${ordered.length} vectors for ${batch.length} inputs`);
      }
      const vectors = ordered.map((d, position) => decodeEmbedding(d.embedding, position));
      return vectors;
    });
    return results.flat();
  }
}
