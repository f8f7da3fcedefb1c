/**
 * Drift: what changed in the source database since a task's files were made, from the schema facts
 * ddl_generation recorded in `table_fingerprints.json` (here, or in the newest backup) and the live
 * catalog of the documented and listed tables. Data changes are not drift; schema and comments are.
 */
import type { SqlDatabase } from '../../db/sql-database.js';
import { AppError } from '../../errors.js';
import { foldIntoParents, readCatalog } from '../../source/catalog.js';
import { parseTableList, parseTableName, qualifiedName, type TableRef } from '../../source/table-list.js';
import { readPreviousOutput } from '../../task-directory/previous-output.js';
import type { TaskDirectory } from '../../task-directory/task-dir.js';
import { TABLE_LIST_FILE } from '../../task-directory/task-files.js';
import { type ColumnFacts, FINGERPRINTS_FILE, parseFingerprints, type TableFacts, tableFacts } from './table-fingerprints.js';

type ColumnShape = Pick<ColumnFacts, 'type' | 'not_null' | 'default'>;

export interface TableDrift {
  table: string;
  comment_changed: { before: string | null; after: string | null } | null;
  columns_added: ColumnFacts[];
  columns_removed: string[];
  /** Type, NOT NULL or default changed. */
  columns_changed: { column: string; before: ColumnShape; after: ColumnShape }[];
  column_comments_changed: { column: string; before: string | null; after: string | null }[];
  /** Keys, foreign keys, CHECK constraints or a view's text changed. */
  constraints_changed: boolean;
  kind_changed: { before: string; after: string } | null;
}

export interface DriftReport {
  drifted: boolean;
  /** The fingerprints compared with: where they were found and when ddl_generation wrote them. */
  compared_with: { file: string; from: string; written_at: string };
  /** The documented tables compared. */
  tables_checked: number;
  /** Listed in table_list.txt but not in the database (then, and now): not drift, but worth knowing. */
  tables_listed_missing: string[];
  /** Listed in table_list.txt and present now, but not documented. */
  tables_added: string[];
  /** Documented, but no longer in the database. */
  tables_removed: string[];
  tables_changed: TableDrift[];
}

const shape = (c: ColumnFacts): ColumnShape => ({ type: c.type, not_null: c.not_null, default: c.default });
const sameShape = (a: ColumnShape, b: ColumnShape) => a.type === b.type && a.not_null === b.not_null && a.default === b.default;

function compareTable(name: string, before: TableFacts, after: TableFacts): TableDrift | undefined {
  if (before.schema_fingerprint === after.schema_fingerprint) return undefined;
  const old = new Map(before.columns.map((c) => [c.name, c]));
  const now = new Map(after.columns.map((c) => [c.name, c]));
  const drift: TableDrift = {
    table: name,
    comment_changed: before.comment === after.comment ? null : { before: before.comment, after: after.comment },
    columns_added: after.columns.filter((c) => !old.has(c.name)),
    columns_removed: before.columns.filter((c) => !now.has(c.name)).map((c) => c.name),
    columns_changed: [],
    column_comments_changed: [],
    constraints_changed: before.constraints_fingerprint !== after.constraints_fingerprint,
    kind_changed: before.kind === after.kind ? null : { before: before.kind, after: after.kind },
  };
  for (const column of after.columns) {
    const was = old.get(column.name);
    if (!was) continue;
    if (!sameShape(shape(was), shape(column))) drift.columns_changed.push({ column: column.name, before: shape(was), after: shape(column) });
    if (was.comment !== column.comment) drift.column_comments_changed.push({ column: column.name, before: was.comment, after: column.comment });
  }
  const changed =
    drift.comment_changed ||
    drift.columns_added.length ||
    drift.columns_removed.length ||
    drift.columns_changed.length ||
    drift.column_comments_changed.length ||
    drift.constraints_changed ||
    drift.kind_changed;
  // Otherwise only what no fact names changed (a column's position, an enum's labels): still drift.
  return changed ? drift : { ...drift, constraints_changed: true };
}

export async function detectDrift(dir: TaskDirectory, db: SqlDatabase, options: { statementTimeoutMs: number }): Promise<DriftReport> {
  const found = await readPreviousOutput(dir, FINGERPRINTS_FILE);
  const recorded = parseFingerprints(found?.text);
  if (!found || !recorded) {
    throw new AppError(
      'FILE_NOT_FOUND',
      `${FINGERPRINTS_FILE} ${found ? 'is not readable' : 'is missing'} in task ${dir.taskId}: drift compares with what ddl_generation recorded; run it (or a complete run) once`,
    );
  }
  const listed = parseTableList((await dir.readTextIfExists(TABLE_LIST_FILE)) ?? '').tables;
  const documented = Object.keys(recorded.tables)
    .map((name) => parseTableName(name, { catalogSpelling: true }))
    .filter((r): r is TableRef => !('error' in r));
  const refs = [...documented, ...listed.filter((r) => !(qualifiedName(r) in recorded.tables))];
  const unique = [...new Map(refs.map((r) => [qualifiedName(r), r])).values()];
  // Listed partitions and inheritance children are documented as their parent, as ddl_generation does.
  const catalog = await foldIntoParents(db, await readCatalog(db, unique, { statementTimeoutMs: options.statementTimeoutMs }), options);
  const folded = new Set(catalog.folded.map((f) => f.table));
  const live = new Map(catalog.tables.map((t) => [qualifiedName(t), t]));

  const tablesRemoved = Object.keys(recorded.tables).filter((name) => !live.has(name));
  const tablesAdded = [...live.keys()].filter((name) => !(name in recorded.tables));
  const listedMissing = listed.map((r) => qualifiedName(r)).filter((name) => !live.has(name) && !folded.has(name) && !(name in recorded.tables));
  const tablesChanged: TableDrift[] = [];
  for (const [name, before] of Object.entries(recorded.tables)) {
    const table = live.get(name);
    if (!table) continue;
    const drift = compareTable(name, before, tableFacts(table, []));
    if (drift) tablesChanged.push(drift);
  }
  return {
    drifted: tablesAdded.length + tablesRemoved.length + tablesChanged.length > 0,
    compared_with: { file: FINGERPRINTS_FILE, from: found.from, written_at: recorded.written_at },
    tables_checked: Object.keys(recorded.tables).length,
    tables_listed_missing: [...new Set(listedMissing)],
    tables_added: tablesAdded,
    tables_removed: tablesRemoved,
    tables_changed: tablesChanged,
  };
}
