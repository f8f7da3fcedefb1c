/**
 * The builtin LLM provider: deterministic, offline, and good enough for the demo and the tests.
 * It is a real implementation of the port, not a test double: every pair it writes must validate.
 */
import { ensureSqlParser } from '../../sql/pg-parser.js';
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
  Theme,
  ThemeRequest,
} from '../llm-provider.js';
import { LlmUsage } from '../usage.js';
import { builtinComments } from './builtin-comments.js';
import { builtinPairs, newSeenPairs } from './builtin-pairs.js';
import { builtinRepairs } from './builtin-repair.js';
import { builtinThemes } from './builtin-themes.js';

/** Bump when the builtin generator's output changes, so cached answers of the old one are not reused. */
export const BUILTIN_GENERATOR_VERSION = 3;

export class BuiltinProvider implements LlmProvider {
  readonly name = 'builtin' as const;
  readonly usage = new LlmUsage();
  /** Questions and SQL shapes already produced in this run, so themes sharing tables do not repeat each other. */
  private readonly seenPairs = newSeenPairs();

  cacheMaterial<C extends LlmCall>(call: C, request: LlmCalls[C]['request']): unknown {
    const { signal: _signal, ...rest } = request;
    return { provider: 'builtin', version: BUILTIN_GENERATOR_VERSION, call, request: rest };
  }

  async commentTable(request: TableCommentRequest): Promise<TableComments> {
    await ensureSqlParser();
    this.usage.record(0, 0);
    return builtinComments(request.table, request.samples, request.language);
  }

  async extractThemes(request: ThemeRequest): Promise<Theme[]> {
    await ensureSqlParser();
    this.usage.record(0, 0);
    return builtinThemes(request.tables, request.count, request.language);
  }

  async generatePairs(request: PairRequest): Promise<QaPair[]> {
    await ensureSqlParser();
    this.usage.record(0, 0);
    return builtinPairs(request.tables, request.count, request.language, this.seenPairs);
  }

  async repairSql(request: RepairRequest): Promise<RepairProposal[]> {
    await ensureSqlParser();
    this.usage.record(0, 0);
    return builtinRepairs(request.items, request.tables);
  }
}
