/**
 * Which columns probably hold a small fixed set of values, judged from names, types and sample
 * rows. Such columns are checked with SELECT DISTINCT while the table is being sampled; an LLM may
 * propose more, which are checked afterwards.
 */
import type { TableInfo } from './catalog.js';
import type { SampleRow } from './sampling.js';

/** Names that say "this column holds one of a few codes". */
const ENUM_NAME =
  /(^|_)(status|state|type|kind|category|level|tier|channel|method|gender|currency|mode|source|stage|priority|grade|class|segment|role|unit|flag)$/i;
/** Names that say "free text or an identifier", never a small set. */
const FREE_TEXT_NAME = /(name|email|comment|description|note|notes|title|address|url|phone|body|text|sku|number|token|hash)$/i;

/**
 * Text columns that look like codes: by name, or because sampled values repeat. Enum types and
 * columns whose CHECK lists their values are excluded: the schema already says what they hold.
 */
export function likelyEnumColumns(table: TableInfo, samples: readonly SampleRow[]): string[] {
  return table.columns
    .filter((column) => {
      if (column.enumLabels || column.allowedValues || column.category !== 'S') return false;
      if (column.isPrimaryKey || column.isUnique || column.foreignKeys.length > 0) return false;
      if (FREE_TEXT_NAME.test(column.name)) return false;
      if (ENUM_NAME.test(column.name)) return true;
      const values = samples.map((row) => row[column.name]).filter((v): v is string => v !== null && v !== undefined);
      return values.length >= 5 && new Set(values).size <= values.length / 2;
    })
    .map((column) => column.name);
}
