/**
 * Builtin analysis themes: groups of tables connected by foreign keys. Each "fact" table (one that
 * references others) becomes the centre of a theme with the tables it references; tables left over
 * join a theme they are connected to, or get their own.
 */
import type { TableDoc, Theme } from '../llm-provider.js';
import type { Language } from '../../util/language.js';
import { SchemaNames } from './naming.js';
import { measureColumns } from './schema-roles.js';
import { label } from './words.js';

/** Room for a fact table, what it references and what those reference in turn (two-join questions). */
const MAX_TABLES_PER_THEME = 6;

function key(schema: string, name: string): string {
  return `${schema}.${name}`;
}

export function builtinThemes(docs: TableDoc[], count: number, language: Language): Theme[] {
  const byKey = new Map(docs.map((d) => [key(d.table.schema, d.table.name), d]));
  const parents = new Map<string, string[]>();
  const children = new Map<string, string[]>();
  for (const doc of docs) {
    const k = key(doc.table.schema, doc.table.name);
    const refs = [...new Set(doc.table.foreignKeys.map((fk) => key(fk.refSchema, fk.refTable)))].filter((r) => r !== k && byKey.has(r));
    parents.set(k, refs);
    for (const r of refs) children.set(r, [...(children.get(r) ?? []), k]);
  }

  const rank = (d: TableDoc) => parents.get(key(d.table.schema, d.table.name))?.length ?? 0;
  const centres = [...docs]
    .filter((d) => rank(d) > 0)
    .sort((a, b) => rank(b) - rank(a) || (b.table.rowEstimate ?? 0) - (a.table.rowEstimate ?? 0) || a.sqlName.localeCompare(b.sqlName));

  const groups: string[][] = [];
  for (const centre of centres) {
    if (groups.length >= count) break;
    const k = key(centre.table.schema, centre.table.name);
    const direct = parents.get(k) ?? [];
    const grandparents = direct.flatMap((p) => parents.get(p) ?? []).filter((g) => g !== k && !direct.includes(g));
    const members = [...new Set([k, ...direct, ...grandparents])].slice(0, MAX_TABLES_PER_THEME);
    // A group that adds nothing to an existing one is not a new theme.
    if (groups.some((g) => members.every((m) => g.includes(m)))) continue;
    groups.push(members);
  }

  // Every table belongs to at least one theme.
  for (const doc of docs) {
    const k = key(doc.table.schema, doc.table.name);
    if (groups.some((g) => g.includes(k))) continue;
    const related = [...(parents.get(k) ?? []), ...(children.get(k) ?? [])];
    const host = groups.find((g) => g.length < MAX_TABLES_PER_THEME && related.some((r) => g.includes(r)));
    if (host) host.push(k);
    else groups.push([k, ...related].slice(0, MAX_TABLES_PER_THEME));
  }

  const names = new SchemaNames(docs);
  return groups.map((members) =>
    makeTheme(
      members.map((m) => byKey.get(m) as TableDoc),
      language,
      names,
    ),
  );
}

function makeTheme(tables: TableDoc[], language: Language, names: SchemaNames): Theme {
  const [centre, ...others] = tables as [TableDoc, ...TableDoc[]];
  const nameOf = (doc: TableDoc) => (language === 'zh' ? names.tableZh(doc) : names.noun(doc).many);
  const centreName = nameOf(centre);
  const otherNames = others.map(nameOf);
  const metrics = tables.flatMap((t) =>
    measureColumns(t)
      .slice(0, 2)
      .map((c) => (language === 'zh' ? names.columnZh(t, c) : label(c.name, language))),
  );
  const entities = [centreName, ...otherNames];
  if (language === 'zh') {
    return {
      topic_name: otherNames.length ? `${centreName}与${otherNames.slice(0, 2).join('、')}分析` : `${centreName}分析`,
      description: `围绕${centreName}${otherNames.length ? `及其关联的${otherNames.join('、')}` : ''}，分析数量、金额与时间趋势。`,
      related_tables: tables.map((t) => t.sqlName),
      biz_entities: entities,
      biz_metrics: [...new Set(['数量', ...metrics])],
    };
  }
  const title = centreName.charAt(0).toUpperCase() + centreName.slice(1);
  return {
    topic_name: otherNames.length ? `${title} by ${otherNames.slice(0, 2).join(' and ')}` : `${title} overview`,
    description: `Volumes, amounts and trends of ${centreName}${otherNames.length ? `, broken down by their ${otherNames.join(', ')}` : ''}.`,
    related_tables: tables.map((t) => t.sqlName),
    biz_entities: entities,
    biz_metrics: [...new Set(['count', ...metrics])],
  };
}
