import type { EmbeddingSettings } from '../config/settings.js';
import type { Embedder } from './embedder.js';
import { HashingEmbedder } from './hashing-embedder.js';
import { OpenAIEmbedder } from './openai-embedder.js';

export function createEmbedder(settings: EmbeddingSettings): Embedder {
  return settings.provider === 'openai' ? new OpenAIEmbedder(settings) : new HashingEmbedder(settings.dim);
}
