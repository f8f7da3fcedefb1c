/**
 * What each column is for, as far as names, types, keys and samples tell: measures to sum, dates
 * to filter, codes to group by, a label to show, a soft-delete marker to exclude.
 */
import { softDeleteColumn, type ColumnInfo, type TableInfo } from '../../source/catalog.js';
import type { TableDoc } from '../llm-provider.js';
import { displayIdent } from '../../sql/identifiers.js';
import type { Language } from '../../util/language.js';
import { chineseOf, type Glossary, nounOf, splitWords } from './words.js';

const NOT_A_MEASURE = /(^|_)(id|no|num|number|year|month|day|code|zip|postcode|phone|level|version|seq|sequence|order|rank|position)$/i;
const LABEL_NAME = /^(name|full_name|title|display_name|label)$|_name$/i;

export function hasValues(doc: TableDoc, column: string): boolean {
  return doc.samples.some((row) => row[column] !== null && row[column] !== undefined);
}

/** The condition that keeps rows that are not soft-deleted, or undefined. */
export function activeCondition(table: TableInfo, alias?: string): string | undefined {
  const column = softDeleteColumn(table);
  if (!column) return undefined;
  const ref = qualify(alias, column.name);
  return column.category === 'B' ? `${ref} IS NOT TRUE` : `${ref} IS NULL`;
}

export function qualify(alias: string | undefined, column: string): string {
  return alias ? `${alias}.${displayIdent(column)}` : displayIdent(column);
}

/** Lower-case snake form of a name, for result aliases: `NPS_Score` → `nps_score`. */
export function snake(name: string): string {
  const words = splitWords(name);
  return words.length ? words.join('_') : 'value';
}

/** Numeric columns that are quantities or amounts, not identifiers or codes. */
export function measureColumns(doc: TableDoc): ColumnInfo[] {
  return doc.table.columns.filter(
    (c) => c.category === 'N' && !c.isPrimaryKey && !c.isUnique && c.foreignKeys.length === 0 && !NOT_A_MEASURE.test(c.name) && hasValues(doc, c.name),
  );
}

/** Date and time columns with values, the soft-delete marker excluded. */
export function dateColumns(doc: TableDoc): ColumnInfo[] {
  const softDelete = softDeleteColumn(doc.table);
  return doc.table.columns.filter((c) => c.category === 'D' && c !== softDelete && hasValues(doc, c.name));
}

/** Columns to group by: documented enumerations, enum types and booleans. */
export function groupColumns(doc: TableDoc): ColumnInfo[] {
  const softDelete = softDeleteColumn(doc.table);
  return doc.table.columns.filter(
    (c) =>
      c !== softDelete &&
      !c.isPrimaryKey &&
      hasValues(doc, c.name) &&
      (c.enumLabels !== null || (doc.enumValues[c.name]?.length ?? 0) > 1 || c.category === 'B'),
  );
}

/** The column that names a row (`name`, `full_name`, `sku`…), else the primary key. */
export function labelColumns(table: TableInfo): ColumnInfo[] {
  const first = table.columns.find((c) => c.name === 'first_name' && c.category === 'S');
  const last = table.columns.find((c) => c.name === 'last_name' && c.category === 'S');
  if (first && last) return [first, last];
  const named = table.columns.find((c) => LABEL_NAME.test(c.name) && c.category === 'S');
  if (named) return [named];
  const uniqueText = table.columns.find((c) => c.isUnique && c.category === 'S');
  if (uniqueText) return [uniqueText];
  const pk = table.columns.filter((c) => c.isPrimaryKey);
  return pk.length ? pk : table.columns.slice(0, 1);
}

/** Columns that make an ORDER BY deterministic: the primary key, else the label. */
export function tieBreakers(table: TableInfo): ColumnInfo[] {
  const pk = table.columns.filter((c) => c.isPrimaryKey);
  return pk.length ? pk : labelColumns(table);
}

/** How a table is called in text: `order items`, `订单明细` (with the schema's glossary when given). */
export function entityName(table: TableInfo, language: Language, glossary?: Glossary): string {
  const stripped = table.name.replace(/^(v|vw|mv|tbl|t)_/i, '') || table.name;
  return language === 'en' ? nounOf(stripped).many : chineseOf(splitWords(stripped), glossary).text || table.name;
}
