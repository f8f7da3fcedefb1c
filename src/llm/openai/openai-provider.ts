/** The LLM port over an OpenAI-compatible chat endpoint. */
import type { LlmSettings } from '../../config/settings.js';
import { cleanComment, isUsableComment } from '../comment-quality.js';
import type {
  LlmCall,
  LlmCalls,
  LlmProvider,
  PairRequest,
  QaPair,
  RepairProposal,
  RepairRequest,
  TableCommentRequest,
  TableComments,
  TableDoc,
  Theme,
  ThemeRequest,
} from '../llm-provider.js';
import { LlmUsage } from '../usage.js';
import { CHAT_TEMPERATURE, ChatClient } from './chat-client.js';
import { pairsPrompt, repairPrompt, tableCommentPrompt, themesPrompt } from './prompts.js';
import { pairsReply, repairsReply, tableCommentReply, themesReply } from './replies.js';

/** How many re-asks preceded a failure, in words: the count made, never the one allowed. */
export function reaskPhrase(reasks: number): string {
  if (reasks === 0) return 'with no re-ask';
  return reasks === 1 ? 'after one re-ask' : `after ${reasks} re-asks`;
}

/** A reply that could not be used (after the re-asks made); the step falls back and logs `message`. */
export class UnusableReplyError extends Error {
  constructor(
    purpose: string,
    reason: string,
    readonly reasks: number,
  ) {
    super(`unusable LLM reply for ${purpose} ${reaskPhrase(reasks)}: ${reason}`);
    this.name = 'UnusableReplyError';
  }
}

/** Finds the doc a theme's table name refers to: `sqlName`, `schema.name` or bare name, any case. */
function resolveTable(name: string, docs: TableDoc[]): TableDoc | undefined {
  const wanted = name.trim().replace(/"/g, '').toLowerCase();
  return (
    docs.find((d) => d.sqlName.replace(/"/g, '').toLowerCase() === wanted) ??
    docs.find((d) => `${d.table.schema}.${d.table.name}`.toLowerCase() === wanted) ??
    docs.find((d) => d.table.name.toLowerCase() === wanted)
  );
}

export class OpenAIProvider implements LlmProvider {
  readonly name = 'openai' as const;
  readonly usage = new LlmUsage();
  private readonly chat: ChatClient;

  constructor(private readonly settings: LlmSettings) {
    this.chat = new ChatClient(settings, this.usage);
  }

  cacheMaterial<C extends LlmCall>(call: C, request: LlmCalls[C]['request']): unknown {
    const prompts: { [K in LlmCall]: (r: LlmCalls[K]['request']) => unknown } = {
      commentTable: tableCommentPrompt,
      extractThemes: themesPrompt,
      generatePairs: pairsPrompt,
      repairSql: repairPrompt,
    };
    // The endpoint is part of the identity: two servers may serve different models under one name.
    return {
      provider: 'openai',
      base_url: this.settings.baseURL ?? null,
      model: this.settings.model,
      temperature: CHAT_TEMPERATURE,
      call,
      messages: prompts[call](request),
    };
  }

  async commentTable(request: TableCommentRequest): Promise<TableComments> {
    const reply = await this.chat.completeJson(tableCommentPrompt(request), tableCommentReply, request.signal);
    if ('error' in reply) throw new UnusableReplyError(`table ${request.table.schema}.${request.table.name}`, reply.error, reply.reasks);
    const known = new Set(request.table.columns.map((c) => c.name));
    const columnComments: Record<string, string> = {};
    // Matched by column name only; a comment for a column that does not exist is ignored.
    for (const [column, comment] of Object.entries(reply.value.columns)) {
      if (known.has(column) && isUsableComment(comment)) columnComments[column] = cleanComment(comment);
    }
    return {
      tableComment: cleanComment(reply.value.table_comment),
      columnComments,
      enumColumns: reply.value.enum_columns.filter((c) => known.has(c)),
    };
  }

  async extractThemes(request: ThemeRequest): Promise<Theme[]> {
    const reply = await this.chat.completeJson(themesPrompt(request), themesReply, request.signal);
    if ('error' in reply) throw new UnusableReplyError('themes', reply.error, reply.reasks);
    const themes: Theme[] = [];
    for (const theme of reply.value.themes) {
      const tables = [...new Set(theme.related_tables.map((n) => resolveTable(n, request.tables)?.sqlName).filter((n): n is string => Boolean(n)))];
      if (tables.length > 0) themes.push({ ...theme, related_tables: tables });
    }
    if (themes.length === 0) {
      // Valid JSON, so the client did not re-ask; the count says so rather than assuming one.
      this.usage.failures += 1;
      throw new UnusableReplyError('themes', 'no theme names a table of the list', reply.reasks);
    }
    return themes;
  }

  async generatePairs(request: PairRequest): Promise<QaPair[]> {
    const reply = await this.chat.completeJson(pairsPrompt(request), pairsReply, request.signal);
    if ('error' in reply) throw new UnusableReplyError(`theme "${request.theme.topic_name}"`, reply.error, reply.reasks);
    return reply.value.pairs.map((p) => ({ question: p.question.trim(), sql: p.sql.trim() }));
  }

  async repairSql(request: RepairRequest): Promise<RepairProposal[]> {
    const reply = await this.chat.completeJson(repairPrompt(request), repairsReply, request.signal);
    if ('error' in reply) throw new UnusableReplyError('SQL repair', reply.error, reply.reasks);
    const ids = new Set(request.items.map((i) => i.id));
    return reply.value.repairs.filter((r) => ids.has(r.id)).map((r) => ({ id: r.id, sql: r.sql.trim() }));
  }
}
