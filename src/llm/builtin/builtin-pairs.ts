/**
 * Builtin question/SQL pairs from templates over the schema: counts, group-bys over enumerations,
 * sums and averages of measures, time-range filters, monthly trends, top-N with a tie-breaker and
 * joins along foreign keys. Values in filters come from sampled rows, so filters match data.
 */
import type { ColumnInfo, ForeignKeyInfo } from '../../source/catalog.js';
import type { Language } from '../../util/language.js';
import type { QaPair, TableDoc } from '../llm-provider.js';
import {
  activeCondition,
  dateColumns,
  entityName,
  groupColumns,
  hasValues,
  labelColumns,
  measureColumns,
  qualify,
  snake,
  tieBreakers,
} from './schema-roles.js';
import { monthLabel, phrase, singular } from './words.js';

type Text = Record<Language, string>;

interface Candidate {
  question: Text;
  sql: string;
}

function where(conditions: (string | undefined)[]): string {
  const present = conditions.filter((c): c is string => Boolean(c));
  return present.length ? ` WHERE ${present.join(' AND ')}` : '';
}

/** `total amount` of a measure, without doubling a leading "total". */
function totalOf(column: ColumnInfo): string {
  const text = phrase(column.name, 'en');
  return /^total\b/.test(text) ? `sum of ${text}` : `total ${text}`;
}

/** A date column as a noun: `"ordered at" date`. */
function dateNoun(column: ColumnInfo): string {
  return `"${phrase(column.name, 'en')}" date`;
}

/** How a grouping column reads after "for each": booleans named is_x read "whether they are x". */
function groupPhrase(column: ColumnInfo): string {
  const text = phrase(column.name, 'en');
  if (column.category === 'B') return /^is /.test(text) ? `whether they are ${text.slice(3)} or not` : `${text} (yes or no)`;
  return `each ${text}`;
}

function sumAlias(column: ColumnInfo): string {
  const name = snake(column.name);
  return name.startsWith('total') ? `sum_${name}` : `total_${name}`;
}

/** The most frequent month among sampled values of a date column: `[year, month]`. */
function sampledMonth(doc: TableDoc, column: ColumnInfo): [number, number] | undefined {
  const counts = new Map<string, number>();
  for (const row of doc.samples) {
    const match = /^(\d{4})-(\d{2})/.exec(row[column.name] ?? '');
    if (match) counts.set(`${match[1]}-${match[2]}`, (counts.get(`${match[1]}-${match[2]}`) ?? 0) + 1);
  }
  const best = [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0];
  if (!best) return undefined;
  const [year, month] = best[0].split('-').map(Number) as [number, number];
  return [year, month];
}

function monthRange(year: number, month: number): [string, string] {
  const pad = (n: number) => String(n).padStart(2, '0');
  const next = month === 12 ? [year + 1, 1] : [year, month + 1];
  return [`${year}-${pad(month)}-01`, `${next[0]}-${pad(next[1] as number)}-01`];
}

/** Questions about one table on its own, most useful first. */
function singleTableCandidates(doc: TableDoc): Candidate[] {
  const t = doc.table;
  const from = doc.sqlName;
  const active = activeCondition(t);
  const en = entityName(t, 'en');
  const zh = entityName(t, 'zh');
  const countAlias = `${snake(singular(t.name.replace(/^(v|vw|mv)_/i, '')))}_count`;
  const measures = measureColumns(doc);
  const groups = groupColumns(doc);
  const dates = dateColumns(doc);
  const labels = labelColumns(t);
  const order = tieBreakers(t);
  const out: Candidate[] = [];

  out.push({
    question: {
      en: active ? `How many ${en} are there, not counting deleted ones?` : `How many ${en} are there?`,
      zh: active ? `未删除的${zh}共有多少条？` : `${zh}共有多少条记录？`,
    },
    sql: `SELECT COUNT(*) AS ${countAlias} FROM ${from}${where([active])}`,
  });
  if (doc.samples.length === 0) return out;

  const [group, ...moreGroups] = groups;
  const [measure, ...moreMeasures] = measures;
  const [date] = dates;

  if (group) out.push(groupCount(doc, group, countAlias));
  if (measure) {
    out.push({
      question: {
        en: `What are the total and the average ${phrase(measure.name, 'en')} across ${en}?`,
        zh: `${zh}的${phrase(measure.name, 'zh')}总和与平均值是多少？`,
      },
      sql: `SELECT SUM(${qualify(undefined, measure.name)}) AS ${sumAlias(measure)}, ROUND(AVG(${qualify(undefined, measure.name)})::numeric, 2) AS avg_${snake(measure.name)} FROM ${from}${where([active])}`,
    });
  }
  if (date) {
    const month = sampledMonth(doc, date);
    if (month) {
      const [start, end] = monthRange(...month);
      const d = qualify(undefined, date.name);
      const range = `${d} >= '${start}' AND ${d} < '${end}'`;
      const when = { en: monthLabel(month[0], month[1], 'en'), zh: monthLabel(month[0], month[1], 'zh') };
      out.push(
        measure
          ? {
              question: {
                en: `What is the ${totalOf(measure)} of ${en} with their ${dateNoun(date)} in ${when.en}?`,
                zh: `${phrase(date.name, 'zh')}在${when.zh}的${zh}，${phrase(measure.name, 'zh')}总和是多少？`,
              },
              sql: `SELECT SUM(${qualify(undefined, measure.name)}) AS ${sumAlias(measure)} FROM ${from}${where([range, active])}`,
            }
          : {
              question: {
                en: `How many ${en} have their ${dateNoun(date)} in ${when.en}?`,
                zh: `${phrase(date.name, 'zh')}在${when.zh}的${zh}有多少条？`,
              },
              sql: `SELECT COUNT(*) AS ${countAlias} FROM ${from}${where([range, active])}`,
            },
      );
    }
  }
  if (measure) {
    const shown = [...new Map([...labels, measure].map((c) => [c.name, c])).values()];
    out.push({
      question: {
        en: `Which 10 ${en} have the highest ${phrase(measure.name, 'en')}?`,
        zh: `${phrase(measure.name, 'zh')}最高的前10条${zh}是哪些？`,
      },
      sql:
        `SELECT ${shown.map((c) => qualify(undefined, c.name)).join(', ')} FROM ${from}` +
        `${where([`${qualify(undefined, measure.name)} IS NOT NULL`, active])}` +
        ` ORDER BY ${qualify(undefined, measure.name)} DESC, ${order.map((c) => qualify(undefined, c.name)).join(', ')} LIMIT 10`,
    });
  }
  if (group && measure) {
    out.push({
      question: {
        en: `What is the ${totalOf(measure)} of ${en} for ${groupPhrase(group)}?`,
        zh: `按${phrase(group.name, 'zh')}统计${zh}的${phrase(measure.name, 'zh')}总和`,
      },
      sql:
        `SELECT ${qualify(undefined, group.name)}, SUM(${qualify(undefined, measure.name)}) AS ${sumAlias(measure)} FROM ${from}${where([active])}` +
        ` GROUP BY ${qualify(undefined, group.name)} ORDER BY ${sumAlias(measure)} DESC NULLS LAST, ${qualify(undefined, group.name)}`,
    });
  }
  if (date) {
    const d = qualify(undefined, date.name);
    out.push({
      question: {
        en: `How many ${en} are there per month of their ${dateNoun(date)}?`,
        zh: `按${phrase(date.name, 'zh')}的月份统计${zh}数量`,
      },
      sql: `SELECT date_trunc('month', ${d})::date AS month, COUNT(*) AS ${countAlias} FROM ${from}${where([`${d} IS NOT NULL`, active])} GROUP BY 1 ORDER BY 1`,
    });
  }
  for (const extra of moreGroups.slice(0, 2)) out.push(groupCount(doc, extra, countAlias));
  for (const extra of moreMeasures.slice(0, 2)) {
    out.push({
      question: {
        en: `What is the average ${phrase(extra.name, 'en')} of ${en}?`,
        zh: `${zh}的平均${phrase(extra.name, 'zh')}是多少？`,
      },
      sql: `SELECT ROUND(AVG(${qualify(undefined, extra.name)})::numeric, 2) AS avg_${snake(extra.name)} FROM ${from}${where([active])}`,
    });
  }
  return out;
}

function groupCount(doc: TableDoc, group: ColumnInfo, countAlias: string): Candidate {
  const g = qualify(undefined, group.name);
  return {
    question: {
      en: `How many ${entityName(doc.table, 'en')} are there for ${groupPhrase(group)}?`,
      zh:
        group.category === 'B'
          ? `按${phrase(group.name, 'zh')}统计${entityName(doc.table, 'zh')}数量`
          : `各${phrase(group.name, 'zh')}的${entityName(doc.table, 'zh')}数量分别是多少？`,
    },
    sql: `SELECT ${g}, COUNT(*) AS ${countAlias} FROM ${doc.sqlName}${where([activeCondition(doc.table)])} GROUP BY ${g} ORDER BY ${countAlias} DESC, ${g}`,
  };
}

function joinCondition(fk: ForeignKeyInfo): string {
  return fk.columns.map((col, i) => `p.${qualify(undefined, fk.refColumns[i] ?? col)} = c.${qualify(undefined, col)}`).join(' AND ');
}

/** Questions that follow one foreign key from a child table to the table it references. */
function joinCandidates(child: TableDoc, parent: TableDoc, fk: ForeignKeyInfo): Candidate[] {
  if (!fk.columns.every((col) => hasValues(child, col))) return [];
  const c = child.table;
  const p = parent.table;
  const childEn = entityName(c, 'en');
  const childZh = entityName(c, 'zh');
  const parentEn = entityName(p, 'en');
  const parentZh = entityName(p, 'zh');
  const shown = labelColumns(p).map((col) => qualify('p', col.name));
  const keys = [...new Set([...tieBreakers(p).map((col) => qualify('p', col.name)), ...shown])];
  const from = `${child.sqlName} c JOIN ${parent.sqlName} p ON ${joinCondition(fk)}`;
  const filters = [activeCondition(c, 'c'), activeCondition(p, 'p')];
  const countAlias = `${snake(singular(c.name))}_count`;
  // Two foreign keys to the same table (self references, several roles) need the key in the wording.
  const via = c.foreignKeys.filter((f) => f.refTable === p.name && f.refSchema === p.schema).length > 1 || c === p;
  const viaEn = via ? ` (by ${phrase(fk.columns.join('_'), 'en')})` : '';
  const viaZh = via ? `（按${phrase(fk.columns.join('_'), 'zh')}）` : '';
  const out: Candidate[] = [
    {
      question: {
        en: `Which 10 ${parentEn} have the most ${childEn}${viaEn}?`,
        zh: `${childZh}数量最多的前10个${parentZh}是哪些${viaZh}？`,
      },
      sql:
        `SELECT ${shown.join(', ')}, COUNT(*) AS ${countAlias} FROM ${from}${where(filters)}` +
        ` GROUP BY ${keys.join(', ')} ORDER BY ${countAlias} DESC, ${keys.join(', ')} LIMIT 10`,
    },
  ];
  const [measure] = measureColumns(child);
  if (measure) {
    const m = qualify('c', measure.name);
    out.push({
      question: {
        en: `Which 10 ${parentEn} have the highest ${totalOf(measure)} of ${childEn}${viaEn}?`,
        zh: `${childZh}的${phrase(measure.name, 'zh')}总和最高的前10个${parentZh}${viaZh}`,
      },
      sql:
        `SELECT ${shown.join(', ')}, SUM(${m}) AS ${sumAlias(measure)} FROM ${from}${where(filters)}` +
        ` GROUP BY ${keys.join(', ')} ORDER BY ${sumAlias(measure)} DESC NULLS LAST, ${keys.join(', ')} LIMIT 10`,
    });
  }
  const [parentGroup] = groupColumns(parent).filter((g) => !fk.refColumns.includes(g.name));
  if (parentGroup) {
    const g = qualify('p', parentGroup.name);
    out.push({
      question: {
        en: `How many ${childEn} are there for each ${singular(parentEn)} ${phrase(parentGroup.name, 'en')}${viaEn}?`,
        zh: `按${parentZh}的${phrase(parentGroup.name, 'zh')}统计${childZh}数量${viaZh}`,
      },
      sql: `SELECT ${g}, COUNT(*) AS ${countAlias} FROM ${from}${where(filters)} GROUP BY ${g} ORDER BY ${countAlias} DESC, ${g}`,
    });
  }
  return out;
}

/** Candidates per table of a theme: its own questions, then those along its foreign keys. */
function candidatesFor(doc: TableDoc, theme: TableDoc[]): Candidate[] {
  const own = singleTableCandidates(doc);
  const joins = doc.table.foreignKeys.flatMap((fk) => {
    const parent = theme.find((t) => t.table.schema === fk.refSchema && t.table.name === fk.refTable);
    return parent ? joinCandidates(doc, parent, fk) : [];
  });
  // Interleave so that a short list still holds a join early.
  const [first, ...rest] = own;
  return [...(first ? [first] : []), ...joins.slice(0, 1), ...rest.slice(0, 2), ...joins.slice(1), ...rest.slice(2)];
}

/**
 * Up to `count` pairs for a theme, taking turns between its tables so each one is covered.
 * `seen` holds normalised questions already produced in this run; it is updated.
 */
export function builtinPairs(tables: TableDoc[], count: number, language: Language, seen: Set<string>): QaPair[] {
  const queues = tables.map((doc) => candidatesFor(doc, tables));
  const pairs: QaPair[] = [];
  let progressed = true;
  while (pairs.length < count && progressed) {
    progressed = false;
    for (const queue of queues) {
      if (pairs.length >= count) break;
      while (queue.length > 0) {
        const candidate = queue.shift() as Candidate;
        const question = candidate.question[language];
        const key = question.toLowerCase().replace(/\s+/g, ' ').trim();
        if (seen.has(key)) continue;
        seen.add(key);
        pairs.push({ question, sql: `${candidate.sql};` });
        progressed = true;
        break;
      }
    }
  }
  return pairs;
}
