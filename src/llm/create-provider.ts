import type { LlmSettings } from '../config/settings.js';
import { BuiltinProvider } from './builtin/builtin-provider.js';
import type { LlmProvider } from './llm-provider.js';
import { OpenAIProvider } from './openai/openai-provider.js';

/** A fresh provider per run, so its usage counters describe that run. */
export function createLlmProvider(settings: LlmSettings): LlmProvider {
  return settings.provider === 'openai' ? new OpenAIProvider(settings) : new BuiltinProvider();
}
