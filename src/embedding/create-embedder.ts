import type { EmbeddingSettings } from '../config/settings.js';
import type { Embedder } from './embedder.js';
import { HashingEmbedder } from './hashing-embedder.js';
import { HashingEmbedderV1 } from './hashing-embedder-v1.js';

/**
 * The configured embedder; the openai SDK is loaded only when it is the one. The builtin one is
 * `builtin-hashing-v2`, unless `EMBEDDING_MODEL=builtin-hashing-v1` keeps the earlier one (a store
 * loaded with it stays searchable without re-embedding).
 */
export async function createEmbedder(settings: EmbeddingSettings): Promise<Embedder> {
  if (settings.provider !== 'openai') return settings.model === 'builtin-hashing-v1' ? new HashingEmbedderV1(settings.dim) : new HashingEmbedder(settings.dim);
  const { OpenAIEmbedder } = await import('./openai-embedder.js');
  return new OpenAIEmbedder(settings);
}
