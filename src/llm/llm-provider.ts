/**
 * The LLM port: the four things the workflow asks of a language model. Each provider (builtin,
 * openai) implements all four; the steps never see prompts or HTTP.
 */
import type { TableInfo } from '../source/catalog.js';
import type { SampleRow } from '../source/sampling.js';
import type { Language } from '../util/language.js';
import type { LlmUsage } from './usage.js';

export interface TableCommentRequest {
  table: TableInfo;
  samples: SampleRow[];
  businessContext: string;
  language: Language;
  signal?: AbortSignal;
}

/** A provider's proposal; the step validates it again and falls back per item. */
export interface TableComments {
  tableComment: string | null;
  /** Keyed by exact column name; columns missing here fall back. */
  columnComments: Record<string, string>;
  /** Columns the provider believes hold a small set of values (checked with SELECT DISTINCT). */
  enumColumns: string[];
}

/** What a step knows about one table when generating questions: live catalog plus the docs on disk. */
export interface TableDoc {
  table: TableInfo;
  samples: SampleRow[];
  /** How the table is written in SQL: `orders`, `hr.employees`, `"CustomerFeedback"`. */
  sqlName: string;
  tableComment: string;
  columnComments: Record<string, string>;
  /** Values of columns documented as enumerations. */
  enumValues: Record<string, string[]>;
  markdown: string;
  ddl: string;
}

export interface Theme {
  topic_name: string;
  description: string;
  /** Table names as written in `TableDoc.sqlName` or `schema.table`. */
  related_tables: string[];
  biz_entities: string[];
  biz_metrics: string[];
}

export interface ThemeRequest {
  tables: TableDoc[];
  businessContext: string;
  language: Language;
  count: number;
  signal?: AbortSignal;
}

export interface QaPair {
  question: string;
  sql: string;
}

export interface PairRequest {
  theme: Theme;
  /** Only the theme's tables. */
  tables: TableDoc[];
  businessContext: string;
  language: Language;
  count: number;
  signal?: AbortSignal;
}

export interface RepairItem {
  /** Stable id of the pair; repairs are matched by it, never by position. */
  id: string;
  question: string;
  sql: string;
  error: string;
}

export interface RepairRequest {
  items: RepairItem[];
  /** DDL of the tables the failing statements reference (and the tables they might have meant). */
  ddl: string;
  tables: TableInfo[];
  language: Language;
  signal?: AbortSignal;
}

export interface RepairProposal {
  id: string;
  sql: string;
}

/** The four calls of the port, with their requests and answers. */
export interface LlmCalls {
  commentTable: { request: TableCommentRequest; answer: TableComments };
  extractThemes: { request: ThemeRequest; answer: Theme[] };
  generatePairs: { request: PairRequest; answer: QaPair[] };
  repairSql: { request: RepairRequest; answer: RepairProposal[] };
}
export type LlmCall = keyof LlmCalls;

export interface LlmProvider {
  readonly name: 'builtin' | 'openai';
  readonly usage: LlmUsage;
  /**
   * Everything a call's answer depends on (provider, model, generation parameters, the full prompt),
   * for the response cache: equal material, equal answer.
   */
  cacheMaterial<C extends LlmCall>(call: C, request: LlmCalls[C]['request']): unknown;
  commentTable(request: TableCommentRequest): Promise<TableComments>;
  extractThemes(request: ThemeRequest): Promise<Theme[]>;
  generatePairs(request: PairRequest): Promise<QaPair[]>;
  repairSql(request: RepairRequest): Promise<RepairProposal[]>;
}
