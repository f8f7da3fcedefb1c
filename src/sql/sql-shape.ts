/**
 * What a query is made of, read from PostgreSQL's parse tree (never from keywords): its joins,
 * filters, grouping, windows and subqueries, a difficulty level derived from them, and a
 * fingerprint with literals normalised, so that two pairs differing only in a value count as the
 * same shape. Used for the pairs' difficulty (pair file, validation report, store provenance),
 * for removing duplicates by shape, and for measuring the mix of a training set.
 */
import { fingerprintSync } from 'libpg-query';
import { parseStatements } from './pg-parser.js';

export const DIFFICULTIES = ['easy', 'medium', 'hard'] as const;
export type Difficulty = (typeof DIFFICULTIES)[number];

export interface SqlShape {
  /** pg_query's fingerprint: equal for queries that differ only in literal values. */
  fingerprint: string;
  /** Distinct tables (and views) the query reads, CTE names aside. */
  tables: string[];
  /** Explicit JOINs plus extra items of a FROM list. */
  joins: number;
  /** A WHERE clause anywhere in the query. */
  filter: boolean;
  groupBy: boolean;
  having: boolean;
  aggregate: boolean;
  window: boolean;
  /** A subquery, a derived table or a CTE. */
  subquery: boolean;
  /** UNION, INTERSECT or EXCEPT. */
  setOperation: boolean;
  difficulty: Difficulty;
}

const AGGREGATES = new Set([
  'count',
  'sum',
  'avg',
  'min',
  'max',
  'string_agg',
  'array_agg',
  'json_agg',
  'jsonb_agg',
  'bool_and',
  'bool_or',
  'every',
  'stddev',
  'stddev_pop',
  'stddev_samp',
  'variance',
  'var_pop',
  'var_samp',
  'percentile_cont',
  'percentile_disc',
  'mode',
  'corr',
]);

type Node = Record<string, unknown>;

const isNode = (value: unknown): value is Node => typeof value === 'object' && value !== null && !Array.isArray(value);

function functionName(call: Node): string {
  const parts = Array.isArray(call.funcname) ? call.funcname : [];
  const last = parts.at(-1) as { String?: { sval?: string } } | undefined;
  return (last?.String?.sval ?? '').toLowerCase();
}

/**
 * The difficulty a person would give it: easy (one table, at most a filter or a plain grouping),
 * medium (one join, HAVING, or grouping with a filter), hard (two or more joins, a window, a
 * subquery or CTE, a set operation).
 */
export function difficultyOf(shape: Omit<SqlShape, 'difficulty' | 'fingerprint'>): Difficulty {
  if (shape.joins >= 2 || shape.window || shape.subquery || shape.setOperation) return 'hard';
  if (shape.joins === 1 || shape.having || (shape.groupBy && shape.filter)) return 'medium';
  return 'easy';
}

/** The shape of one query; null when it does not parse (the validation step says why). Needs `ensureSqlParser()` first. */
export function sqlShape(sql: string): SqlShape | null {
  let statements: ReturnType<typeof parseStatements>;
  try {
    statements = parseStatements(sql);
  } catch {
    return null;
  }
  const [statement] = statements;
  if (!statement) return null;
  const found = { joins: 0, filter: false, groupBy: false, having: false, aggregate: false, window: false, subquery: false, setOperation: false };
  const tables = new Set<string>();
  const cteNames = new Set<string>();

  const visit = (value: unknown): void => {
    if (Array.isArray(value)) {
      for (const item of value) visit(item);
      return;
    }
    if (!isNode(value)) return;
    for (const [key, child] of Object.entries(value)) {
      if (!isNode(child)) {
        visit(child);
        continue;
      }
      switch (key) {
        case 'SelectStmt': {
          const from = Array.isArray(child.fromClause) ? child.fromClause.length : 0;
          if (from > 1) found.joins += from - 1;
          if (child.whereClause) found.filter = true;
          if (Array.isArray(child.groupClause) && child.groupClause.length > 0) found.groupBy = true;
          if (child.havingClause) found.having = true;
          if (child.withClause) found.subquery = true;
          if (child.op && child.op !== 'SETOP_NONE') found.setOperation = true;
          break;
        }
        case 'JoinExpr':
          found.joins += 1;
          break;
        case 'RangeVar':
          tables.add([child.schemaname, child.relname].filter(Boolean).join('.'));
          break;
        case 'CommonTableExpr':
          if (typeof child.ctename === 'string') cteNames.add(child.ctename);
          break;
        case 'SubLink':
        case 'RangeSubselect':
          found.subquery = true;
          break;
        case 'FuncCall':
          if (child.over) found.window = true;
          else if (AGGREGATES.has(functionName(child))) found.aggregate = true;
          break;
      }
      visit(child);
    }
  };
  visit({ [statement.kind]: statement.node });
  if (found.groupBy) found.aggregate = true;

  let fingerprint: string;
  try {
    fingerprint = fingerprintSync(statement.text);
  } catch {
    fingerprint = statement.text.replace(/\s+/g, ' ').toLowerCase();
  }
  const shape = { ...found, tables: [...tables].filter((t) => !cteNames.has(t)).sort() };
  return { ...shape, fingerprint, difficulty: difficultyOf(shape) };
}
