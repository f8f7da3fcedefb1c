/**
 * The comments and enumerations of one table: one provider call (its failure falls back, never
 * fails the table), the provider's enum guesses checked with SELECT DISTINCT, and the final
 * choice per comment (database comment unless overwriting; a usable generated one; a humanised
 * name). Used by ddl_generation and by the API's single-table DDL endpoint.
 */
import type { SqlDatabase } from '../db/sql-database.js';
import { builtinColumnComment, builtinTableComment } from '../llm/builtin/builtin-comments.js';
import { cleanComment, isUsableComment } from '../llm/comment-quality.js';
import type { LlmProvider, TableComments } from '../llm/llm-provider.js';
import type { TableInfo } from '../source/catalog.js';
import { checkEnumCandidates, type EnumCheck, type TableSample } from '../source/sampling.js';
import type { Language } from '../util/language.js';
import type { ResolvedComments } from './render/table-files.js';
import { errorMessage } from '../errors.js';

export interface DocumentTableInput {
  db: SqlDatabase;
  table: TableInfo;
  sample: TableSample;
  /** Without a provider, only database comments and humanised names are used. */
  llm: LlmProvider | undefined;
  businessContext: string;
  language: Language;
  overwriteComments: boolean;
  enumMaxValues: number;
  statementTimeoutMs: number;
  signal?: AbortSignal;
  /** Told why generated comments are missing (the caller logs it). */
  onLlmError?: (message: string) => void;
}

/** Final comments: database comments win unless overwriting; unusable proposals fall back. */
export function resolveComments(
  table: TableInfo,
  proposal: TableComments | undefined,
  enums: Record<string, string[]>,
  options: { overwrite: boolean; language: Language },
): ResolvedComments {
  const pick = (existing: string | null, proposed: string | null | undefined, fallback: () => string): string => {
    if (existing && !options.overwrite) return existing;
    if (isUsableComment(proposed)) return cleanComment(proposed);
    return existing ?? fallback();
  };
  const columns: Record<string, string> = {};
  for (const column of table.columns) {
    columns[column.name] = pick(column.comment, proposal?.columnComments[column.name], () => builtinColumnComment(column, options.language));
  }
  return {
    table: pick(table.comment, proposal?.tableComment, () => builtinTableComment(table, options.language)),
    columns,
    enums,
  };
}

/**
 * Enumerations of a table: enum types with their labels, columns whose CHECK lists their values
 * (at most `enumMaxValues` of them), the code-like columns checked while sampling, and the
 * provider's further guesses, each checked with one SELECT DISTINCT.
 */
async function acceptedEnums(input: DocumentTableInput, proposed: string[]): Promise<Record<string, string[]>> {
  const { table, sample } = input;
  const enums: Record<string, string[]> = {};
  for (const column of table.columns) {
    if (column.enumLabels) enums[column.name] = column.enumLabels;
    else if (column.allowedValues && column.allowedValues.length <= input.enumMaxValues) enums[column.name] = column.allowedValues;
  }
  const checked = new Set(sample.enumChecks.map((c) => c.column));
  const skip = (name: string) => {
    const column = table.columns.find((c) => c.name === name);
    return (
      !column ||
      checked.has(name) ||
      column.enumLabels !== null ||
      column.allowedValues !== null ||
      ['A', 'U'].includes(column.category) ||
      column.typeName === 'bool'
    );
  };
  const candidates = [...new Set(proposed)].filter((name) => !skip(name));
  const checks: EnumCheck[] = await checkEnumCandidates(input.db, table, candidates, {
    maxValues: input.enumMaxValues,
    statementTimeoutMs: input.statementTimeoutMs,
  });
  for (const check of [...sample.enumChecks, ...checks]) if (check.accepted) enums[check.column] = check.values;
  // In column order, so the notes of the Markdown are stable.
  return Object.fromEntries(table.columns.filter((c) => enums[c.name]).map((c) => [c.name, enums[c.name] as string[]]));
}

export async function documentTable(input: DocumentTableInput): Promise<ResolvedComments> {
  let proposal: TableComments | undefined;
  if (input.llm) {
    try {
      proposal = await input.llm.commentTable({
        table: input.table,
        samples: input.sample.rows,
        businessContext: input.businessContext,
        language: input.language,
        signal: input.signal,
      });
    } catch (error) {
      if (input.signal?.aborted) throw error;
      input.onLlmError?.(errorMessage(error));
    }
  }
  const enums = await acceptedEnums(input, proposal?.enumColumns ?? []);
  return resolveComments(input.table, proposal, enums, { overwrite: input.overwriteComments, language: input.language });
}
