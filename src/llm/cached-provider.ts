/**
 * The LLM port behind the response cache: an answer is looked up by what it depends on (the
 * provider's cache material: provider, model, parameters, the full prompt) before the provider is
 * asked, and a fresh answer is stored. Failures are never stored, so a later run asks again.
 */
import { cacheKey, type ContentCache } from '../cache/content-cache.js';
import type { LlmCall, LlmCalls, LlmProvider, PairRequest, RepairRequest, TableCommentRequest, ThemeRequest } from './llm-provider.js';

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isStringArray = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === 'string');

/** Shape checks of stored answers: an entry that is not one is a miss, not a crash. */
const ANSWER_GUARDS: { [C in LlmCall]: (v: unknown) => v is LlmCalls[C]['answer'] } = {
  commentTable: (v): v is LlmCalls['commentTable']['answer'] =>
    isRecord(v) && (v.tableComment === null || typeof v.tableComment === 'string') && isRecord(v.columnComments) && isStringArray(v.enumColumns),
  extractThemes: (v): v is LlmCalls['extractThemes']['answer'] =>
    Array.isArray(v) && v.every((t) => isRecord(t) && typeof t.topic_name === 'string' && typeof t.description === 'string' && isStringArray(t.related_tables)),
  generatePairs: (v): v is LlmCalls['generatePairs']['answer'] =>
    Array.isArray(v) && v.every((p) => isRecord(p) && typeof p.question === 'string' && typeof p.sql === 'string'),
  repairSql: (v): v is LlmCalls['repairSql']['answer'] =>
    Array.isArray(v) && v.every((r) => isRecord(r) && typeof r.id === 'string' && typeof r.sql === 'string'),
};

export class CachedLlmProvider implements LlmProvider {
  readonly name: LlmProvider['name'];
  readonly usage: LlmProvider['usage'];

  constructor(
    private readonly inner: LlmProvider,
    readonly cache: ContentCache,
  ) {
    this.name = inner.name;
    this.usage = inner.usage;
  }

  cacheMaterial<C extends LlmCall>(call: C, request: LlmCalls[C]['request']): unknown {
    return this.inner.cacheMaterial(call, request);
  }

  private async cached<C extends LlmCall>(call: C, request: LlmCalls[C]['request'], ask: () => Promise<LlmCalls[C]['answer']>): Promise<LlmCalls[C]['answer']> {
    const key = cacheKey(this.inner.cacheMaterial(call, request));
    const stored = await this.cache.get(key, ANSWER_GUARDS[call]);
    if (stored !== undefined) return stored;
    const answer = await ask();
    // A cache that cannot be written costs a call next time, never this run.
    await this.cache.set(key, answer).catch(() => undefined);
    return answer;
  }

  commentTable(request: TableCommentRequest) {
    return this.cached('commentTable', request, () => this.inner.commentTable(request));
  }

  extractThemes(request: ThemeRequest) {
    return this.cached('extractThemes', request, () => this.inner.extractThemes(request));
  }

  generatePairs(request: PairRequest) {
    return this.cached('generatePairs', request, () => this.inner.generatePairs(request));
  }

  repairSql(request: RepairRequest) {
    return this.cached('repairSql', request, () => this.inner.repairSql(request));
  }
}
