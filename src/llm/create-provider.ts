import type { LlmSettings } from '../config/settings.js';
import { BuiltinProvider } from './builtin/builtin-provider.js';
import type { LlmProvider } from './llm-provider.js';

/**
 * A fresh provider per run, so its usage counters describe that run. The openai SDK is loaded
 * only when it is the provider (it costs ~50 ms of start-up to every process otherwise).
 */
export async function createLlmProvider(settings: LlmSettings): Promise<LlmProvider> {
  if (settings.provider !== 'openai') return new BuiltinProvider();
  const { OpenAIProvider } = await import('./openai/openai-provider.js');
  return new OpenAIProvider(settings);
}
