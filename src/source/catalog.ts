/**
 * Reads what we need to know about a list of tables from pg_catalog in a constant number of
 * queries (relations, columns, constraints, user-defined types), whatever the length of the list.
 */
import type { SqlDatabase, SqlRow, TransactionOptions } from '../db/sql-database.js';
import { ensureSqlParser } from '../sql/pg-parser.js';
import { declaredValues, type DeclaredValues } from './check-constraints.js';
import { qualifiedName, type TableRef } from './table-list.js';

export type RelationKind = 'table' | 'partitioned_table' | 'view' | 'materialized_view' | 'foreign_table';

export interface ForeignKeyInfo {
  name: string;
  columns: string[];
  refSchema: string;
  refTable: string;
  refColumns: string[];
}

export interface ColumnInfo {
  name: string;
  position: number;
  /** Type as written in DDL, e.g. `varchar(20)`, `order_status`, `text[]`. */
  type: string;
  /** pg_type.typcategory of the column's type: N numeric, S string, D date/time, B boolean, E enum, A array, U user (json), ... */
  category: string;
  /** Name of the underlying pg_type (`int4`, `numeric`, `jsonb`, `_text` for text[]). */
  typeName: string;
  notNull: boolean;
  /** Default expression, `null` when none. */
  defaultExpr: string | null;
  /** `a` (always) or `d` (by default) for identity columns, else empty. */
  identity: string;
  /** `s` for generated stored columns, else empty. */
  generated: string;
  comment: string | null;
  enumLabels: string[] | null;
  /** Values a CHECK constraint restricts the column to (`status IN ('open', 'closed')`), in declared order. */
  allowedValues: string[] | null;
  isPrimaryKey: boolean;
  isUnique: boolean;
  /** The single-column or composite foreign keys this column takes part in. */
  foreignKeys: ForeignKeyInfo[];
  /**
   * `schema.name` of the user-defined type (enum, domain, composite) the column is of, or of its
   * elements for an array; its definition is among the table's `userTypes`. Absent for other types.
   */
  userType?: string;
}

/** A user-defined type a table's columns need, with what it takes to create it again. */
export interface UserTypeInfo {
  schema: string;
  name: string;
  kind: 'enum' | 'domain' | 'composite';
  /** Enum labels, in their sort order. */
  labels?: string[];
  /** A domain's base type as written in DDL (`integer`, `text[]`). */
  baseType?: string;
  /** A domain's NOT NULL. */
  notNull?: boolean;
  /** A domain's default expression. */
  defaultExpr?: string | null;
  /** A domain's CHECK constraints (`CHECK (VALUE >= 1901)`), by name. */
  checks?: { name: string; definition: string }[];
  /** A composite type's attributes, in order. */
  attributes?: { name: string; type: string }[];
  /** The columns of the table of this type, or of arrays of it. */
  columns: string[];
}

/** A partition or inheritance child of a table. */
export interface ChildTableInfo {
  schema: string;
  name: string;
  /** The partition bound (`FOR VALUES FROM (…) TO (…)`, `DEFAULT`); null for an inheritance child. */
  bound: string | null;
}

export interface TableInfo {
  schema: string;
  name: string;
  kind: RelationKind;
  comment: string | null;
  /** Planner estimate (reltuples, else live tuples from statistics); null when unknown. */
  rowEstimate: number | null;
  /**
   * Estimated heap size (relpages × block size, as of the last VACUUM/ANALYZE): exact sizes cost a
   * file-system call per relation, which dominated the catalog read of large schemas.
   */
  sizeBytes: number;
  columns: ColumnInfo[];
  primaryKey: string[];
  uniqueKeys: string[][];
  foreignKeys: ForeignKeyInfo[];
  checks: { name: string; definition: string }[];
  /** SELECT text of a view or materialized view. */
  viewDefinition: string | null;
  /**
   * User-defined types its columns need (also through domains, arrays and composite attributes),
   * each after those it depends on. Absent when there are none.
   */
  userTypes?: UserTypeInfo[];
  /** Extensions defining its columns' types (`citext`, `hstore`…), with their schema. Absent when none. */
  extensions?: { name: string; schema: string }[];
  /** How a partitioned table is partitioned (`RANGE (payment_date)`). */
  partitionKey?: string;
  /** Its partitions (of a partitioned table) or inheritance children, by name. */
  children?: ChildTableInfo[];
  /**
   * The topmost table this one is a partition or an inheritance child of (the first parent when it
   * has several): ddl_generation documents that table instead.
   */
  parentTable?: { schema: string; name: string; relation: 'partition' | 'inheritance child' };
}

export interface MissingTable {
  table: string;
  reason: string;
}

export interface CatalogResult {
  /** Found tables, in the order of the list. */
  tables: TableInfo[];
  missing: MissingTable[];
}

const RELKINDS: Record<string, RelationKind> = {
  r: 'table',
  p: 'partitioned_table',
  v: 'view',
  m: 'materialized_view',
  f: 'foreign_table',
};

interface RelationRow extends Record<string, unknown> {
  idx: number;
  partition_key: string | null;
  children: ChildTableInfo[] | null;
  parent: { schema: string; name: string; partition: boolean } | null;
  /** Rows and bytes of a parent's whole tree (its partitions or inheritance children included). */
  tree: { rows: number | null; bytes: number | null } | null;
  oid: number;
  schema: string;
  name: string;
  relkind: string;
  exact: boolean;
  comment: string | null;
  row_estimate: number | null;
  size_bytes: number;
  view_definition: string | null;
}

/**
 * Relations matching each requested name: exact spelling first; an unquoted name that PostgreSQL
 * would have folded also matches case-insensitively when that is unambiguous. Never a relation of
 * PostgreSQL's own schemas (`pg_*`, `information_schema`, as the catalog spells them), whatever
 * spelling was asked for: `"PG_CATALOG".pg_authid` is a legal name of a user's schema, and must
 * not fall back to pg_catalog's password hashes by the case-insensitive match.
 */
const RELATIONS_SQL = `
SELECT req.idx::int AS idx, c.oid::int AS oid, n.nspname AS schema, c.relname AS name,
       c.relkind::text AS relkind,
       (n.nspname = req.schema AND c.relname = req.name) AS exact,
       dsc.description AS comment,
       CASE WHEN c.reltuples >= 0 THEN c.reltuples::float8
            ELSE (SELECT s.n_live_tup::float8 FROM pg_stat_all_tables s WHERE s.relid = c.oid) END AS row_estimate,
       CASE WHEN c.relkind IN ('r', 'p', 'm') THEN c.relpages::float8 * current_setting('block_size')::float8 ELSE 0 END AS size_bytes,
       -- A parent's rows and pages are those of its whole tree: selecting from it reads its
       -- partitions or inheritance children too (relhassubclass: the few tables that have any).
       CASE WHEN c.relhassubclass THEN
         (WITH RECURSIVE down(oid, depth) AS (
            SELECT c.oid, 0
            UNION ALL
            SELECT i.inhrelid, down.depth + 1 FROM down JOIN pg_inherits i ON i.inhparent = down.oid WHERE down.depth < 32)
          SELECT json_build_object(
                   'rows', sum(CASE WHEN k.reltuples >= 0 THEN k.reltuples::float8
                                    ELSE coalesce((SELECT s.n_live_tup::float8 FROM pg_stat_all_tables s WHERE s.relid = k.oid), 0) END),
                   'bytes', sum(k.relpages::float8) * current_setting('block_size')::float8)
          FROM down JOIN pg_class k ON k.oid = down.oid
          WHERE k.relkind IN ('r', 'm', 'f'))
       END AS tree,
       CASE WHEN c.relkind IN ('v', 'm') THEN pg_get_viewdef(c.oid, true) END AS view_definition,
       CASE WHEN c.relkind = 'p' THEN pg_get_partkeydef(c.oid) END AS partition_key,
       CASE WHEN c.relhassubclass THEN
         (SELECT json_agg(json_build_object('schema', kn.nspname, 'name', k.relname,
                                            'bound', CASE WHEN k.relispartition THEN pg_get_expr(k.relpartbound, k.oid) END)
                          ORDER BY kn.nspname, k.relname)
          FROM pg_inherits i JOIN pg_class k ON k.oid = i.inhrelid JOIN pg_namespace kn ON kn.oid = k.relnamespace
          WHERE i.inhparent = c.oid)
       END AS children,
       CASE WHEN c.relispartition OR EXISTS (SELECT 1 FROM pg_inherits i WHERE i.inhrelid = c.oid) THEN
         (WITH RECURSIVE up(oid, depth) AS (
            SELECT c.oid, 0
            UNION ALL
            SELECT i.inhparent, up.depth + 1 FROM up JOIN pg_inherits i ON i.inhrelid = up.oid AND i.inhseqno = 1 WHERE up.depth < 32)
          SELECT json_build_object('schema', pn.nspname, 'name', p.relname, 'partition', c.relispartition)
          FROM up JOIN pg_class p ON p.oid = up.oid JOIN pg_namespace pn ON pn.oid = p.relnamespace
          WHERE up.depth > 0 ORDER BY up.depth DESC LIMIT 1)
       END AS parent
FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS req(schema, name, idx)
JOIN pg_namespace n ON lower(n.nspname) = lower(req.schema)
JOIN pg_class c ON c.relnamespace = n.oid AND lower(c.relname) = lower(req.name)
LEFT JOIN pg_description dsc ON dsc.objoid = c.oid AND dsc.classoid = 'pg_class'::regclass AND dsc.objsubid = 0
WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f')
  AND left(n.nspname, 3) <> 'pg_' AND n.nspname <> 'information_schema'
ORDER BY req.idx`;

/** The element type of an array type (a true array: typelem set, variable length), else the type itself. */
const elementOf = (t: string) => `CASE WHEN ${t}.typelem <> 0 AND ${t}.typlen = -1 THEN ${t}.typelem ELSE ${t}.oid END`;

interface ColumnRow extends Record<string, unknown> {
  oid: number;
  name: string;
  position: number;
  type: string;
  category: string;
  type_name: string;
  not_null: boolean;
  default_expr: string | null;
  identity: string;
  generated: string;
  comment: string | null;
  enum_labels: string[] | null;
  /** CHECK definitions of the column's domain type (`CHECK (VALUE IN (…))`), null for other types. */
  domain_checks: string[] | null;
  /** The extension that defines the column's type (or its element type), and its schema. */
  extension: string | null;
  extension_schema: string | null;
}

const COLUMNS_SQL = `
SELECT a.attrelid::int AS oid, a.attname AS name, a.attnum::int AS position,
       format_type(a.atttypid, a.atttypmod) AS type,
       t.typcategory::text AS category, t.typname AS type_name,
       a.attnotnull AS not_null,
       pg_get_expr(d.adbin, d.adrelid) AS default_expr,
       a.attidentity::text AS identity, a.attgenerated::text AS generated,
       dsc.description AS comment,
       CASE WHEN t.typtype = 'e' THEN
         (SELECT to_json(array_agg(e.enumlabel ORDER BY e.enumsortorder)) FROM pg_enum e WHERE e.enumtypid = t.oid)
       END AS enum_labels,
       dom.checks AS domain_checks,
       xt.extension, xt.extension_schema
FROM pg_attribute a
JOIN pg_type t ON t.oid = a.atttypid
LEFT JOIN (
  -- The types extensions own (citext, hstore…): few, joined once rather than looked up per column.
  SELECT ext.objid AS type_oid, x.extname AS extension, xn.nspname AS extension_schema
  FROM pg_depend ext JOIN pg_extension x ON x.oid = ext.refobjid JOIN pg_namespace xn ON xn.oid = x.extnamespace
  WHERE ext.classid = 'pg_type'::regclass AND ext.deptype = 'e' AND ext.refclassid = 'pg_extension'::regclass
) xt ON xt.type_oid = ${elementOf('t')}
LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
LEFT JOIN pg_description dsc ON dsc.objoid = a.attrelid AND dsc.classoid = 'pg_class'::regclass AND dsc.objsubid = a.attnum
LEFT JOIN (SELECT dc.contypid, to_json(array_agg(pg_get_constraintdef(dc.oid, true) ORDER BY dc.conname)) AS checks
           FROM pg_constraint dc WHERE dc.contypid <> 0 AND dc.contype = 'c' GROUP BY dc.contypid) dom ON dom.contypid = t.oid
WHERE a.attrelid = ANY($1::oid[]) AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY a.attrelid, a.attnum`;

interface ConstraintRow extends Record<string, unknown> {
  oid: number;
  name: string;
  type: string;
  /** Column numbers (`attnum`) of the constraint, in key order (null for a CHECK on no column). */
  keys: number[] | null;
  ref_schema: string | null;
  ref_table: string | null;
  ref_columns: string[] | null;
  /** Text of CHECK constraints only: deparsing every key is costly and their text is not used. */
  definition: string | null;
}

/**
 * Key columns come back as numbers, named from the table's own columns: a subquery per constraint
 * was most of this query's cost (and pushed its estimate over the JIT threshold).
 */
const CONSTRAINTS_SQL = `
SELECT c.conrelid::int AS oid, c.conname AS name, c.contype::text AS type, c.conkey::int[] AS keys,
       fn.nspname AS ref_schema, fc.relname AS ref_table,
       CASE WHEN c.contype = 'f' THEN
         to_json(ARRAY(SELECT a.attname FROM unnest(c.confkey) WITH ORDINALITY k(attnum, ord)
                       JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.attnum ORDER BY k.ord))
       END AS ref_columns,
       CASE WHEN c.contype = 'c' THEN pg_get_constraintdef(c.oid, true) END AS definition
FROM pg_constraint c
LEFT JOIN pg_class fc ON fc.oid = c.confrelid
LEFT JOIN pg_namespace fn ON fn.oid = fc.relnamespace
WHERE c.conrelid = ANY($1::oid[]) AND c.contype IN ('p', 'u', 'f', 'c')
  -- A foreign key to a partitioned table has a copy per partition on the same table: the key is
  -- the parent's, and its copies would name partitions.
  AND CASE WHEN c.contype = 'f' AND c.conparentid <> 0
           THEN NOT EXISTS (SELECT 1 FROM pg_constraint pc WHERE pc.oid = c.conparentid AND pc.conrelid = c.conrelid)
           ELSE true END
ORDER BY c.conrelid, c.contype, c.conname`;

interface UserTypeRow extends Record<string, unknown> {
  type_oid: number;
  schema: string;
  name: string;
  kind: 'e' | 'd' | 'c';
  labels: string[] | null;
  base_type: string | null;
  not_null: boolean;
  default_expr: string | null;
  checks: { name: string; definition: string }[] | null;
  attributes: { name: string; type: string }[] | null;
  /** Types (oids, arrays as their elements) this one is made of: a domain's base, a composite's attributes. */
  depends_on: number[];
  /** The listed tables' columns of this type or of arrays of it: relation oid and column name. */
  used_by: { oid: number; column: string }[] | null;
}

/**
 * Every user-defined type of the database (enums, domains, standalone composites: databases have
 * few), with the listed tables' columns using each directly (arrays as their elements) and the
 * types each is made of; the tables' closures are taken from these in code. Types of PostgreSQL's
 * own schemas and of extensions are not ours to define. No recursion in SQL: its row estimates
 * made the planner JIT-compile the query, seconds on a thousand tables.
 */
const USER_TYPES_SQL = `
WITH uses AS (
  SELECT ${elementOf('at')} AS type_oid,
         json_agg(json_build_object('oid', a.attrelid::int, 'column', a.attname) ORDER BY a.attrelid, a.attnum) AS used_by
  FROM unnest($1::oid[]) AS r(oid)
  JOIN pg_attribute a ON a.attrelid = r.oid AND a.attnum > 0 AND NOT a.attisdropped
  JOIN pg_type at ON at.oid = a.atttypid
  WHERE at.typnamespace <> 'pg_catalog'::regnamespace OR (at.typelem <> 0 AND at.typlen = -1)
  GROUP BY 1
)
SELECT t.oid::int AS type_oid, n.nspname AS schema, t.typname AS name, t.typtype::text AS kind,
       CASE WHEN t.typtype = 'e' THEN
         (SELECT to_json(array_agg(e.enumlabel ORDER BY e.enumsortorder)) FROM pg_enum e WHERE e.enumtypid = t.oid)
       END AS labels,
       CASE WHEN t.typtype = 'd' THEN format_type(t.typbasetype, t.typtypmod) END AS base_type,
       t.typnotnull AS not_null, t.typdefault AS default_expr,
       CASE WHEN t.typtype = 'd' THEN
         (SELECT json_agg(json_build_object('name', dc.conname, 'definition', pg_get_constraintdef(dc.oid, true)) ORDER BY dc.conname)
          FROM pg_constraint dc WHERE dc.contypid = t.oid AND dc.contype = 'c')
       END AS checks,
       CASE WHEN t.typtype = 'c' THEN
         (SELECT json_agg(json_build_object('name', ca.attname, 'type', format_type(ca.atttypid, ca.atttypmod)) ORDER BY ca.attnum)
          FROM pg_attribute ca WHERE ca.attrelid = t.typrelid AND ca.attnum > 0 AND NOT ca.attisdropped)
       END AS attributes,
       to_json(ARRAY(
         SELECT DISTINCT ${elementOf('pt')}::int FROM pg_type pt
         WHERE pt.oid IN (SELECT t.typbasetype WHERE t.typtype = 'd'
                          UNION ALL SELECT ca.atttypid FROM pg_attribute ca
                                    WHERE t.typtype = 'c' AND ca.attrelid = t.typrelid AND ca.attnum > 0 AND NOT ca.attisdropped)
       )) AS depends_on,
       u.used_by
FROM pg_type t
JOIN pg_namespace n ON n.oid = t.typnamespace
LEFT JOIN pg_class tc ON tc.oid = t.typrelid
LEFT JOIN uses u ON u.type_oid = t.oid
WHERE left(n.nspname, 3) <> 'pg_' AND n.nspname <> 'information_schema'
  AND (t.typtype IN ('e', 'd') OR (t.typtype = 'c' AND tc.relkind = 'c'))
  AND NOT EXISTS (SELECT 1 FROM pg_depend ext WHERE ext.classid = 'pg_type'::regclass AND ext.objid = t.oid AND ext.deptype = 'e')
ORDER BY n.nspname, t.typname`;

const SOFT_DELETE_TIME = /^(deleted|delete|removed|archived)_(at|on|ts|time)$|^delete_ts$/i;
const SOFT_DELETE_FLAG = /^(is_)?(deleted|removed|archived)$/i;

/** The soft-delete marker of a table (`deleted_at`, `delete_ts`, `is_deleted`…), if it has one. */
export function softDeleteColumn(table: TableInfo): ColumnInfo | undefined {
  return table.columns.find((c) => (SOFT_DELETE_TIME.test(c.name) && c.category === 'D') || (SOFT_DELETE_FLAG.test(c.name) && c.category === 'B'));
}

/** Shorter spellings of PostgreSQL's verbose type names, as people write DDL. */
const TYPE_ABBREVIATIONS: [RegExp, string][] = [
  [/^character varying/, 'varchar'],
  [/^character\b/, 'char'],
  [/^timestamp\((\d+)\) with time zone/, 'timestamptz($1)'],
  [/^timestamp\((\d+)\) without time zone/, 'timestamp($1)'],
  [/^timestamp with time zone/, 'timestamptz'],
  [/^timestamp without time zone/, 'timestamp'],
  [/^time with time zone/, 'timetz'],
  [/^time without time zone/, 'time'],
];

export function shortTypeName(type: string): string {
  for (const [pattern, replacement] of TYPE_ABBREVIATIONS) {
    if (pattern.test(type)) return type.replace(pattern, replacement);
  }
  return type;
}

/**
 * Reads the catalog of `refs`: four queries in one REPEATABLE READ snapshot. On PostgreSQL with a
 * pool of three connections or more, the columns and constraints are read at once, on two more
 * connections that import the snapshot the first one exported, while it reads the relations they
 * need (and then the user-defined types); elsewhere (PGlite, small pools, servers that cannot share snapshots) one after another in
 * one transaction.
 */
export async function readCatalog(db: SqlDatabase, refs: readonly TableRef[], options: { statementTimeoutMs?: number } = {}): Promise<CatalogResult> {
  if (refs.length === 0) return { tables: [], missing: [] };
  await ensureSqlParser();
  const transaction = { readOnly: true, isolation: 'repeatable read', statementTimeoutMs: options.statementTimeoutMs, rollback: true } as const;
  const names = [refs.map((r) => r.schema), refs.map((r) => r.name)];
  if (db.backend === 'postgres' && db.maxConnections >= 3 && !withoutSharedSnapshots.has(db)) {
    try {
      return await oneAtATime(db, () => readInParallel(db, refs, names, transaction));
    } catch (error) {
      if (!(error instanceof SnapshotUnavailableError)) throw error;
      // A standby, a PostgreSQL-compatible engine, connections spread over several servers.
      withoutSharedSnapshots.add(db);
    }
  }
  return db.transaction(async (tx) => {
    const resolved = resolveRelations(refs, await tx.query<RelationRow>(RELATIONS_SQL, names));
    if (resolved.found.length === 0) return { tables: [], missing: resolved.missing };
    const oids = [resolved.found.map((r) => r.oid)];
    const columns = await tx.query<ColumnRow>(COLUMNS_SQL, oids);
    const constraints = await tx.query<ConstraintRow>(CONSTRAINTS_SQL, oids);
    const userTypes = await tx.query<UserTypeRow>(USER_TYPES_SQL, oids);
    return catalogFrom(resolved, columns, constraints, userTypes);
  }, transaction);
}

/** The export or the import of a snapshot failed: the server cannot share one across connections. */
class SnapshotUnavailableError extends Error {
  constructor(cause: unknown) {
    super(`cannot share a snapshot between connections: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
}

/** Pools whose server could not share a snapshot: they read the catalog sequentially from then on. */
const withoutSharedSnapshots = new WeakSet<SqlDatabase>();

async function readInParallel(db: SqlDatabase, refs: readonly TableRef[], names: string[][], transaction: TransactionOptions): Promise<CatalogResult> {
  return db.transaction(async (tx) => {
    const snapshot = await tx
      .query<{ snapshot: string }>('SELECT pg_export_snapshot() AS snapshot')
      .then(([row]) => row?.snapshot ?? Promise.reject(new Error('pg_export_snapshot() returned no row')))
      .catch((error: unknown) => Promise.reject(new SnapshotUnavailableError(error)));
    const relations = tx.query<RelationRow>(RELATIONS_SQL, names).then((rows) => resolveRelations(refs, rows));
    // The user-defined types on this connection, idle once the relations are in.
    const userTypes = relations.then(({ found }) => (found.length ? tx.query<UserTypeRow>(USER_TYPES_SQL, [found.map((r) => r.oid)]) : []));
    const readByOid = <R extends SqlRow>(sql: string): Promise<R[]> => {
      let imported = false;
      return db
        .transaction(
          async (other) => {
            imported = true;
            const { found } = await relations;
            return found.length ? other.query<R>(sql, [found.map((r) => r.oid)]) : [];
          },
          { ...transaction, snapshot },
        )
        .catch((error: unknown) => Promise.reject(imported ? error : new SnapshotUnavailableError(error)));
    };
    const [resolved, columns, constraints, types] = await Promise.all([
      relations,
      readByOid<ColumnRow>(COLUMNS_SQL),
      readByOid<ConstraintRow>(CONSTRAINTS_SQL),
      userTypes,
    ]);
    return catalogFrom(resolved, columns, constraints, types);
  }, transaction);
}

/**
 * A parallel read holds one connection while it waits for two more, so two of them on a pool of
 * three could each hold one and wait for ever: per pool, they run one at a time (every other user
 * of the pool releases its connection without waiting on anything).
 */
const parallelReads = new WeakMap<SqlDatabase, Promise<unknown>>();

function oneAtATime<T>(db: SqlDatabase, read: () => Promise<T>): Promise<T> {
  const next = (parallelReads.get(db) ?? Promise.resolve()).then(read, read);
  parallelReads.set(
    db,
    next.catch(() => undefined),
  );
  return next;
}

interface ResolvedRelations {
  /** One relation per listed table that exists, in list order, each relation once. */
  found: RelationRow[];
  missing: MissingTable[];
}

/** The relation each listed name means (exact spelling first), and the names that mean none or several. */
function resolveRelations(refs: readonly TableRef[], relations: RelationRow[]): ResolvedRelations {
  // Grouped once: with thousands of tables, filtering every row list per table is quadratic.
  const byIdx = groupBy(relations, (r) => r.idx);
  const missing: MissingTable[] = [];
  const chosen: RelationRow[] = [];
  refs.forEach((ref, index) => {
    const candidates = byIdx.get(index + 1) ?? [];
    const exact = candidates.find((r) => r.exact);
    if (exact) {
      chosen.push(exact);
    } else if (candidates.length === 1) {
      chosen.push(candidates[0] as RelationRow);
    } else if (candidates.length > 1) {
      const names = candidates.map((c) => `${c.schema}.${c.name}`).join(', ');
      missing.push({ table: qualifiedName(ref), reason: `ambiguous name: matches ${names}; quote the exact spelling` });
    } else {
      missing.push({ table: qualifiedName(ref), reason: 'no such table, view or materialized view' });
    }
  });
  // Two spellings in the list may resolve to the same relation: keep the first.
  const seen = new Set<number>();
  const found = chosen.filter((row) => {
    if (seen.has(row.oid)) return false;
    seen.add(row.oid);
    return true;
  });
  return { found, missing };
}

/** Tables from their relation, column and constraint rows. */
function catalogFrom({ found, missing }: ResolvedRelations, columnRows: ColumnRow[], constraintRows: ConstraintRow[], typeRows: UserTypeRow[]): CatalogResult {
  const columnsByOid = groupBy(columnRows, (c) => c.oid);
  const constraintsByOid = groupBy(constraintRows, (c) => c.oid);
  const types = new Map(typeRows.map((t) => [t.type_oid, t]));
  const typeUses = groupBy(
    typeRows.flatMap((type) => (type.used_by ?? []).map((use) => ({ ...use, type }))),
    (use) => use.oid,
  );
  // Tables often share a CHECK's text (`status IN (…)`): each text is parsed once.
  const declared = new Map<string, DeclaredValues | undefined>();
  const declaredIn = (definition: string) => {
    if (!declared.has(definition)) declared.set(definition, declaredValues(definition));
    return declared.get(definition);
  };
  const tables = found.map((rel) => {
    const table = buildTable(rel, columnsByOid.get(rel.oid) ?? [], constraintsByOid.get(rel.oid) ?? [], declaredIn);
    addUserTypes(table, typeUses.get(rel.oid) ?? [], types);
    return table;
  });
  return { tables, missing };
}

/** Rows grouped by key, each group in the order of `rows`. */
function groupBy<T, K>(rows: readonly T[], key: (row: T) => K): Map<K, T[]> {
  const groups = new Map<K, T[]>();
  for (const row of rows) {
    const k = key(row);
    const group = groups.get(k);
    if (group) group.push(row);
    else groups.set(k, [row]);
  }
  return groups;
}

/** One table from its relation row and its own column and constraint rows. */
function buildTable(
  rel: RelationRow,
  tableColumns: ColumnRow[],
  constraints: ConstraintRow[],
  declaredIn: (definition: string) => DeclaredValues | undefined,
): TableInfo {
  const nameOf = new Map(tableColumns.map((c) => [c.position, c.name]));
  const keyColumns = (c: ConstraintRow | undefined) => (c?.keys ?? []).map((attnum) => nameOf.get(attnum) as string);
  const primaryKey = keyColumns(constraints.find((c) => c.type === 'p'));
  const uniqueKeys = constraints.filter((c) => c.type === 'u').map(keyColumns);
  const foreignKeys: ForeignKeyInfo[] = constraints
    .filter((c) => c.type === 'f')
    .map((c) => ({
      name: c.name,
      columns: keyColumns(c),
      refSchema: c.ref_schema ?? '',
      refTable: c.ref_table ?? '',
      refColumns: c.ref_columns ?? [],
    }));
  const checks = constraints.filter((c) => c.type === 'c').map((c) => ({ name: c.name, definition: c.definition ?? '' }));
  // Several lists on one column (the table's and its domain's): only values every one of them
  // allows, in the order of the first (constraints being in name order, the table's first).
  const allowed = new Map<string, string[]>();
  const allow = (column: string, values: string[]) => {
    const earlier = allowed.get(column);
    allowed.set(column, earlier ? earlier.filter((v) => values.includes(v)) : values);
  };
  for (const check of checks) {
    const found = declaredIn(check.definition);
    if (found) allow(found.column, found.values);
  }
  for (const column of tableColumns) {
    for (const definition of column.domain_checks ?? []) {
      // A domain's CHECK names its value VALUE, which the parser reads as a column `value`.
      const found = declaredIn(definition);
      if (found?.column === 'value') allow(column.name, found.values);
    }
  }

  const columns: ColumnInfo[] = tableColumns.map((c) => ({
    name: c.name,
    position: c.position,
    type: shortTypeName(c.type),
    category: c.category,
    typeName: c.type_name,
    notNull: c.not_null,
    defaultExpr: c.default_expr,
    identity: c.identity,
    generated: c.generated,
    comment: nonEmpty(c.comment),
    enumLabels: c.enum_labels,
    allowedValues: allowed.get(c.name)?.length ? (allowed.get(c.name) as string[]) : null,
    isPrimaryKey: primaryKey.includes(c.name),
    isUnique: uniqueKeys.some((key) => key.length === 1 && key[0] === c.name),
    foreignKeys: foreignKeys.filter((fk) => fk.columns.includes(c.name)),
  }));

  const rowEstimate = rel.tree?.rows ?? rel.row_estimate;
  const table: TableInfo = {
    schema: rel.schema,
    name: rel.name,
    kind: RELKINDS[rel.relkind] ?? 'table',
    comment: nonEmpty(rel.comment),
    rowEstimate: rowEstimate === null ? null : Math.round(rowEstimate),
    sizeBytes: rel.tree?.bytes ?? rel.size_bytes,
    columns,
    primaryKey,
    uniqueKeys,
    foreignKeys,
    checks,
    viewDefinition: rel.view_definition,
  };
  const extensions = new Map<string, string>();
  for (const c of tableColumns) if (c.extension && c.extension_schema) extensions.set(c.extension, c.extension_schema);
  if (extensions.size) table.extensions = [...extensions].sort(([a], [b]) => a.localeCompare(b)).map(([name, schema]) => ({ name, schema }));
  if (rel.partition_key) table.partitionKey = rel.partition_key;
  if (rel.children?.length) table.children = rel.children;
  if (rel.parent) {
    table.parentTable = { schema: rel.parent.schema, name: rel.parent.name, relation: rel.parent.partition ? 'partition' : 'inheritance child' };
  }
  return table;
}

/**
 * The table's user-defined types: those of its columns and those they are made of, each after the
 * types it is made of (a domain over an enum, a composite with a domain attribute); and on its
 * columns the type each one is of.
 */
function addUserTypes(table: TableInfo, uses: readonly { column: string; type: UserTypeRow }[], types: ReadonlyMap<number, UserTypeRow>): void {
  if (uses.length === 0) return;
  const columnsOf = groupBy(uses, (use) => use.type.type_oid);
  const ordered: UserTypeInfo[] = [];
  const placed = new Set<number>();
  const place = (row: UserTypeRow) => {
    if (placed.has(row.type_oid)) return;
    placed.add(row.type_oid);
    for (const part of row.depends_on) {
      const needed = types.get(part);
      if (needed) place(needed);
    }
    ordered.push(
      userTypeFrom(
        row,
        (columnsOf.get(row.type_oid) ?? []).map((use) => use.column),
      ),
    );
  };
  // In the order of the query (schema, name), each after its parts.
  for (const row of types.values()) if (columnsOf.has(row.type_oid)) place(row);
  for (const use of uses) {
    const column = table.columns.find((c) => c.name === use.column);
    if (column) column.userType = `${use.type.schema}.${use.type.name}`;
  }
  table.userTypes = ordered;
}

function userTypeFrom(row: UserTypeRow, columns: string[]): UserTypeInfo {
  const base = { schema: row.schema, name: row.name, columns };
  if (row.kind === 'e') return { ...base, kind: 'enum', labels: row.labels ?? [] };
  if (row.kind === 'c') return { ...base, kind: 'composite', attributes: (row.attributes ?? []).map((a) => ({ name: a.name, type: shortTypeName(a.type) })) };
  return {
    ...base,
    kind: 'domain',
    baseType: shortTypeName(row.base_type ?? 'text'),
    notNull: row.not_null,
    defaultExpr: row.default_expr,
    checks: row.checks ?? [],
  };
}

function nonEmpty(text: string | null): string | null {
  return text && text.trim() !== '' ? text.trim() : null;
}

/** A listed partition or inheritance child, and the table documented in its place. */
export interface FoldedTable {
  table: string;
  into: string;
  relation: 'partition' | 'inheritance child';
}

/**
 * The tables to document for a catalog read: each partition or inheritance child replaced by its
 * topmost parent (read with one more catalog read when the list does not name it), every table
 * once, at the place of its first mention. Nobody asks about a partition: its rows are the parent's.
 */
export async function foldIntoParents(
  db: SqlDatabase,
  catalog: CatalogResult,
  options: { statementTimeoutMs?: number } = {},
): Promise<CatalogResult & { folded: FoldedTable[] }> {
  const key = (t: { schema: string; name: string }) => `${t.schema}.${t.name}`;
  const children = catalog.tables.filter((t) => t.parentTable);
  if (children.length === 0) return { ...catalog, folded: [] };
  const listed = new Map(catalog.tables.map((t) => [key(t), t]));
  const parentRefs = [...new Map(children.map((t) => [key(t.parentTable as TableRef), t.parentTable as TableRef])).values()];
  const unread = parentRefs.filter((ref) => !listed.has(key(ref)));
  const parents = unread.length
    ? await readCatalog(
        db,
        unread.map((r) => ({ schema: r.schema, name: r.name })),
        options,
      )
    : { tables: [], missing: [] };
  const byKey = new Map([...listed, ...parents.tables.map((t) => [key(t), t] as const)]);
  const tables: TableInfo[] = [];
  const seen = new Set<string>();
  const folded: FoldedTable[] = [];
  const missing = [...catalog.missing];
  for (const table of catalog.tables) {
    let documented: TableInfo | undefined = table;
    if (table.parentTable) {
      documented = byKey.get(key(table.parentTable));
      folded.push({ table: key(table), into: key(table.parentTable), relation: table.parentTable.relation });
      if (!documented) {
        missing.push({ table: key(table), reason: `its parent ${key(table.parentTable)} could not be read` });
        continue;
      }
    }
    if (seen.has(key(documented))) continue;
    seen.add(key(documented));
    tables.push(documented);
  }
  return { tables, missing, folded };
}
