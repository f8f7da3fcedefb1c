/**
 * The table-list format (the one existing tools write): one or more names per line separated by
 * commas; blank lines and lines starting with `#` or `--` are skipped; a name is `table` or
 * `schema.table` (schema defaults to `public`); duplicates are dropped keeping the first.
 * Double quotes keep a name exactly as written (`public."Order Lines"`).
 */
export interface TableRef {
  schema: string;
  name: string;
}

export interface TableListEntryError {
  line: number;
  text: string;
  reason: string;
}

export interface ParsedTableList {
  tables: TableRef[];
  /** Names dropped because they already appeared (as `schema.name`). */
  duplicates: string[];
  /** Entries that are not a valid name, with the reason. */
  invalid: TableListEntryError[];
  /** How many names were listed before de-duplication. */
  originalCount: number;
}

export const DEFAULT_SCHEMA = 'public';

/**
 * Schemas of PostgreSQL's own catalogs: never training data, and reading them (pg_authid holds
 * password hashes) would send their rows toward the LLM and the vector store. PostgreSQL reserves
 * every schema name starting with lower-case `pg_` for itself (pg_catalog, pg_toast, pg_temp_N, …),
 * and has `information_schema`. The test is on the name as PostgreSQL resolves it: an unquoted
 * name is folded to lower case (`PG_CATALOG` is pg_catalog), a quoted one is exact (`"PG_Stats"`
 * is a legal schema of the user's own).
 */
export function isSystemSchema(schema: string, options: { quoted: boolean }): boolean {
  const resolved = options.quoted ? schema : schema.toLowerCase();
  return resolved === 'information_schema' || resolved.startsWith('pg_');
}

/** `schema.name` as written in table lists and API responses. */
export function qualifiedName(table: TableRef): string {
  return `${table.schema}.${table.name}`;
}

/** Splits `text` on `separator` outside double quotes. */
function splitOutsideQuotes(text: string, separator: string): string[] {
  const parts: string[] = [];
  let current = '';
  let quoted = false;
  for (const char of text) {
    if (char === '"') quoted = !quoted;
    if (char === separator && !quoted) {
      parts.push(current);
      current = '';
    } else {
      current += char;
    }
  }
  parts.push(current);
  return parts;
}

/** One part of a name, unquoted; `quoted` says whether it was written in double quotes. */
function unquotePart(part: string): { text: string; quoted: boolean } | undefined {
  const trimmed = part.trim();
  if (trimmed.startsWith('"')) {
    if (trimmed.length < 3 || !trimmed.endsWith('"')) return undefined;
    const inner = trimmed.slice(1, -1);
    // Inside quotes only doubled quotes are allowed.
    if (/(^|[^"])"([^"]|$)/.test(inner.replace(/""/g, ''))) return undefined;
    return { text: inner.replace(/""/g, '"'), quoted: true };
  }
  if (trimmed === '' || /[\s"]/.test(trimmed)) return undefined;
  return { text: trimmed, quoted: false };
}

export interface ParseNameOptions {
  /**
   * The name is spelled as the catalog spells it (`filename_mapping.txt`, written from resolved
   * relations), not as a person writes SQL: unquoted parts are exact, never case-folded.
   */
  catalogSpelling?: boolean;
}

/** Parses one name (`t`, `s.t`, `"S"."T"`); returns the reason when it is not a valid name. */
export function parseTableName(text: string, options: ParseNameOptions = {}): TableRef | { error: string } {
  // NUL cannot be in PostgreSQL text at all; other control characters are surely a mistake.
  if (/[\u0000-\u001f\u007f]/.test(text.trim())) return { error: 'contains a control character' };
  const parts = splitOutsideQuotes(text.trim(), '.');
  if (parts.length > 2) return { error: 'expected table or schema.table (at most one dot outside quotes)' };
  const names = parts.map(unquotePart);
  if (names.some((n) => n === undefined)) {
    return { error: 'a name part is empty, has spaces or unbalanced quotes' };
  }
  const [schema, table] = names.length === 1 ? [undefined, names[0]] : names;
  const name = (table as { text: string }).text;
  if (!schema) return { schema: DEFAULT_SCHEMA, name };
  if (isSystemSchema(schema.text, { quoted: schema.quoted || Boolean(options.catalogSpelling) })) {
    return { error: `is in the system schema ${schema.text}: list tables of your own schemas` };
  }
  return { schema: schema.text, name };
}

/**
 * Why a list is too long to accept, or undefined: every path that takes a table list (upload,
 * JSON, a file named at task creation, the CLI, the step itself) applies this one limit to the
 * names it lists, duplicates and invalid ones included, so a huge list is refused before any work.
 */
export function tableListTooLong(list: Pick<ParsedTableList, 'originalCount'>, maxTables: number): string | undefined {
  if (list.originalCount <= maxTables) return undefined;
  return `names ${list.originalCount} tables; at most ${maxTables} are accepted (DP_MAX_TABLES)`;
}

export function parseTableList(text: string): ParsedTableList {
  const tables: TableRef[] = [];
  const duplicates: string[] = [];
  const invalid: TableListEntryError[] = [];
  const seen = new Set<string>();
  let originalCount = 0;
  const lines = text.replace(/^\uFEFF/, '').split(/\r\n|\n|\r/);
  lines.forEach((rawLine, index) => {
    const line = rawLine.trim();
    if (line === '' || line.startsWith('#') || line.startsWith('--')) return;
    for (const entry of splitOutsideQuotes(line, ',')) {
      if (entry.trim() === '') continue;
      originalCount += 1;
      const parsed = parseTableName(entry);
      if ('error' in parsed) {
        invalid.push({ line: index + 1, text: entry.trim(), reason: parsed.error });
        continue;
      }
      const key = qualifiedName(parsed);
      if (seen.has(key)) {
        duplicates.push(key);
        continue;
      }
      seen.add(key);
      tables.push(parsed);
    }
  });
  return { tables, duplicates, invalid, originalCount };
}
