/**
 * Builtin question/SQL pairs from templates over the schema's meaning: counts and filters on
 * documented enumeration values, date ranges relative to the data's own range, sums and averages,
 * shares, period-over-period changes, top-N overall and per group, and joins along one and two
 * foreign keys (HAVING, revenue per grandparent). Values come from sampled rows, so filters match
 * data. The pairs of a theme are chosen to mix joins, filters and difficulty levels, and no two
 * share a SQL shape (literals aside).
 */
import type { ColumnInfo, ForeignKeyInfo } from '../../source/catalog.js';
import { quoteLiteral } from '../../sql/identifiers.js';
import { sqlShape } from '../../sql/sql-shape.js';
import type { Language } from '../../util/language.js';
import type { QaPair, TableDoc } from '../llm-provider.js';
import { SchemaNames } from './naming.js';
import { activeCondition, dateColumns, groupColumns, hasValues, labelColumns, measureColumns, qualify, snake, tieBreakers } from './schema-roles.js';
import { monthLabel, type Noun, withArticle } from './words.js';

type Text = Record<Language, string>;

interface Candidate {
  question: Text;
  sql: string;
  /** Raises the candidate's chance to be picked: the questions a manager asks first. */
  bonus?: number;
}

/** What the templates need to know about one table. */
interface View {
  doc: TableDoc;
  noun: Noun;
  zh: string;
  en(column: ColumnInfo): string;
  zhOf(column: ColumnInfo): string;
  countAlias: string;
}

function where(conditions: (string | undefined)[]): string {
  const present = conditions.filter((c): c is string => Boolean(c));
  return present.length ? ` WHERE ${present.join(' AND ')}` : '';
}

/** A stable pick among phrasings, so a run is deterministic but tables do not all read alike. */
function variant<T>(seed: string, options: readonly T[]): T {
  let hash = 0;
  for (const ch of seed) hash = (hash * 31 + ch.charCodeAt(0)) >>> 0;
  return options[hash % options.length] as T;
}

function totalOf(label: string): string {
  return /^total\b/.test(label) ? `sum of ${label}` : `total ${label}`;
}

/** `薪资总和`, but `总金额` stays as it is. */
function zhTotal(label: string): string {
  return /^(总|合计)/.test(label) || /(总额|总计|合计)$/.test(label) ? label : `${label}总和`;
}

function sumAlias(column: ColumnInfo): string {
  const name = snake(column.name);
  return name.startsWith('total') ? `sum_${name}` : `total_${name}`;
}

// ---- dates -------------------------------------------------------------------------------------

const TIME_OF_DAY = new Set(['time', 'timetz']);
const PARTICIPLE = /(ed|paid|sold|sent|born|made|built|held|begun|shipped|won|lost|set)$/;

/** Date columns that hold calendar dates (a time of day alone has no month). */
function calendarColumns(doc: TableDoc): ColumnInfo[] {
  return dateColumns(doc).filter((c) => !TIME_OF_DAY.has(c.typeName));
}

/**
 * How a date column reads after the rows it dates: `orders shipped in March 2024` (a verb),
 * `employees with a birth date in 1947` (a noun).
 */
interface DateWording {
  /** `shipped` or undefined. */
  verb: string | undefined;
  /** `birth date`, `shipping date`. */
  noun: string;
}

function dateWording(label: string): DateWording {
  const words = label.split(' ');
  const last = words.at(-1) ?? '';
  const stem = words.slice(0, -1);
  if (/^(at|on|ts|time|timestamp)$/.test(last) && stem.length > 0) {
    const stemText = stem.join(' ');
    return PARTICIPLE.test(stem[0] as string) ? { verb: stemText, noun: `${stemText} date` } : { verb: undefined, noun: `${stemText} date` };
  }
  return { verb: undefined, noun: /date|day/.test(label) ? label : `${label} date` };
}

/** `orders shipped in the last three months of the data`. */
function rowsDated(many: string, wording: DateWording, when: string): string {
  return wording.verb ? `${many} ${wording.verb} ${when}` : `${many} with ${withArticle(wording.noun)} ${when}`;
}

/** `were shipped in March 2024`, `have a birth date in 1947`: after the plural noun. */
function datedPredicate(wording: DateWording, when: string): string {
  return wording.verb ? `were ${wording.verb} ${when}` : `have ${withArticle(wording.noun)} ${when}`;
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

/** Distinct sampled years of a date column: two or more make a year-over-year question. */
function sampledYears(doc: TableDoc, column: ColumnInfo): number {
  return new Set(doc.samples.map((row) => /^(\d{4})-/.exec(row[column.name] ?? '')?.[1]).filter(Boolean)).size;
}

function monthRange(year: number, month: number): [string, string] {
  const pad = (n: number) => String(n).padStart(2, '0');
  const next = month === 12 ? [year + 1, 1] : [year, month + 1];
  return [`${year}-${pad(month)}-01`, `${next[0]}-${pad(next[1] as number)}-01`];
}

// ---- enumerations ------------------------------------------------------------------------------

/** The documented value of a grouping column that the samples hold most often (true for a boolean). */
function filterValue(doc: TableDoc, column: ColumnInfo): string | undefined {
  if (column.category === 'B') return hasValues(doc, column.name) ? 'true' : undefined;
  const documented = doc.enumValues[column.name] ?? column.enumLabels ?? column.allowedValues ?? [];
  const counts = new Map<string, number>();
  for (const row of doc.samples) {
    const value = row[column.name];
    if (value !== null && value !== undefined && (documented.length === 0 || documented.includes(value))) counts.set(value, (counts.get(value) ?? 0) + 1);
  }
  return [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0]?.[0];
}

/** A condition on one enumeration value with its wording: `orders` + `have shipped as their status`. */
interface ValueFilter {
  sql: string;
  /** After the plural noun, as a verb phrase: `are online`, `have shipped as their status`. */
  en: string;
  /** The rows it keeps, as a noun phrase: `stores that are online`, `orders with shipped as their status`. */
  rows: string;
  zh: string;
  /** The condition alone, to follow a table's name: `国家为“加拿大”`, `线上`. */
  zhCondition: string;
  /** Result alias of the value's share: `pct_shipped`. */
  alias: string;
}

function valueFilter(view: View, column: ColumnInfo, alias: string | undefined, many: string, zhName: string): ValueFilter | undefined {
  const value = filterValue(view.doc, column);
  if (value === undefined) return undefined;
  const ref = qualify(alias, column.name);
  const en = view.en(column);
  const zh = view.zhOf(column);
  if (column.category === 'B') {
    const adjective = /^is /.test(en) ? en.slice(3) : undefined;
    return {
      sql: `${ref} IS TRUE`,
      en: adjective ? `are ${adjective}` : `have ${en} set to yes`,
      rows: adjective ? `${many} that are ${adjective}` : `${many} with ${en} set to yes`,
      zh: zh.startsWith('是否') && zh.length > 2 ? `${zh.slice(2)}的${zhName}` : `${zh}为“是”的${zhName}`,
      zhCondition: zh.startsWith('是否') && zh.length > 2 ? `为${zh.slice(2)}` : `${zh}为“是”`,
      alias: `pct_${snake(column.name)}`,
    };
  }
  // A code such as `in_progress` reads "in progress" in a sentence; the SQL keeps the literal.
  const spoken = value.replace(/_+/g, ' ').trim() || value;
  return {
    sql: `${ref} = ${quoteLiteral(value)}`,
    en: `have ${spoken} as their ${en}`,
    rows: `${many} with ${spoken} as their ${en}`,
    zh: `${zh}为“${value}”的${zhName}`,
    zhCondition: `${zh}为“${value}”`,
    alias: `pct_${snake(value) || 'value'}`,
  };
}

/** `a units sold` reads wrong: plural labels go without an article. */
function measureWithArticle(label: string): string {
  return /\b\w+[^su\s]s\b/.test(label) ? label : withArticle(label);
}

/** How a grouping column reads after "for each": booleans named is_x read "whether they are x". */
function groupPhrase(view: View, column: ColumnInfo): string {
  const text = view.en(column);
  if (column.category === 'B') return /^is /.test(text) ? `whether they are ${text.slice(3)} or not` : `${text} (yes or no)`;
  return `each ${text}`;
}

// ---- one table ---------------------------------------------------------------------------------

/** Questions about one table on its own, most useful first. */
function singleTableCandidates(view: View): Candidate[] {
  const { doc, noun, zh } = view;
  const from = doc.sqlName;
  const t = doc.table;
  const active = activeCondition(t);
  const { many } = noun;
  const countAlias = view.countAlias;
  const seed = doc.sqlName;
  const measures = measureColumns(doc);
  const groups = groupColumns(doc);
  const dates = calendarColumns(doc);
  const labels = labelColumns(t);
  const order = tieBreakers(t).map((c) => qualify(undefined, c.name));
  const out: Candidate[] = [];

  out.push({
    question: active
      ? {
          en: variant(seed, [`How many ${many} are there, not counting deleted ones?`, `How many ${many} have not been deleted?`]),
          zh: `未删除的${zh}一共有多少？`,
        }
      : {
          en: variant(seed, [`How many ${many} are there?`, `What is the number of ${many}?`, `How many ${many} does the database hold?`]),
          zh: variant(seed, [`一共有多少${zh}？`, `${zh}的总数是多少？`]),
        },
    sql: `SELECT COUNT(*) AS ${countAlias} FROM ${from}${where([active])}`,
  });
  if (doc.samples.length === 0) return out;

  const [group, ...moreGroups] = groups;
  const [measure, ...moreMeasures] = measures;
  const [date] = dates;
  const m = measure ? { ref: qualify(undefined, measure.name), en: view.en(measure), zh: view.zhOf(measure) } : undefined;

  if (group) {
    const filter = valueFilter(view, group, undefined, many, zh);
    if (filter) {
      out.push({
        question: { en: `How many ${many} ${filter.en}?`, zh: `${filter.zh}有多少？` },
        sql: `SELECT COUNT(*) AS ${countAlias} FROM ${from}${where([filter.sql, active])}`,
      });
      out.push({
        question: {
          en: `What share of ${many} ${filter.en}, in percent?`,
          zh: `${filter.zh}占全部${zh}的百分比是多少？`,
        },
        sql: `SELECT ROUND(100.0 * COUNT(*) FILTER (WHERE ${filter.sql}) / NULLIF(COUNT(*), 0), 1) AS ${filter.alias} FROM ${from}${where([active])}`,
      });
    }
    out.push(groupCount(view, group));
  }
  if (date) {
    const d = qualify(undefined, date.name);
    const wording = dateWording(view.en(date));
    const dZh = view.zhOf(date);
    out.push({
      question: {
        en: `How many ${many} ${datedPredicate(wording, 'in the last three months of the data')}?`,
        zh: `按${dZh}计，数据中最近三个月的${zh}有多少？`,
      },
      sql: `SELECT COUNT(*) AS ${countAlias} FROM ${from}${where([`${d} >= (SELECT max(${d}) FROM ${from}) - interval '3 months'`, active])}`,
    });
  }
  if (m && measure) {
    out.push({
      question: {
        en: variant(seed, [`What are the total and the average ${m.en} of all ${many}?`, `What is the total ${m.en} of ${many}, and what is the average?`]),
        zh: `${zh}的${m.zh}的合计与平均值分别是多少？`,
      },
      sql: `SELECT SUM(${m.ref}) AS ${sumAlias(measure)}, ROUND(AVG(${m.ref})::numeric, 2) AS avg_${snake(measure.name)} FROM ${from}${where([active])}`,
    });
    const shown = [...new Map([...labels, measure].map((c) => [c.name, c])).values()];
    out.push({
      question: {
        en: variant(seed, [`Which 10 ${many} have the highest ${m.en}?`, `What are the 10 ${many} with the highest ${m.en}?`]),
        zh: `${m.zh}最高的前10个${zh}是哪些？`,
      },
      sql:
        `SELECT ${shown.map((c) => qualify(undefined, c.name)).join(', ')} FROM ${from}${where([`${m.ref} IS NOT NULL`, active])}` +
        ` ORDER BY ${m.ref} DESC, ${order.join(', ')} LIMIT 10`,
    });
    out.push({
      question: { en: `Which ${many} have ${measureWithArticle(m.en)} above the average?`, zh: `${m.zh}高于平均值的${zh}有哪些？` },
      sql:
        `SELECT ${shown.map((c) => qualify(undefined, c.name)).join(', ')} FROM ${from}` +
        `${where([`${m.ref} > (SELECT AVG(${m.ref}) FROM ${from}${where([active])})`, active])} ORDER BY ${m.ref} DESC, ${order.join(', ')}`,
    });
  }
  if (date) {
    const month = sampledMonth(doc, date);
    const d = qualify(undefined, date.name);
    const wording = dateWording(view.en(date));
    const dZh = view.zhOf(date);
    if (month) {
      const [start, end] = monthRange(...month);
      const range = `${d} >= '${start}' AND ${d} < '${end}'`;
      const when = { en: monthLabel(month[0], month[1], 'en'), zh: monthLabel(month[0], month[1], 'zh') };
      out.push(
        m && measure
          ? {
              question: {
                en: `What is the ${totalOf(m.en)} of ${rowsDated(many, wording, `in ${when.en}`)}?`,
                zh: `${dZh}在${when.zh}的${zh}，${zhTotal(m.zh)}是多少？`,
              },
              sql: `SELECT SUM(${m.ref}) AS ${sumAlias(measure)} FROM ${from}${where([range, active])}`,
            }
          : {
              question: { en: `How many ${many} ${datedPredicate(wording, `in ${when.en}`)}?`, zh: `${dZh}在${when.zh}的${zh}有多少？` },
              sql: `SELECT COUNT(*) AS ${countAlias} FROM ${from}${where([range, active])}`,
            },
      );
    }
    const period = sampledYears(doc, date) >= 2 ? { unit: 'year', en: 'year', zh: '年' } : { unit: 'month', en: 'month', zh: '月' };
    out.push({
      question: {
        en: wording.verb
          ? `How many ${many} were ${wording.verb} each ${period.en}, and how does that compare with the previous ${period.en}?`
          : `How many ${many} are there per ${period.en} of their ${wording.noun}, compared with the previous ${period.en}?`,
        zh: `按${dZh}统计每${period.zh}的${zh}数量，以及与上${period.zh === '年' ? '一年' : '个月'}相比的变化`,
      },
      sql:
        `WITH per_${period.unit} AS (SELECT date_trunc('${period.unit}', ${d})::date AS ${period.unit}, COUNT(*) AS ${countAlias} FROM ${from}` +
        `${where([`${d} IS NOT NULL`, active])} GROUP BY 1)` +
        ` SELECT ${period.unit}, ${countAlias}, ${countAlias} - LAG(${countAlias}) OVER (ORDER BY ${period.unit}) AS change_from_previous FROM per_${period.unit} ORDER BY ${period.unit}`,
    });
    out.push({
      question: {
        en: wording.verb ? `How many ${many} were ${wording.verb} per month?` : `How many ${many} are there per month of their ${wording.noun}?`,
        zh: `按${dZh}的月份统计${zh}数量`,
      },
      sql: `SELECT date_trunc('month', ${d})::date AS month, COUNT(*) AS ${countAlias} FROM ${from}${where([`${d} IS NOT NULL`, active])} GROUP BY 1 ORDER BY 1`,
    });
  }
  if (group && m && measure) {
    out.push({
      question: { en: `What is the ${totalOf(m.en)} of ${many} for ${groupPhrase(view, group)}?`, zh: `按${view.zhOf(group)}统计${zh}的${zhTotal(m.zh)}` },
      sql:
        `SELECT ${qualify(undefined, group.name)}, SUM(${m.ref}) AS ${sumAlias(measure)} FROM ${from}${where([active])}` +
        ` GROUP BY ${qualify(undefined, group.name)} ORDER BY ${sumAlias(measure)} DESC NULLS LAST, ${qualify(undefined, group.name)}`,
    });
  }
  for (const extra of moreGroups.slice(0, 2)) out.push(groupCount(view, extra));
  for (const extra of moreMeasures.slice(0, 2)) {
    out.push({
      question: { en: `What is the average ${view.en(extra)} of ${many}?`, zh: `${zh}的平均${view.zhOf(extra)}是多少？` },
      sql: `SELECT ROUND(AVG(${qualify(undefined, extra.name)})::numeric, 2) AS avg_${snake(extra.name)} FROM ${from}${where([active])}`,
    });
  }
  return out;
}

function groupCount(view: View, group: ColumnInfo): Candidate {
  const g = qualify(undefined, group.name);
  const { many } = view.noun;
  const label = view.en(group);
  const flag = /^is /.test(label) ? `How many ${many} are ${label.slice(3)} and how many are not?` : `How many ${many} have ${label} and how many do not?`;
  return {
    question: {
      en:
        group.category === 'B'
          ? flag
          : variant(`${view.doc.sqlName}.${group.name}`, [
              `How many ${many} are there for ${groupPhrase(view, group)}?`,
              `What is the number of ${many} for each ${label}?`,
            ]),
      zh: group.category === 'B' ? `按${view.zhOf(group)}统计${view.zh}数量` : `各${view.zhOf(group)}的${view.zh}数量分别是多少？`,
    },
    sql: `SELECT ${g}, COUNT(*) AS ${view.countAlias} FROM ${view.doc.sqlName}${where([activeCondition(view.doc.table)])} GROUP BY ${g} ORDER BY ${view.countAlias} DESC, ${g}`,
  };
}

// ---- joins -------------------------------------------------------------------------------------

function joinOn(fk: ForeignKeyInfo, parentAlias: string, childAlias: string): string {
  return fk.columns.map((col, i) => `${parentAlias}.${qualify(undefined, fk.refColumns[i] ?? col)} = ${childAlias}.${qualify(undefined, col)}`).join(' AND ');
}

/** A parent's columns to show and to group by, under an alias. */
function parentKeys(parent: View, alias: string): { shown: string[]; keys: string[] } {
  const shown = labelColumns(parent.doc.table).map((col) => qualify(alias, col.name));
  const keys = [...new Set([...tieBreakers(parent.doc.table).map((col) => qualify(alias, col.name)), ...shown])];
  return { shown, keys };
}

/** A price and a quantity on the same row make revenue before discounts (and before cancellations): `SUM(c.unit_price * c.quantity)`. */
function revenueOf(view: View, alias: string): { sql: string; en: string; zh: string; alias: string } | undefined {
  const measures = measureColumns(view.doc);
  const price = measures.find((c) => /price|amount|cost/i.test(c.name));
  const quantity = measures.find((c) => /(^|_)(quantity|qty|units?)$/i.test(c.name));
  if (price && quantity)
    return { sql: `${qualify(alias, price.name)} * ${qualify(alias, quantity.name)}`, en: 'revenue before discounts', zh: '折扣前销售额', alias: 'revenue' };
  const [measure] = measures;
  if (!measure) return undefined;
  const label = view.en(measure);
  return { sql: qualify(alias, measure.name), en: /^total\b/.test(label) ? label : `total ${label}`, zh: view.zhOf(measure), alias: sumAlias(measure) };
}

/** Questions that follow one foreign key from a child table to the table it references. */
function joinCandidates(childView: View, parent: View, fk: ForeignKeyInfo): Candidate[] {
  if (!fk.columns.every((col) => hasValues(childView.doc, col))) return [];
  const c = childView.doc.table;
  const p = parent.doc.table;
  const self = c === p;
  // A self reference reads as rows "under" a row: 下级员工.
  const child: View = self ? { ...childView, zh: `下级${childView.zh}` } : childView;
  const { shown, keys } = parentKeys(parent, 'p');
  const from = `${child.doc.sqlName} c JOIN ${parent.doc.sqlName} p ON ${joinOn(fk, 'p', 'c')}`;
  const filters = [activeCondition(c, 'c'), activeCondition(p, 'p')];
  const countAlias = child.countAlias;
  const via = c.foreignKeys.filter((f) => f.refTable === p.name && f.refSchema === p.schema).length > 1;
  const fkColumn = c.columns.find((col) => col.name === fk.columns[0]) as ColumnInfo;
  const role = { en: child.en(fkColumn).replace(/ ID$/, ''), zh: child.zhOf(fkColumn).replace(/编号$/, '') };
  // Two keys to one table name the key in the wording.
  const viaEn = self ? ' under them' : via ? ` (by ${role.en})` : '';
  const viaZh = via && !self ? `（按${role.zh}）` : '';
  const C = child.noun;
  const P = parent.noun;
  const seed = `${child.doc.sqlName}>${parent.doc.sqlName}`;
  const out: Candidate[] = [
    {
      question: {
        en: variant(seed, [`Which 10 ${P.many} have the most ${C.many}${viaEn}?`, `What are the 10 ${P.many} with the most ${C.many}${viaEn}?`]),
        zh: `${child.zh}数量最多的前10个${parent.zh}是哪些${viaZh}？`,
      },
      sql:
        `SELECT ${shown.join(', ')}, COUNT(*) AS ${countAlias} FROM ${from}${where(filters)}` +
        ` GROUP BY ${keys.join(', ')} ORDER BY ${countAlias} DESC, ${keys.join(', ')} LIMIT 10`,
    },
    {
      question: {
        en: `Which ${P.many} have at least two ${C.many}${viaEn}?`,
        zh: `拥有至少2个${child.zh}的${parent.zh}有哪些${viaZh}？`,
      },
      sql:
        `SELECT ${shown.join(', ')}, COUNT(*) AS ${countAlias} FROM ${from}${where(filters)}` +
        ` GROUP BY ${keys.join(', ')} HAVING COUNT(*) >= 2 ORDER BY ${countAlias} DESC, ${keys.join(', ')}`,
    },
  ];
  const [parentGroup] = groupColumns(parent.doc).filter((g) => !fk.refColumns.includes(g.name));
  const parentFilter = parentGroup && !self ? valueFilter(parent, parentGroup, 'p', P.many, parent.zh) : undefined;
  if (parentFilter) {
    out.push({
      question: {
        en: `How many ${C.many} belong to ${parentFilter.rows}${viaEn}?`,
        zh: `${parent.zh}${parentFilter.zhCondition}的${child.zh}有多少${viaZh}？`,
      },
      sql: `SELECT COUNT(*) AS ${countAlias} FROM ${from}${where([parentFilter.sql, ...filters])}`,
    });
  }
  const revenue = revenueOf(child, 'c');
  if (revenue) {
    out.push({
      question: {
        en: `Which 10 ${P.many} have the highest ${revenue.en} from their ${C.many}${viaEn}?`,
        zh: `${child.zh}的${zhTotal(revenue.zh)}最高的前10个${parent.zh}${viaZh}`,
      },
      sql:
        `SELECT ${shown.join(', ')}, SUM(${revenue.sql}) AS ${revenue.alias} FROM ${from}${where(filters)}` +
        ` GROUP BY ${keys.join(', ')} ORDER BY ${revenue.alias} DESC NULLS LAST, ${keys.join(', ')} LIMIT 10`,
    });
  }
  if (parentGroup && !self) {
    const g = qualify('p', parentGroup.name);
    out.push({
      question: {
        en: `How many ${C.many} are there for each ${P.one} ${parent.en(parentGroup)}${viaEn}?`,
        zh: `按${parent.zh}的${parent.zhOf(parentGroup)}统计${child.zh}数量${viaZh}`,
      },
      sql: `SELECT ${g}, COUNT(*) AS ${countAlias} FROM ${from}${where(filters)} GROUP BY ${g} ORDER BY ${countAlias} DESC, ${g}`,
    });
  }
  const [measure] = measureColumns(child.doc);
  if (measure && !self) out.push(topPerGroup(child, parent, fk, measure));
  if (self) return out;
  out.push({
    question: {
      en: `Which 10 ${P.many} account for the largest share of all ${C.many}${viaEn}, in percent?`,
      zh: `${child.zh}占比最高的前10个${parent.zh}${viaZh}，各占全部${child.zh}的百分之多少？`,
    },
    sql:
      `SELECT ${shown.join(', ')}, COUNT(*) AS ${countAlias}, ROUND(100.0 * COUNT(*) / SUM(COUNT(*)) OVER (), 1) AS pct_of_all FROM ${from}${where(filters)}` +
      ` GROUP BY ${keys.join(', ')} ORDER BY ${countAlias} DESC, ${keys.join(', ')} LIMIT 10`,
  });
  const [date] = calendarColumns(child.doc);
  if (date) {
    const d = qualify('c', date.name);
    const wording = dateWording(child.en(date));
    out.push({
      question: {
        en: `Which 10 ${P.many} have the most ${rowsDated(C.many, wording, 'in the last three months of the data')}${viaEn}?`,
        zh: `按${child.zhOf(date)}计，数据中最近三个月${child.zh}数量最多的前10个${parent.zh}${viaZh}`,
      },
      sql:
        `SELECT ${shown.join(', ')}, COUNT(*) AS ${countAlias} FROM ${from}` +
        `${where([`${d} >= (SELECT max(${qualify(undefined, date.name)}) FROM ${child.doc.sqlName}) - interval '3 months'`, ...filters])}` +
        ` GROUP BY ${keys.join(', ')} ORDER BY ${countAlias} DESC, ${keys.join(', ')} LIMIT 10`,
    });
  }
  return out;
}

/** The three children with the highest measure for every parent (a window over the join). */
function topPerGroup(child: View, parent: View, fk: ForeignKeyInfo, measure: ColumnInfo): Candidate {
  const parentLabels = labelColumns(parent.doc.table);
  const childLabels = labelColumns(child.doc.table).filter((col) => col.name !== measure.name);
  const pa = snake(parent.noun.one);
  const ca = snake(child.noun.one);
  const columns = [
    ...parentLabels.map((col) => [qualify('p', col.name), `${pa}_${snake(col.name)}`] as const),
    ...childLabels.map((col) => [qualify('c', col.name), `${ca}_${snake(col.name)}`] as const),
    [qualify('c', measure.name), snake(measure.name)] as const,
  ];
  const partition = tieBreakers(parent.doc.table).map((col) => qualify('p', col.name));
  const childOrder = tieBreakers(child.doc.table).map((col) => qualify('c', col.name));
  const from = `${child.doc.sqlName} c JOIN ${parent.doc.sqlName} p ON ${joinOn(fk, 'p', 'c')}`;
  const filters = [`${qualify('c', measure.name)} IS NOT NULL`, activeCondition(child.doc.table, 'c'), activeCondition(parent.doc.table, 'p')];
  const aliases = columns.map(([, alias]) => alias);
  const parentAliases = aliases.slice(0, parentLabels.length);
  return {
    question: {
      en: `For each ${parent.noun.one}, which 3 ${child.noun.many} have the highest ${child.en(measure)}?`,
      zh: `每个${parent.zh}中${child.zhOf(measure)}最高的前3个${child.zh}分别是哪些？`,
    },
    sql:
      `SELECT ${aliases.join(', ')} FROM (SELECT ${columns.map(([expr, alias]) => `${expr} AS ${alias}`).join(', ')},` +
      ` ROW_NUMBER() OVER (PARTITION BY ${partition.join(', ')} ORDER BY ${qualify('c', measure.name)} DESC, ${childOrder.join(', ')}) AS rank_in_group` +
      ` FROM ${from}${where(filters)}) ranked WHERE rank_in_group <= 3 ORDER BY ${parentAliases.join(', ')}, rank_in_group`,
  };
}

/** Questions along two foreign keys: child → parent → grandparent ("revenue per genre"). */
function chainCandidates(child: View, fk: ForeignKeyInfo, parent: View, fk2: ForeignKeyInfo, grand: View): Candidate[] {
  if (!fk.columns.every((col) => hasValues(child.doc, col)) || !fk2.columns.every((col) => hasValues(parent.doc, col))) return [];
  const { shown, keys } = parentKeys(grand, 'g');
  const from = `${child.doc.sqlName} c JOIN ${parent.doc.sqlName} p ON ${joinOn(fk, 'p', 'c')} JOIN ${grand.doc.sqlName} g ON ${joinOn(fk2, 'g', 'p')}`;
  const filters = [activeCondition(child.doc.table, 'c'), activeCondition(parent.doc.table, 'p'), activeCondition(grand.doc.table, 'g')];
  const C = child.noun;
  const G = grand.noun;
  const out: Candidate[] = [
    {
      question: {
        en: variant(`${child.doc.sqlName}>>${grand.doc.sqlName}`, [
          `Which 10 ${G.many} have the most ${C.many}?`,
          `What are the 10 ${G.many} with the most ${C.many}?`,
        ]),
        zh: `${child.zh}数量最多的前10个${grand.zh}是哪些？`,
      },
      sql:
        `SELECT ${shown.join(', ')}, COUNT(*) AS ${child.countAlias} FROM ${from}${where(filters)}` +
        ` GROUP BY ${keys.join(', ')} ORDER BY ${child.countAlias} DESC, ${keys.join(', ')} LIMIT 10`,
    },
  ];
  const revenue = revenueOf(child, 'c');
  if (revenue) {
    // Price times quantity is what a manager asks for first ("revenue per genre").
    out[revenue.alias === 'revenue' ? 'unshift' : 'push']({
      bonus: revenue.alias === 'revenue' ? 2 : 0,
      question: {
        en: revenue.alias === 'revenue' ? `What is the ${revenue.en} from ${C.many} per ${G.one}?` : `What is the ${revenue.en} of ${C.many} per ${G.one}?`,
        zh: `各${grand.zh}的${child.zh}${zhTotal(revenue.zh)}是多少？`,
      },
      sql:
        `SELECT ${shown.join(', ')}, SUM(${revenue.sql}) AS ${revenue.alias} FROM ${from}${where(filters)}` +
        ` GROUP BY ${keys.join(', ')} ORDER BY ${revenue.alias} DESC NULLS LAST, ${keys.join(', ')}`,
    });
  }
  const [grandGroup] = groupColumns(grand.doc).filter((g) => !fk2.refColumns.includes(g.name));
  const filter = grandGroup ? valueFilter(grand, grandGroup, 'g', G.many, grand.zh) : undefined;
  if (filter) {
    out.push({
      question: {
        en: `How many ${C.many} are there whose ${parent.noun.one} belongs to ${filter.rows}?`,
        zh: `所属${grand.zh}${filter.zhCondition}的${child.zh}有多少？`,
      },
      sql: `SELECT COUNT(*) AS ${child.countAlias} FROM ${from}${where([filter.sql, ...filters])}`,
    });
  }
  return out;
}

/** A question over two parents of one child: which pairs of them come together most. */
function starCandidate(child: View, fk1: ForeignKeyInfo, p1: View, fk2: ForeignKeyInfo, p2: View): Candidate | undefined {
  if (![...fk1.columns, ...fk2.columns].every((col) => hasValues(child.doc, col))) return undefined;
  const a = parentKeys(p1, 'p');
  const b = parentKeys(p2, 'q');
  const from = `${child.doc.sqlName} c JOIN ${p1.doc.sqlName} p ON ${joinOn(fk1, 'p', 'c')} JOIN ${p2.doc.sqlName} q ON ${joinOn(fk2, 'q', 'c')}`;
  const filters = [activeCondition(child.doc.table, 'c'), activeCondition(p1.doc.table, 'p'), activeCondition(p2.doc.table, 'q')];
  const keys = [...a.keys, ...b.keys];
  return {
    question: {
      en: `Which 10 combinations of ${p1.noun.one} and ${p2.noun.one} have the most ${child.noun.many}?`,
      zh: `${child.zh}数量最多的前10个${p1.zh}与${p2.zh}组合是哪些？`,
    },
    sql:
      `SELECT ${[...a.shown, ...b.shown].join(', ')}, COUNT(*) AS ${child.countAlias} FROM ${from}${where(filters)}` +
      ` GROUP BY ${keys.join(', ')} ORDER BY ${child.countAlias} DESC, ${keys.join(', ')} LIMIT 10`,
  };
}

// ---- choosing ----------------------------------------------------------------------------------

interface Scored extends Candidate {
  table: number;
  rank: number;
  joins: number;
  filter: boolean;
  fingerprint: string;
}

/** What a theme's pairs should hold at least, as shares: joins, filters, two or more joins. */
const TARGET = { join: 0.4, filter: 0.4, multiJoin: 0.15 };

/** Seen questions and SQL shapes of one run, shared by its themes. */
export interface SeenPairs {
  questions: Set<string>;
  fingerprints: Set<string>;
}

export function newSeenPairs(): SeenPairs {
  return { questions: new Set(), fingerprints: new Set() };
}

function makeView(doc: TableDoc, names: SchemaNames): View {
  const noun = names.noun(doc);
  return {
    doc,
    noun,
    zh: names.tableZh(doc),
    en: (column) => names.columnEn(doc, column),
    zhOf: (column) => names.columnZh(doc, column),
    countAlias: `${snake(noun.one)}_count`,
  };
}

/** Candidates per table of a theme: its own questions, then those along one and two foreign keys. */
function candidatesFor(view: View, views: View[]): Candidate[] {
  const find = (fk: ForeignKeyInfo) => views.find((v) => v.doc.table.schema === fk.refSchema && v.doc.table.name === fk.refTable);
  const own = singleTableCandidates(view);
  const joins: Candidate[] = [];
  const multi: Candidate[] = [];
  const fks = view.doc.table.foreignKeys;
  for (const fk of fks) {
    const parent = find(fk);
    if (!parent) continue;
    joins.push(...joinCandidates(view, parent, fk));
    if (parent === view) continue;
    for (const fk2 of parent.doc.table.foreignKeys) {
      const grand = find(fk2);
      if (grand && grand !== parent && grand !== view) multi.push(...chainCandidates(view, fk, parent, fk2, grand));
    }
  }
  for (let i = 0; i < fks.length; i += 1) {
    for (let j = i + 1; j < fks.length; j += 1) {
      const [p1, p2] = [find(fks[i] as ForeignKeyInfo), find(fks[j] as ForeignKeyInfo)];
      if (p1 && p2 && p1 !== view && p2 !== view && p1 !== p2) {
        const star = starCandidate(view, fks[i] as ForeignKeyInfo, p1, fks[j] as ForeignKeyInfo, p2);
        if (star) multi.push(star);
      }
    }
  }
  // Interleave so that the first picks of a table already mix the kinds.
  const out: Candidate[] = [];
  for (let i = 0; i < Math.max(own.length, joins.length, multi.length); i += 1) {
    for (const list of [own, joins, multi]) if (list[i]) out.push(list[i] as Candidate);
  }
  return out;
}

/**
 * Up to `count` pairs for a theme. Each pick takes the candidate that best fills what the theme
 * still lacks (joins, filters, two-join questions, a table not yet asked about), in template order
 * otherwise; a question or SQL shape `seen` in this run is skipped, and `seen` is updated.
 */
export function builtinPairs(tables: TableDoc[], count: number, language: Language, seen: SeenPairs = newSeenPairs()): QaPair[] {
  const names = new SchemaNames(tables);
  const views = tables.map((doc) => makeView(doc, names));
  const pool: Scored[] = [];
  views.forEach((view, table) => {
    candidatesFor(view, views).forEach((candidate, rank) => {
      const shape = sqlShape(candidate.sql);
      if (!shape) return;
      pool.push({ ...candidate, table, rank, joins: shape.joins, filter: shape.filter, fingerprint: shape.fingerprint });
    });
  });
  const chosen: Scored[] = [];
  const usedTables = new Set<number>();
  const questionKey = (c: Candidate) => c.question[language].toLowerCase().replace(/\s+/g, ' ').trim();
  while (chosen.length < count) {
    const fresh = pool.filter((c) => !seen.questions.has(questionKey(c)) && !seen.fingerprints.has(c.fingerprint));
    if (fresh.length === 0) break;
    const n = chosen.length + 1;
    const lacking = {
      join: chosen.filter((c) => c.joins > 0).length < TARGET.join * n,
      filter: chosen.filter((c) => c.filter).length < TARGET.filter * n,
      multiJoin: chosen.filter((c) => c.joins >= 2).length < TARGET.multiJoin * n,
    };
    const score = (c: Scored) =>
      (lacking.multiJoin && c.joins >= 2 ? 4 : 0) +
      (lacking.join && c.joins > 0 ? 2 : 0) +
      (lacking.filter && c.filter ? 2 : 0) +
      (usedTables.has(c.table) ? 0 : 3) +
      (c.bonus ?? 0) -
      c.rank * 0.05;
    const best = fresh.reduce((a, b) => (score(b) > score(a) ? b : a));
    seen.questions.add(questionKey(best));
    seen.fingerprints.add(best.fingerprint);
    usedTables.add(best.table);
    chosen.push(best);
  }
  return chosen.map((c) => ({ question: c.question[language], sql: `${c.sql};` }));
}
