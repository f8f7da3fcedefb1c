/**
 * How tables and columns are called in the builtin questions, in English and Chinese: English nouns
 * with their plural, column labels from short comments or spelled-out names; Chinese from the
 * schema's Chinese comments, then the words they teach, then the built-in dictionary.
 */
import type { ColumnInfo } from '../../source/catalog.js';
import type { TableDoc } from '../llm-provider.js';
import { chineseLabel, chineseTableLabel, labelledNames, learnGlossary } from './glossary.js';
import { chineseOf, type Glossary, type Noun, nounOf, phrase, splitWords } from './words.js';

const TABLE_PREFIX = /^(v|vw|mv|tbl|t)_/i;
const HAS_LATIN = /[A-Za-z]/;

export class SchemaNames {
  readonly glossary: Glossary;

  constructor(docs: readonly TableDoc[]) {
    this.glossary = learnGlossary(docs.flatMap((d) => labelledNames(d.table, d)));
  }

  /** `{ one: 'album', many: 'albums' }`. */
  noun(doc: TableDoc): Noun {
    const stripped = doc.table.name.replace(TABLE_PREFIX, '');
    return nounOf(stripped || doc.table.name);
  }

  /** `订单明细`: the table's Chinese comment, else its name in Chinese. */
  tableZh(doc: TableDoc): string {
    const fromComments = [chineseTableLabel(doc.table.comment), chineseTableLabel(doc.tableComment)].find((t) => t && !HAS_LATIN.test(t));
    if (fromComments) return fromComments;
    const stripped = doc.table.name.replace(TABLE_PREFIX, '') || doc.table.name;
    return chineseOf(splitWords(stripped), this.glossary).text || doc.table.name;
  }

  /** A column in an English sentence: a short comment (`invoice date`), else its name spelled out. */
  columnEn(_doc: TableDoc, column: ColumnInfo): string {
    const comment = column.comment?.trim();
    if (comment && /^[A-Za-z][A-Za-z ]*$/.test(comment) && comment.split(' ').length <= 4) {
      return comment.replace(/\b([A-Z])([a-z]+)/g, (_m, a: string, b: string) => a.toLowerCase() + b);
    }
    return phrase(column.name, 'en');
  }

  /** A column in a Chinese sentence: its Chinese comment, else its name in Chinese. */
  columnZh(doc: TableDoc, column: ColumnInfo): string {
    const fromComments = [chineseLabel(column.comment), chineseLabel(doc.columnComments[column.name])].find((t) => t && !HAS_LATIN.test(t));
    return fromComments ?? (chineseOf(splitWords(column.name), this.glossary).text || column.name);
  }
}
