/**
 * Turning task files into vector documents, the way Vanna's readers expect them: `.ddl` files split into
 * statements (each keeping the comments above it), `.md` files split at headings, pair files into
 * `{"question","sql"}` documents. `.txt`, `.log` and other `.json` files are not loaded.
 */
import { createHash } from 'node:crypto';
import { ensureSqlParser, parseStatements } from '../sql/pg-parser.js';
import { sqlShape } from '../sql/sql-shape.js';
import { checkReadOnlyQuery } from '../sql/statement-guard.js';
import type { CollectionName, VectorDocument } from './vector-store.js';

/** What every row says about itself besides the database and the load (added by the load). */
function describe(collection: CollectionName, document: string, source: string, itemKey: string, tables: string[]): VectorDocument {
  return {
    collection,
    document,
    metadata: {
      kind: collection,
      tables,
      source_file: source,
      // Which item of the training set this is, whatever its text: an edit replaces it (an update).
      item_key: itemKey,
      content_hash: createHash('sha256').update(document).digest('hex'),
    },
  };
}

/** Statements that prepare the table after them (its schema, extension, types): one document with it. */
const PREPARING = new Set(['DoStmt', 'CreateSchemaStmt', 'CreateExtensionStmt']);

/**
 * Splits a DDL script into statements with their leading comment lines. Uses PostgreSQL's parser,
 * so semicolons in comments or strings do not split; unparsable text stays one document. A `DO`
 * block (a `.ddl` defines the types of a table's columns in one), a `CREATE SCHEMA` and a `CREATE
 * EXTENSION` stay with the statement after them: alone they are nothing an assistant would retrieve.
 */
export async function ddlDocuments(text: string, source: string, tables: string[] = []): Promise<VectorDocument[]> {
  await ensureSqlParser();
  let pieces: string[];
  try {
    const statements = parseStatements(text);
    pieces = [];
    let rest = text;
    // What prepares a table (its schema, the types its columns need): one document with the table.
    let pending = '';
    for (const statement of statements) {
      const at = rest.indexOf(statement.text);
      if (at < 0) {
        pieces = [text];
        pending = '';
        break;
      }
      const piece = `${pending}${rest.slice(0, at)}${statement.text};`.replace(/^[\s;]+/, '').trim();
      rest = rest.slice(at + statement.text.length).replace(/^\s*;/, '');
      pending = PREPARING.has(statement.kind) ? `${piece}\n` : '';
      if (!pending) pieces.push(piece);
    }
    if (pending) pieces.push(pending.trim());
  } catch {
    pieces = [text.trim()];
  }
  return pieces.filter((p) => p !== '').map((document, i) => describe('ddl', document, source, `${source}#${i + 1}`, tables));
}

/** Splits Markdown at headings (`#` to `######`); text before the first heading is its own part. */
export function markdownDocuments(text: string, source: string, tables: string[] = []): VectorDocument[] {
  const parts: string[] = [];
  let current: string[] = [];
  for (const line of text.split(/\r?\n/)) {
    if (/^#{1,6}\s/.test(line) && current.some((l) => l.trim() !== '')) {
      parts.push(current.join('\n').trim());
      current = [];
    }
    current.push(line);
  }
  if (current.some((l) => l.trim() !== '')) parts.push(current.join('\n').trim());
  return parts.map((document, i) => describe('documentation', document, source, `${source}#${i + 1}`, tables));
}

/** The tables a query reads (`schema.table`, unqualified ones as `public`); none when it does not parse. */
function tablesOf(sql: string): string[] {
  const guard = checkReadOnlyQuery(sql);
  return guard.ok ? guard.tables.map((t) => `${t.schema ?? 'public'}.${t.name}`) : [];
}

/**
 * One `sql` document per pair: the JSON text `{"question": ..., "sql": ...}`. A pair is the same
 * item as long as its question is (editing its SQL updates it). Its provenance adds the SQL's
 * `difficulty` (`easy`, `medium`, `hard`; null when it does not parse). Call after `ensureSqlParser()`.
 */
export function pairDocuments(pairs: readonly { question: string; sql: string }[], source: string): VectorDocument[] {
  return pairs.map((pair) => {
    const document = describe(
      'sql',
      JSON.stringify({ question: pair.question, sql: pair.sql }),
      source,
      `question:${pair.question.trim().toLowerCase()}`,
      tablesOf(pair.sql),
    );
    document.metadata.difficulty = sqlShape(pair.sql)?.difficulty ?? null;
    return document;
  });
}
