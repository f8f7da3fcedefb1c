/**
 * Chat completions through the official `openai` SDK against any OpenAI-compatible endpoint:
 * JSON mode where the endpoint accepts it, `<think>` blocks stripped, replies validated against a
 * schema and re-asked once, retries with exponential backoff (the SDK's, on 429, 5xx and network
 * errors), a timeout, a process-wide concurrency limit, and tokens counted.
 */
import OpenAI from 'openai';
import type { z } from 'zod';
import type { LlmSettings } from '../../config/settings.js';
import { sharedLimiter } from '../../util/concurrency.js';
import { redactSecrets } from '../../util/redact.js';
import type { LlmUsage } from '../usage.js';

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

/**
 * A chat request that failed after the SDK's retries. Holds no SDK error: those carry the key.
 * The message is masked: connection strings, and the client's own API key (`secrets`).
 */
export class LlmCallError extends Error {
  constructor(message: string, secrets: readonly (string | undefined)[] = []) {
    super(redactSecrets(message, secrets));
    this.name = 'LlmCallError';
  }
}

/** Low, so answers to one prompt vary little (and a cached answer stands for a fresh one). */
export const CHAT_TEMPERATURE = 0.2;

/** Removes reasoning blocks some models emit before the answer. */
export function stripThinking(content: string): string {
  return content
    .replace(/<think>[\s\S]*?<\/think>/gi, '')
    .replace(/^[\s\S]*?<\/think>/i, '')
    .trim();
}

/** Finds the JSON value in a reply: the whole text, a fenced block, or the outermost braces. */
export function extractJson(content: string): { ok: true; value: unknown } | { ok: false; error: string } {
  const text = stripThinking(content);
  const candidates: string[] = [text];
  const fenced = /```(?:json)?\s*([\s\S]*?)```/i.exec(text);
  if (fenced?.[1]) candidates.push(fenced[1].trim());
  const first = text.indexOf('{');
  const last = text.lastIndexOf('}');
  if (first >= 0 && last > first) candidates.push(text.slice(first, last + 1));
  for (const candidate of candidates) {
    try {
      return { ok: true, value: JSON.parse(candidate) as unknown };
    } catch {
      // try the next candidate
    }
  }
  const preview = text.length > 120 ? `${text.slice(0, 120)}…` : text;
  return { ok: false, error: `the reply is not a JSON object (it starts: ${JSON.stringify(preview)})` };
}

function describeZodError(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => `${issue.path.length ? issue.path.join('.') : 'reply'}: ${issue.message}`)
    .join('; ');
}

export class ChatClient {
  private readonly client: OpenAI;
  private readonly limit;
  /** Turned off for the rest of the process once the endpoint refuses `response_format`. */
  private jsonMode = true;

  constructor(
    private readonly settings: LlmSettings,
    private readonly usage: LlmUsage,
  ) {
    this.client = new OpenAI({
      baseURL: settings.baseURL,
      apiKey: settings.apiKey ?? 'no-key',
      timeout: settings.timeoutMs,
      maxRetries: settings.maxRetries,
      // Counts HTTP requests, so retries made inside the SDK show in the usage figures.
      fetch: async (input, init) => {
        usage.requests += 1;
        return fetch(input, init);
      },
    });
    this.limit = sharedLimiter(`llm:${settings.baseURL ?? 'default'}`, settings.concurrency);
  }

  /** One chat completion; resolves to the reply text with reasoning stripped. */
  async chat(messages: ChatMessage[], signal?: AbortSignal): Promise<string> {
    return this.limit(async () => {
      signal?.throwIfAborted();
      // The SDK never removes the abort listener it adds; a signal per request keeps the run's clean.
      const requestSignal = signal ? AbortSignal.any([signal]) : undefined;
      try {
        const completion = await this.client.chat.completions.create(
          {
            model: this.settings.model,
            messages,
            temperature: CHAT_TEMPERATURE,
            ...(this.jsonMode ? { response_format: { type: 'json_object' as const } } : {}),
          },
          { signal: requestSignal },
        );
        this.usage.record(completion.usage?.prompt_tokens, completion.usage?.completion_tokens);
        return stripThinking(completion.choices[0]?.message?.content ?? '');
      } catch (error) {
        if (this.jsonMode && error instanceof OpenAI.BadRequestError && /response_format|json/i.test(error.message)) {
          // The endpoint does not do JSON mode: ask again without it (the prompt asks for JSON anyway).
          this.jsonMode = false;
          try {
            const completion = await this.client.chat.completions.create(
              { model: this.settings.model, messages, temperature: CHAT_TEMPERATURE },
              { signal: requestSignal },
            );
            this.usage.record(completion.usage?.prompt_tokens, completion.usage?.completion_tokens);
            return stripThinking(completion.choices[0]?.message?.content ?? '');
          } catch (retryError) {
            throw this.callError(retryError, signal);
          }
        }
        throw this.callError(error, signal);
      }
    });
  }

  /** An SDK failure as LlmCallError (its message masked, this client's key included); an abort as it is. */
  private callError(error: unknown, signal: AbortSignal | undefined): unknown {
    if (signal?.aborted) return error;
    const message = error instanceof Error ? error.message : String(error);
    const hint =
      error instanceof OpenAI.APIConnectionTimeoutError ? ` (LLM_TIMEOUT_MS=${this.settings.timeoutMs}, after ${this.settings.maxRetries} retries)` : '';
    return new LlmCallError(`LLM request to ${this.settings.baseURL ?? 'the default endpoint'} failed: ${message}${hint}`, [this.settings.apiKey]);
  }

  /**
   * Asks for JSON matching `schema`. An unusable reply (not JSON, wrong shape, refusal) is re-asked
   * once with the reason; returns `{ error }` when the second reply is unusable too. Either way the
   * result says how many re-asks were made, so messages never claim one that was not.
   * Transport failures (after the SDK's retries) throw LlmCallError, naming the re-ask if it failed.
   */
  async completeJson<T>(
    messages: ChatMessage[],
    schema: z.ZodType<T>,
    signal?: AbortSignal,
  ): Promise<{ value: T; reasks: number } | { error: string; reasks: number }> {
    let conversation = messages;
    let lastError = '';
    let reasks = 0;
    for (let attempt = 0; attempt < 2; attempt += 1) {
      let content: string;
      try {
        content = await this.chat(conversation, signal);
      } catch (error) {
        if (reasks === 0 || !(error instanceof LlmCallError)) throw error;
        throw new LlmCallError(`${error.message} (on the re-ask, after an unusable reply: ${lastError})`, [this.settings.apiKey]);
      }
      const json = extractJson(content);
      if (json.ok) {
        const parsed = schema.safeParse(json.value);
        if (parsed.success) return { value: parsed.data, reasks };
        lastError = describeZodError(parsed.error);
      } else {
        lastError = json.error;
      }
      if (attempt === 0) {
        reasks += 1;
        this.usage.reasks += 1;
        conversation = [
          ...messages,
          { role: 'assistant', content },
          {
            role: 'user',
            content: `Your reply could not be used: ${lastError}. Reply again with only the JSON object described above, nothing else.`,
          },
        ];
      }
    }
    this.usage.failures += 1;
    return { error: lastError, reasks };
  }
}
