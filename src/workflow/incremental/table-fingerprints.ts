/**
 * `table_fingerprints.json`: for each documented table, a fingerprint of what its generated text
 * depends on (columns, types, constraints, keys, comments, enumerations, sampled rows) and the
 * schema facts `drift` compares (columns, comments). Written by ddl_generation; read by the next
 * run (which tables changed) and by `drift` (what changed in the database since).
 */
import { cacheKey } from '../../cache/content-cache.js';
import type { TableInfo } from '../../source/catalog.js';
import type { SampleRow } from '../../source/sampling.js';

export const FINGERPRINTS_FILE = 'table_fingerprints.json';
const FORMAT_VERSION = 1;

export interface ColumnFacts {
  name: string;
  type: string;
  not_null: boolean;
  default: string | null;
  comment: string | null;
}

export interface TableFacts {
  /** Of everything the generated text depends on, sampled rows included. */
  fingerprint: string;
  /** Of the schema alone (no rows): what drift compares. */
  schema_fingerprint: string;
  kind: string;
  comment: string | null;
  columns: ColumnFacts[];
  /** Of the keys, foreign keys, CHECK constraints and view text. */
  constraints_fingerprint: string;
}

export interface FingerprintsFile {
  version: number;
  written_at: string;
  /** What every table's text also depends on: a change here regenerates all of them. */
  context: GenerationContext;
  tables: Record<string, TableFacts>;
}

export interface GenerationContext {
  business_context: string;
  language: string;
  overwrite_comments: boolean;
  llm: string;
}

function columnFacts(table: TableInfo): ColumnFacts[] {
  return table.columns.map((c) => ({ name: c.name, type: c.type, not_null: c.notNull, default: c.defaultExpr, comment: c.comment }));
}

/** The schema of a table without its data-dependent figures (row estimate, size). */
function schemaOf(table: TableInfo): unknown {
  const { rowEstimate: _rows, sizeBytes: _size, ...schema } = table;
  return schema;
}

export function tableFacts(table: TableInfo, samples: readonly SampleRow[], enumValues: Record<string, string[]> = {}): TableFacts {
  const schema = schemaOf(table);
  return {
    // Values found for code-like columns feed the documented enumerations: a new one is a change.
    fingerprint: cacheKey(Object.keys(enumValues).length ? { schema, samples, enumValues } : { schema, samples }),
    schema_fingerprint: cacheKey(schema),
    kind: table.kind,
    comment: table.comment,
    columns: columnFacts(table),
    constraints_fingerprint: cacheKey({
      primaryKey: table.primaryKey,
      uniqueKeys: table.uniqueKeys,
      foreignKeys: table.foreignKeys,
      checks: table.checks,
      viewDefinition: table.viewDefinition,
    }),
  };
}

/**
 * The file's text. `written_at` says when these facts were first recorded: a run that finds them
 * unchanged keeps the previous time, so an unchanged schema rewrites the file byte for byte.
 */
export function renderFingerprints(context: GenerationContext, facts: Record<string, TableFacts>, previous: FingerprintsFile | undefined): string {
  const unchanged = previous !== undefined && cacheKey({ context, facts }) === cacheKey({ context: previous.context, facts: previous.tables });
  const file: FingerprintsFile = {
    version: FORMAT_VERSION,
    written_at: unchanged ? previous.written_at : new Date().toISOString(),
    context,
    tables: facts,
  };
  return `${JSON.stringify(file, null, 2)}\n`;
}

/** The file's content, or undefined when it is missing, unreadable or of another format. */
export function parseFingerprints(text: string | undefined): FingerprintsFile | undefined {
  if (text === undefined) return undefined;
  try {
    const file = JSON.parse(text) as FingerprintsFile;
    return file.version === FORMAT_VERSION && file.tables && typeof file.tables === 'object' ? file : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The tables whose text must be generated again: all of them when there is no earlier file or the
 * context changed; otherwise the new ones and those whose fingerprint differs.
 */
export function changedTables(previous: FingerprintsFile | undefined, context: GenerationContext, current: Record<string, TableFacts>): string[] | 'all' {
  if (!previous || cacheKey(previous.context) !== cacheKey(context)) return 'all';
  return Object.entries(current)
    .filter(([name, facts]) => previous.tables[name]?.fingerprint !== facts.fingerprint)
    .map(([name]) => name);
}
