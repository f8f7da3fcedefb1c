/** Builtin table and column comments, written from names, types, keys and sample values. */
import type { ColumnInfo, TableInfo } from '../../source/catalog.js';
import { likelyEnumColumns } from '../../source/enum-candidates.js';
import type { SampleRow } from '../../source/sampling.js';
import type { Language } from '../../util/language.js';
import type { TableComments } from '../llm-provider.js';
import { entityName } from './schema-roles.js';
import { labelledNames, learnGlossary } from './glossary.js';
import { chineseOf, type Glossary, label, phrase, singular, splitWords } from './words.js';

/** Enum types and the columns that look like codes (checked with SELECT DISTINCT by the step). */
export function guessEnumColumns(table: TableInfo, samples: SampleRow[]): string[] {
  const typed = table.columns.filter((c) => c.enumLabels).map((c) => c.name);
  return [...typed, ...likelyEnumColumns(table, samples)];
}

/** The columns that describe a row best: not keys, not bookkeeping timestamps. */
export function descriptiveColumns(table: TableInfo): ColumnInfo[] {
  return table.columns.filter((c) => !c.isPrimaryKey && c.foreignKeys.length === 0 && !/^(created|updated|deleted)_(at|on)$/.test(c.name));
}

function listPhrase(items: string[], language: Language): string {
  if (language === 'zh') return items.join('、');
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

export function builtinTableComment(table: TableInfo, language: Language, glossary?: Glossary): string {
  const described = descriptiveColumns(table)
    .slice(0, 4)
    .map((c) => phrase(c.name, language, glossary));
  const name = entityName(table, language, glossary);
  const isView = table.kind === 'view' || table.kind === 'materialized_view';
  if (language === 'zh') {
    const kind = isView ? '视图' : '表';
    return described.length ? `${name}${kind}，记录${listPhrase(described, 'zh')}等信息` : `${name}${kind}`;
  }
  const title = `${name.charAt(0).toUpperCase()}${name.slice(1)}${isView ? ' (view)' : ''}`;
  return described.length ? `${title}, one row per ${singular(name)}, with ${listPhrase(described, 'en')}` : title;
}

export function builtinColumnComment(column: ColumnInfo, language: Language, glossary?: Glossary): string {
  const text = label(column.name, language, glossary);
  const fk = column.foreignKeys[0];
  if (!fk) return text;
  const target = fk.refSchema === 'public' ? fk.refTable : `${fk.refSchema}.${fk.refTable}`;
  if (language === 'en') return `${text} (references ${target})`;
  // The referenced table by its Chinese name when every word of it is known; else by its name.
  const table = chineseOf(splitWords(fk.refTable.replace(/^(v|vw|mv|tbl|t)_/i, '') || fk.refTable), glossary);
  return table.missing.length === 0 && table.text ? `${text}（关联${table.text}表）` : `${text}（关联 ${target}）`;
}

export function builtinComments(table: TableInfo, samples: SampleRow[], language: Language): TableComments {
  // Chinese comments the table already has teach the words of the columns that have none.
  const glossary = language === 'zh' ? learnGlossary(labelledNames(table)) : undefined;
  const columnComments: Record<string, string> = {};
  for (const column of table.columns) columnComments[column.name] = builtinColumnComment(column, language, glossary);
  return {
    tableComment: builtinTableComment(table, language, glossary),
    columnComments,
    enumColumns: guessEnumColumns(table, samples),
  };
}
