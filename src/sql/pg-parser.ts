/**
 * PostgreSQL's own parser (libpg-query, WASM). It decides what a statement is: we never guess
 * from keywords what PostgreSQL would do with a string.
 */
import { loadModule, parseSync, scanSync } from 'libpg-query';
import { errorMessage } from '../errors.js';

let ready: Promise<void> | undefined;

/** Loads the WASM parser once; every entry point that parses SQL awaits this first. */
export function ensureSqlParser(): Promise<void> {
  ready ??= loadModule();
  return ready;
}

export interface ParsedStatement {
  /** The node type, e.g. `SelectStmt`, `InsertStmt`. */
  kind: string;
  node: Record<string, unknown>;
  /** Source text of the statement, without the separating semicolon. */
  text: string;
}

export class SqlSyntaxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SqlSyntaxError';
  }
}

interface RawParseResult {
  stmts?: { stmt: Record<string, Record<string, unknown>>; stmt_location?: number; stmt_len?: number }[];
}

/** Parses a script into statements; throws SqlSyntaxError with PostgreSQL's message. */
export function parseStatements(sql: string): ParsedStatement[] {
  let result: RawParseResult;
  try {
    result = parseSync(sql) as RawParseResult;
  } catch (error) {
    throw new SqlSyntaxError(errorMessage(error));
  }
  // Locations are byte offsets into the UTF-8 text.
  const bytes = Buffer.from(sql, 'utf8');
  return (result.stmts ?? []).map((entry) => {
    const [kind, node] = Object.entries(entry.stmt)[0] ?? ['Unknown', {}];
    const start = entry.stmt_location ?? 0;
    const end = entry.stmt_len ? start + entry.stmt_len : bytes.length;
    return { kind, node, text: bytes.subarray(start, end).toString('utf8').trim() };
  });
}

const keywordKinds = new Map<string, number>();

/**
 * Whether a plain lower-case name is a keyword that must be quoted as an identifier
 * (PostgreSQL's reserved and type/function-name keywords).
 */
export function isReservedWord(name: string): boolean {
  // No PostgreSQL keyword contains a digit (kwlist.h): most generated names are answered here,
  // without a call into the parser (a measurable share of documenting 1,000 tables).
  if (/\d/.test(name)) return false;
  let kind = keywordKinds.get(name);
  if (kind === undefined) {
    const tokens = (scanSync(name) as { tokens: { keywordKind: number }[] }).tokens;
    kind = tokens.length === 1 ? (tokens[0]?.keywordKind ?? 0) : 0;
    keywordKinds.set(name, kind);
  }
  return kind === 3 || kind === 4;
}
