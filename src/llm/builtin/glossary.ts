/**
 * Chinese a schema teaches: labels taken from its Chinese table and column comments, and the
 * identifier words those labels translate (`create_ts` "创建时间" teaches `ts` = 时间), so names with
 * no comment of their own still read as Chinese (`update_ts` → 更新时间) instead of leaking English.
 */
import type { ColumnInfo } from '../../source/catalog.js';
import type { TableDoc } from '../llm-provider.js';
import { chineseOf, chineseWord, type Glossary, splitWords } from './words.js';

const HAS_CHINESE = /[\u4e00-\u9fff]/;
const HAS_LATIN = /[A-Za-z]/;

/** The label a comment opens with, when it is Chinese: `客户编号，关联客户表` → `客户编号`. */
export function chineseLabel(comment: string | null | undefined): string | undefined {
  const first = comment?.trim().split(/[，,。；;：:（(\s]/)[0];
  if (!first || !HAS_CHINESE.test(first) || first.length > 16) return undefined;
  return first;
}

/** A table's Chinese name from its comment: `公司信息表` → `公司`, `订单明细表，记录…` → `订单明细`. */
export function chineseTableLabel(comment: string | null | undefined): string | undefined {
  const text = chineseLabel(comment);
  if (!text) return undefined;
  const name = text.replace(/(信息|数据|记录)?(表|视图)$/, '');
  return name && HAS_CHINESE.test(name) ? name : text;
}

/** Whether any table or column of the schema carries a Chinese comment of its own (not one we generated). */
export function schemaHasChinese(docs: readonly TableDoc[]): boolean {
  return docs.some((d) => HAS_CHINESE.test(d.table.comment ?? '') || d.table.columns.some((c) => HAS_CHINESE.test(c.comment ?? '')));
}

interface Labelled {
  name: string;
  label: string;
}

/** The Chinese labels of a table and its columns: the database's comments, then the documented ones. */
export function labelledNames(table: { name: string; comment: string | null; columns: readonly ColumnInfo[] }, documented?: TableDoc): Labelled[] {
  const out: Labelled[] = [];
  const tableLabel = chineseTableLabel(table.comment) ?? chineseTableLabel(documented?.tableComment);
  if (tableLabel) out.push({ name: table.name, label: tableLabel });
  for (const column of table.columns) {
    const text = chineseLabel(column.comment) ?? chineseLabel(documented?.columnComments[column.name]);
    if (text) out.push({ name: column.name, label: text });
  }
  return out;
}

/** One word of `words` learnt from a label whose other words are known; undefined when it cannot be told. */
function learnOne(words: string[], label: string, glossary: Map<string, string>): [string, string] | undefined {
  const unknown = words.map((w, i) => (chineseWord(w, glossary) === undefined ? i : -1)).filter((i) => i >= 0);
  if (unknown.length !== 1) return undefined;
  const at = unknown[0] as number;
  const before = chineseOf(words.slice(0, at), glossary);
  const after = chineseOf(words.slice(at + 1), glossary);
  if (before.missing.length || after.missing.length) return undefined;
  if (!label.startsWith(before.text) || !label.endsWith(after.text)) return undefined;
  const rest = label.slice(before.text.length, label.length - after.text.length);
  // A leading word with nothing left over is a system prefix (`bss_company` "公司"): it reads as nothing.
  if (rest === '' && at !== 0) return undefined;
  return [words[at] as string, rest];
}

/** The glossary of a schema: whole names with their labels, and the single words their labels teach. */
export function learnGlossary(labelled: readonly Labelled[]): Glossary {
  const glossary = new Map<string, string>();
  const usable = labelled.filter((l) => !HAS_LATIN.test(l.label));
  for (const { name, label } of usable) {
    const words = splitWords(name);
    if (words.length > 1 && words.length <= 3) glossary.set(words.join(' '), label);
    if (words.length === 1 && chineseWord(words[0] as string) === undefined) glossary.set(words[0] as string, label);
  }
  // Twice, so that a word learnt from one name helps with the next.
  for (let round = 0; round < 2; round += 1) {
    for (const { name, label } of usable) {
      const learnt = learnOne(splitWords(name), label, glossary);
      if (learnt && !glossary.has(learnt[0])) glossary.set(learnt[0], learnt[1]);
    }
  }
  return glossary;
}
