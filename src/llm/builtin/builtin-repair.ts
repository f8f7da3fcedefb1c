/**
 * Builtin SQL repair: fixes the mistakes a schema can settle on its own, a misspelt column or
 * table named in PostgreSQL's error, by the closest existing name. Anything else is left alone.
 */
import { displayIdent, displayQualified } from '../../sql/identifiers.js';
import type { TableInfo } from '../../source/catalog.js';
import type { RepairItem, RepairProposal } from '../llm-provider.js';

export function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i += 1) {
    let diagonal = row[0] as number;
    row[0] = i;
    for (let j = 1; j <= b.length; j += 1) {
      const above = row[j] as number;
      row[j] = Math.min(above + 1, (row[j - 1] as number) + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length] as number;
}

function closest(name: string, options: string[]): string | undefined {
  const limit = Math.max(2, Math.floor(name.length / 3));
  let best: { option: string; distance: number } | undefined;
  for (const option of options) {
    const distance = editDistance(name.toLowerCase(), option.toLowerCase());
    if (distance <= limit && (!best || distance < best.distance)) best = { option, distance };
  }
  return best?.option;
}

/** Replaces a bare or quoted identifier everywhere outside string literals. */
function replaceIdentifier(sql: string, from: string, to: string): string {
  const escaped = from.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const pattern = new RegExp(`('(?:[^']|'')*')|"${escaped}"|(?<![\\w."])${escaped}(?![\\w"])`, 'gi');
  return sql.replace(pattern, (match, literal: string | undefined) => (literal ? match : to));
}

function repairOne(item: RepairItem, tables: TableInfo[]): string | undefined {
  const column = /column "?(?:[\w]+\.)?([^"\s]+)"? does not exist/i.exec(item.error);
  if (column?.[1]) {
    const names = [...new Set(tables.flatMap((t) => t.columns.map((c) => c.name)))];
    const best = closest(column[1], names);
    if (best && best !== column[1]) return replaceIdentifier(item.sql, column[1], displayIdent(best));
  }
  const relation = /relation "([^"]+)" does not exist/i.exec(item.error);
  if (relation?.[1]) {
    const wanted = relation[1];
    const byName = new Map(tables.map((t) => [wanted.includes('.') ? `${t.schema}.${t.name}` : t.name, t]));
    const best = closest(wanted, [...byName.keys()]);
    const table = best ? byName.get(best) : undefined;
    if (table) {
      const written = table.schema === 'public' ? displayIdent(table.name) : displayQualified(table.schema, table.name);
      return replaceIdentifier(item.sql, wanted, written);
    }
  }
  return undefined;
}

export function builtinRepairs(items: RepairItem[], tables: TableInfo[]): RepairProposal[] {
  return items.flatMap((item) => {
    const sql = repairOne(item, tables);
    return sql && sql !== item.sql ? [{ id: item.id, sql }] : [];
  });
}
