/**
 * Columns whose CHECK constraint lists the values they may hold: `status IN ('open', 'closed')`,
 * which PostgreSQL stores as `status = ANY (ARRAY[…])`, or `kind = 'a' OR kind = 'b'`. Such a
 * column is a declared enumeration, like a column of an enum type: its values come from the
 * schema (all of them, in declared order) instead of a SELECT DISTINCT over the data.
 *
 * The definitions (`pg_get_constraintdef`) are read with PostgreSQL's own parser, never with
 * patterns; a constraint marked NOT VALID is ignored, since existing rows may break it.
 */
import { parseSync, SqlError } from 'libpg-query';

/** The column a CHECK constraint restricts to a list of constants, and the list. */
export interface DeclaredValues {
  column: string;
  values: string[];
}

type Node = Record<string, unknown>;

/** The single-key object's key and value (`{ A_Expr: {…} }` → `['A_Expr', {…}]`). */
function unwrap(node: unknown): [string, Node] | undefined {
  if (!node || typeof node !== 'object') return undefined;
  const [entry] = Object.entries(node as Node);
  return entry?.[1] && typeof entry[1] === 'object' ? [entry[0], entry[1] as Node] : undefined;
}

/** Casts PostgreSQL adds to string columns (`status::text`): they keep the column's values as they are. */
const TEXT_TYPES = new Set(['text', 'varchar', 'bpchar']);

function isTextCast(cast: Node): boolean {
  const typeName = cast.typeName as Node | undefined;
  const names = (typeName?.names as unknown[] | undefined)?.map((n) => unwrap(n)?.[1].sval);
  return !typeName?.arrayBounds && TEXT_TYPES.has(String(names?.at(-1)));
}

/**
 * The node under its casts: every cast for a constant (`'open'::character varying`), text casts
 * only for a column (`price::integer` maps its values, so it is no longer the column).
 */
function withoutCasts(node: unknown, only: (cast: Node) => boolean = () => true): [string, Node] | undefined {
  let current = unwrap(node);
  while (current?.[0] === 'TypeCast' && only(current[1])) current = unwrap(current[1].arg);
  return current;
}

/** The column a side of a comparison is, through text casts only. */
function columnName(node: unknown): string | undefined {
  const ref = withoutCasts(node, isTextCast);
  if (ref?.[0] !== 'ColumnRef') return undefined;
  const fields = ref[1].fields as unknown[] | undefined;
  if (fields?.length !== 1) return undefined;
  const field = unwrap(fields[0]);
  return field?.[0] === 'String' ? String(field[1].sval) : undefined;
}

/** A constant's text; `null` for NULL (allowed, not a value); undefined when not a constant. */
function constantText(node: unknown): string | null | undefined {
  const constant = withoutCasts(node);
  if (constant?.[0] !== 'A_Const') return undefined;
  const c = constant[1];
  if (c.isnull) return null;
  // The parser's JSON leaves out zero values: `{ ival: {} }` is 0.
  if (c.sval) return String((c.sval as Node).sval ?? '');
  if (c.ival) return String((c.ival as Node).ival ?? 0);
  if (c.fval) return String((c.fval as Node).fval);
  return undefined;
}

/** Column and values of one `=` comparison, `IN` list or `= ANY (ARRAY[…])`; undefined otherwise. */
function comparedValues(expr: Node): DeclaredValues | undefined {
  const op = (expr.name as unknown[] | undefined)?.map((n) => unwrap(n)?.[1].sval);
  if (op?.length !== 1 || op[0] !== '=') return undefined;
  const column = columnName(expr.lexpr);
  if (!column) return undefined;
  let items: unknown[] | undefined;
  if (expr.kind === 'AEXPR_OP') items = [expr.rexpr];
  else if (expr.kind === 'AEXPR_IN') items = (unwrap(expr.rexpr)?.[1].items as unknown[] | undefined) ?? undefined;
  else if (expr.kind === 'AEXPR_OP_ANY') {
    const array = withoutCasts(expr.rexpr);
    items = array?.[0] === 'A_ArrayExpr' ? ((array[1].elements as unknown[] | undefined) ?? []) : undefined;
  }
  if (!items) return undefined;
  const values: string[] = [];
  for (const item of items) {
    const text = constantText(item);
    if (text === undefined) return undefined;
    if (text !== null) values.push(text);
  }
  return { column, values };
}

interface Collected {
  lists: DeclaredValues[];
  /** Columns tested with IS NULL: only the listed column itself may be. */
  nullTested: string[];
}

/** Walks `a OR b OR …` (and `col IS NULL`) collecting lists of values; false for anything else. */
function collect(node: unknown, found: Collected): boolean {
  const expr = unwrap(node);
  if (!expr) return false;
  const [kind, body] = expr;
  if (kind === 'BoolExpr') {
    return body.boolop === 'OR_EXPR' && ((body.args as unknown[] | undefined) ?? []).every((arg) => collect(arg, found));
  }
  if (kind === 'NullTest') {
    const column = body.nulltesttype === 'IS_NULL' ? columnName(body.arg) : undefined;
    if (column) found.nullTested.push(column);
    return column !== undefined;
  }
  if (kind !== 'A_Expr') return false;
  const compared = comparedValues(body);
  if (compared) found.lists.push(compared);
  return compared !== undefined;
}

/**
 * The column and values a CHECK definition (as `pg_get_constraintdef` prints it) restricts one
 * column to, or undefined for any other constraint.
 */
export function declaredValues(definition: string): DeclaredValues | undefined {
  // Cheap test first: every list form has an `=` or an IN; most CHECKs (ranges, lengths) have neither.
  if (!definition.startsWith('CHECK') || !/[^<>!]=|\bIN\s*\(/i.test(definition)) return undefined;
  let constraint: Node | undefined;
  try {
    const parsed = parseSync(`ALTER TABLE t ADD ${definition}`) as { stmts?: { stmt: Node }[] };
    const alter = unwrap(parsed.stmts?.[0]?.stmt)?.[1];
    const command = unwrap((alter?.cmds as unknown[] | undefined)?.[0])?.[1];
    constraint = unwrap(command?.def)?.[1];
  } catch (error) {
    // Text the parser refuses is no list; anything else (a parser never loaded) is our bug.
    if (error instanceof SqlError) return undefined;
    throw error;
  }
  if (constraint?.contype !== 'CONSTR_CHECK' || constraint.skip_validation) return undefined;
  const found: Collected = { lists: [], nullTested: [] };
  if (!collect(constraint.raw_expr, found) || found.lists.length === 0) return undefined;
  // `other IS NULL OR status IN (…)` lets status hold anything while `other` is null.
  const column = (found.lists[0] as DeclaredValues).column;
  if ([...found.lists.map((l) => l.column), ...found.nullTested].some((c) => c !== column)) return undefined;
  const values = [...new Set(found.lists.flatMap((l) => l.values))];
  return values.length > 0 ? { column, values } : undefined;
}
