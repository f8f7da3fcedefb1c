/** LLM calls and tokens of one run, reported in summaries and task results. */
export class LlmUsage {
  calls = 0;
  promptTokens = 0;
  completionTokens = 0;
  /** HTTP requests sent, retries after 429, 5xx and network errors included. */
  requests = 0;
  /** Calls repeated because the reply was unusable (not JSON, wrong shape, a refusal). */
  reasks = 0;
  /** Calls that produced no usable answer (the step fell back). */
  failures = 0;

  record(promptTokens: number | undefined, completionTokens: number | undefined): void {
    this.calls += 1;
    this.promptTokens += promptTokens ?? 0;
    this.completionTokens += completionTokens ?? 0;
  }

  get totalTokens(): number {
    return this.promptTokens + this.completionTokens;
  }

  snapshot(): LlmUsageSnapshot {
    return {
      calls: this.calls,
      prompt_tokens: this.promptTokens,
      completion_tokens: this.completionTokens,
      total_tokens: this.totalTokens,
      requests: this.requests,
      reasks: this.reasks,
      failures: this.failures,
    };
  }
}

export interface LlmUsageSnapshot {
  calls: number;
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  requests: number;
  reasks: number;
  failures: number;
}
