/**
 * Decides, with PostgreSQL's parser and without running anything, whether a text is exactly one
 * read-only query: a SELECT (or WITH … SELECT) with no data-modifying CTE, no SELECT INTO and no
 * row locking. Also lists the tables a query reads, for repair prompts.
 */
import { parseStatements, SqlSyntaxError } from './pg-parser.js';

export type GuardResult =
  | { ok: true; statement: string; tables: { schema: string | undefined; name: string }[] }
  | { ok: false; kind: 'syntax' | 'not_single' | 'not_select'; reason: string };

const WRITING_NODES = new Set(['InsertStmt', 'UpdateStmt', 'DeleteStmt', 'MergeStmt']);

/** Walks a parse tree, calling `visit` with each node's key and value. */
function walk(node: unknown, visit: (key: string, value: unknown) => void): void {
  if (Array.isArray(node)) {
    for (const item of node) walk(item, visit);
  } else if (node && typeof node === 'object') {
    for (const [key, value] of Object.entries(node)) {
      visit(key, value);
      walk(value, visit);
    }
  }
}

export function checkReadOnlyQuery(sql: string): GuardResult {
  let statements: ReturnType<typeof parseStatements>;
  try {
    statements = parseStatements(sql);
  } catch (error) {
    // The parser refuses an empty (or comment-only) text; that is "no statement", not a syntax error.
    if (error instanceof SqlSyntaxError && /cannot be empty/i.test(error.message)) {
      return { ok: false, kind: 'not_single', reason: 'expected exactly one statement, found 0' };
    }
    if (error instanceof SqlSyntaxError) return { ok: false, kind: 'syntax', reason: `syntax error: ${error.message}` };
    throw error;
  }
  if (statements.length !== 1) {
    return { ok: false, kind: 'not_single', reason: `expected exactly one statement, found ${statements.length}` };
  }
  const [statement] = statements as [(typeof statements)[number]];
  if (statement.kind !== 'SelectStmt') {
    return {
      ok: false,
      kind: 'not_select',
      reason: `only a query (SELECT, WITH … SELECT, VALUES) is allowed, found ${statement.kind.replace(/Stmt$/, '').toUpperCase()}`,
    };
  }
  let problem: string | undefined;
  const cteNames = new Set<string>();
  const tables: { schema: string | undefined; name: string }[] = [];
  walk(statement.node, (key, value) => {
    if (WRITING_NODES.has(key)) problem ??= `a data-modifying ${key.replace(/Stmt$/, '').toUpperCase()} is not allowed`;
    if (key === 'intoClause') problem ??= 'SELECT INTO creates a table and is not allowed';
    if (key === 'lockingClause') problem ??= 'row locking (FOR UPDATE/SHARE) is not allowed';
    if (key === 'CommonTableExpr' && value && typeof value === 'object') {
      const name = (value as { ctename?: unknown }).ctename;
      if (typeof name === 'string') cteNames.add(name);
    }
    if (key === 'RangeVar' && value && typeof value === 'object') {
      const rv = value as { schemaname?: unknown; relname?: unknown };
      if (typeof rv.relname === 'string') tables.push({ schema: typeof rv.schemaname === 'string' ? rv.schemaname : undefined, name: rv.relname });
    }
  });
  if (problem) return { ok: false, kind: 'not_select', reason: problem };
  const referenced = tables.filter((t) => t.schema !== undefined || !cteNames.has(t.name));
  const unique = referenced.filter((t, i) => referenced.findIndex((o) => o.schema === t.schema && o.name === t.name) === i);
  return { ok: true, statement: statement.text, tables: unique };
}
