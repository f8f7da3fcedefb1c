import type { EmbeddingSettings } from '../config/settings.js';
import type { Embedder } from './embedder.js';
import { HashingEmbedder } from './hashing-embedder.js';

/** The configured embedder; the openai SDK is loaded only when it is the one. */
export async function createEmbedder(settings: EmbeddingSettings): Promise<Embedder> {
  if (settings.provider !== 'openai') return new HashingEmbedder(settings.dim);
  const { OpenAIEmbedder } = await import('./openai-embedder.js');
  return new OpenAIEmbedder(settings);
}
