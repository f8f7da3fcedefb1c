import { isReservedWord } from './pg-parser.js';

/** Always-quoted identifier: used in every statement we send to a database. */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** `"schema"."name"`, always quoted. */
export function quoteQualified(schema: string, name: string): string {
  return `${quoteIdent(schema)}.${quoteIdent(name)}`;
}

/**
 * Identifier as a person would write it in files we produce: quoted only when PostgreSQL needs
 * quotes (upper case, special characters, reserved words). Requires `ensureSqlParser()`.
 */
export function displayIdent(name: string): string {
  if (/^[a-z_][a-z0-9_$]*$/.test(name) && !isReservedWord(name)) return name;
  return quoteIdent(name);
}

/** `schema.name` for display, each part quoted only if needed. */
export function displayQualified(schema: string, name: string): string {
  return `${displayIdent(schema)}.${displayIdent(name)}`;
}

/** A SQL string literal. */
export function quoteLiteral(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}
