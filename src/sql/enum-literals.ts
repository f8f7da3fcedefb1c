/**
 * Literals a query compares to a column with a known enumeration (`status = 'Shipped'`,
 * `tier IN ('gold', 'iron')`, `status <> 'x'`) that the enumeration does not contain. Read from
 * PostgreSQL's parse tree: table aliases are resolved per SELECT (inner scopes first), and a
 * column is only judged when it belongs to exactly one known table, so a guess never flags a pair.
 * Needs `ensureSqlParser()` first.
 */
import { parseStatements } from './pg-parser.js';

/** Where an enumeration's values come from, strongest first. */
export type EnumerationSource = 'enum type' | 'CHECK constraint' | 'documented';

export interface Enumeration {
  values: readonly string[];
  source: EnumerationSource;
}

/** What the check knows of one table: its columns and the enumerations of some of them. */
export interface KnownTable {
  schema: string;
  name: string;
  columns: ReadonlySet<string>;
  enumerations: ReadonlyMap<string, Enumeration>;
}

export interface EnumLiteralIssue {
  /** `schema.table`. */
  table: string;
  column: string;
  value: string;
  operator: '=' | '<>' | 'IN' | 'NOT IN';
  source: EnumerationSource;
  allowed: string[];
  /** An allowed value equal to the literal but for case or surrounding spaces. */
  suggestion: string | null;
}

type Node = Record<string, unknown>;
const isNode = (value: unknown): value is Node => typeof value === 'object' && value !== null && !Array.isArray(value);

/** One FROM item of a SELECT: a known table, or something whose columns we do not know (a CTE, a subquery, a function, an undocumented table). */
type Range = KnownTable | null;

interface Scope {
  /** Alias (or table name when no alias) → range. */
  byName: Map<string, Range>;
  ranges: Range[];
}

function strings(list: unknown): string[] | null {
  if (!Array.isArray(list)) return null;
  const out: string[] = [];
  for (const item of list) {
    const text = isNode(item) && isNode(item.String) ? item.String.sval : undefined;
    if (typeof text !== 'string') return null; // `t.*` and the like
    out.push(text);
  }
  return out;
}

/** The text of a string or integer constant, possibly cast (`'paid'::order_status`); undefined for anything else. */
function constantText(node: unknown): string | undefined {
  if (!isNode(node)) return undefined;
  if (isNode(node.TypeCast)) return constantText(node.TypeCast.arg);
  const constant = node.A_Const;
  if (!isNode(constant)) return undefined;
  if (isNode(constant.sval)) return typeof constant.sval.sval === 'string' ? constant.sval.sval : '';
  if (isNode(constant.ival)) return String(typeof constant.ival.ival === 'number' ? constant.ival.ival : 0);
  return undefined;
}

/** The column reference's fields, possibly under a cast (`status::text`). */
function columnFields(node: unknown): string[] | null {
  if (!isNode(node)) return null;
  if (isNode(node.TypeCast)) return columnFields(node.TypeCast.arg);
  return isNode(node.ColumnRef) ? strings(node.ColumnRef.fields) : null;
}

function operatorName(expr: Node): string | undefined {
  return strings(expr.name)?.at(-1);
}

class LiteralChecker {
  readonly issues: EnumLiteralIssue[] = [];
  private readonly byQualified = new Map<string, KnownTable>();
  private readonly byName = new Map<string, KnownTable[]>();

  constructor(tables: readonly KnownTable[]) {
    for (const table of tables) {
      this.byQualified.set(`${table.schema}.${table.name}`, table);
      this.byName.set(table.name, [...(this.byName.get(table.name) ?? []), table]);
    }
  }

  /** An unqualified name is taken as the search path would usually find it: the only table of that name, else the one in `public`. */
  private table(schema: string | undefined, name: string): KnownTable | null {
    if (schema) return this.byQualified.get(`${schema}.${name}`) ?? null;
    const found = this.byName.get(name) ?? [];
    return found.length === 1 ? (found[0] as KnownTable) : (found.find((t) => t.schema === 'public') ?? null);
  }

  private scopeOf(select: Node, ctes: ReadonlySet<string>): Scope {
    const scope: Scope = { byName: new Map(), ranges: [] };
    const add = (item: unknown): void => {
      if (!isNode(item)) return;
      if (isNode(item.RangeVar)) {
        const rv = item.RangeVar;
        const relname = typeof rv.relname === 'string' ? rv.relname : '';
        const schema = typeof rv.schemaname === 'string' ? rv.schemaname : undefined;
        const range = !schema && ctes.has(relname) ? null : this.table(schema, relname);
        const alias = isNode(rv.alias) && typeof rv.alias.aliasname === 'string' ? rv.alias.aliasname : relname;
        scope.byName.set(alias, range);
        scope.ranges.push(range);
      } else if (isNode(item.JoinExpr)) {
        add(item.JoinExpr.larg);
        add(item.JoinExpr.rarg);
      } else {
        // A subquery, a function or anything else in FROM: columns we cannot list.
        const inner = Object.values(item)[0];
        const alias = isNode(inner) && isNode(inner.alias) && typeof inner.alias.aliasname === 'string' ? inner.alias.aliasname : undefined;
        if (alias) scope.byName.set(alias, null);
        scope.ranges.push(null);
      }
    };
    if (Array.isArray(select.fromClause)) for (const item of select.fromClause) add(item);
    return scope;
  }

  /** The known table a column reference belongs to, innermost scope first; null when it cannot be told for sure. */
  private resolve(fields: string[], scopes: readonly Scope[]): { table: KnownTable; column: string } | null {
    const column = fields.at(-1) as string;
    if (fields.length >= 3) {
      const table = this.table(fields.at(-3), fields.at(-2) as string);
      return table?.columns.has(column) ? { table, column } : null;
    }
    for (let i = scopes.length - 1; i >= 0; i -= 1) {
      const scope = scopes[i] as Scope;
      if (fields.length === 2) {
        const qualifier = fields[0] as string;
        if (!scope.byName.has(qualifier)) continue;
        const table = scope.byName.get(qualifier) ?? null;
        return table?.columns.has(column) ? { table, column } : null;
      }
      const owners = scope.ranges.filter((r) => r === null || r.columns.has(column));
      if (owners.length === 0) continue;
      const [only] = owners;
      return owners.length === 1 && only ? { table: only, column } : null;
    }
    return null;
  }

  private judge(columnNode: unknown, literals: unknown[], operator: EnumLiteralIssue['operator'], scopes: readonly Scope[]): void {
    const fields = columnFields(columnNode);
    if (!fields) return;
    const target = this.resolve(fields, scopes);
    const enumeration = target?.table.enumerations.get(target.column);
    if (!target || !enumeration) return;
    for (const literal of literals) {
      const value = constantText(literal);
      if (value === undefined || enumeration.values.includes(value)) continue;
      const folded = value.trim().toLowerCase();
      this.issues.push({
        table: `${target.table.schema}.${target.table.name}`,
        column: target.column,
        value,
        operator,
        source: enumeration.source,
        allowed: [...enumeration.values],
        suggestion: enumeration.values.find((v) => v.trim().toLowerCase() === folded) ?? null,
      });
    }
  }

  private comparison(expr: Node, scopes: readonly Scope[]): void {
    const op = operatorName(expr);
    if (expr.kind === 'AEXPR_OP' && (op === '=' || op === '<>')) {
      // Either side may hold the column.
      if (constantText(expr.rexpr) !== undefined) this.judge(expr.lexpr, [expr.rexpr], op, scopes);
      else if (constantText(expr.lexpr) !== undefined) this.judge(expr.rexpr, [expr.lexpr], op, scopes);
    } else if (expr.kind === 'AEXPR_IN' && (op === '=' || op === '<>')) {
      const list = isNode(expr.rexpr) && isNode(expr.rexpr.List) ? expr.rexpr.List.items : expr.rexpr;
      if (Array.isArray(list)) this.judge(expr.lexpr, list, op === '=' ? 'IN' : 'NOT IN', scopes);
    }
  }

  /** A SELECT opens a scope of its own FROM items (its CTE names shadow tables of the same name). */
  private select(select: Node, scopes: readonly Scope[], ctes: ReadonlySet<string>): void {
    const names = new Set(ctes);
    const list = isNode(select.withClause) ? select.withClause.ctes : undefined;
    for (const cte of Array.isArray(list) ? list : []) {
      const name = isNode(cte) && isNode(cte.CommonTableExpr) ? cte.CommonTableExpr.ctename : undefined;
      if (typeof name === 'string') names.add(name);
    }
    this.visit(select, [...scopes, this.scopeOf(select, names)], names);
  }

  visit(value: unknown, scopes: readonly Scope[], ctes: ReadonlySet<string>): void {
    if (Array.isArray(value)) {
      for (const item of value) this.visit(item, scopes, ctes);
      return;
    }
    if (!isNode(value)) return;
    for (const [key, child] of Object.entries(value)) {
      // The branches of a UNION/INTERSECT/EXCEPT are SELECTs written without their node name.
      const branch = (key === 'larg' || key === 'rarg') && isNode(child) && typeof child.op === 'string';
      if ((key === 'SelectStmt' || branch) && isNode(child)) {
        this.select(child, scopes, ctes);
        continue;
      }
      if (key === 'A_Expr' && isNode(child)) this.comparison(child, scopes);
      this.visit(child, scopes, ctes);
    }
  }
}

/**
 * The literals of `sql` compared to an enumerated column of `tables` that its enumeration does not
 * contain. A text that does not parse has none (the validation reports the syntax error).
 */
export function enumLiteralIssues(sql: string, tables: readonly KnownTable[]): EnumLiteralIssue[] {
  if (tables.length === 0) return [];
  let statements: ReturnType<typeof parseStatements>;
  try {
    statements = parseStatements(sql);
  } catch {
    return [];
  }
  const checker = new LiteralChecker(tables);
  for (const statement of statements) checker.visit({ [statement.kind]: statement.node }, [], new Set());
  return checker.issues;
}

const quote = (value: string) => `'${value.replace(/'/g, "''")}'`;

/** One issue as a sentence a person (or an LLM asked to repair the query) can act on. */
export function describeEnumLiteralIssue(issue: EnumLiteralIssue): string {
  const source = issue.source === 'documented' ? 'documented enumeration' : issue.source;
  const hint = issue.suggestion === null ? '' : ` (did you mean ${quote(issue.suggestion)}?)`;
  return `${issue.table}.${issue.column} is compared with ${quote(issue.value)}, which is not one of its values${hint}; the ${source} allows: ${issue.allowed.map(quote).join(', ')}`;
}
