/**
 * Turning task files into vector documents, the way Vanna's readers expect them: `.ddl` files split into
 * statements (each keeping the comments above it), `.md` files split at headings, pair files into
 * `{"question","sql"}` documents. `.txt`, `.log` and other `.json` files are not loaded.
 */
import { ensureSqlParser, parseStatements } from '../sql/pg-parser.js';
import type { VectorDocument } from './vector-store.js';

/**
 * Splits a DDL script into statements with their leading comment lines. Uses PostgreSQL's parser,
 * so semicolons in comments or strings do not split; unparsable text stays one document.
 */
export async function ddlDocuments(text: string, source: string): Promise<VectorDocument[]> {
  await ensureSqlParser();
  let pieces: string[];
  try {
    const statements = parseStatements(text);
    pieces = [];
    let rest = text;
    for (const statement of statements) {
      const at = rest.indexOf(statement.text);
      if (at < 0) {
        pieces = [text];
        break;
      }
      pieces.push(`${rest.slice(0, at)}${statement.text};`.replace(/^[\s;]+/, '').trim());
      rest = rest.slice(at + statement.text.length).replace(/^\s*;/, '');
    }
  } catch {
    pieces = [text.trim()];
  }
  return pieces.filter((p) => p !== '').map((document) => ({ collection: 'ddl', document, metadata: { source_file: source } }));
}

/** Splits Markdown at headings (`#` to `######`); text before the first heading is its own part. */
export function markdownDocuments(text: string, source: string): VectorDocument[] {
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
  return parts.map((document) => ({ collection: 'documentation', document, metadata: { source_file: source } }));
}

/** One `sql` document per pair: the JSON text `{"question": ..., "sql": ...}`. */
export function pairDocuments(pairs: readonly { question: string; sql: string }[], source: string): VectorDocument[] {
  return pairs.map((pair) => ({
    collection: 'sql',
    document: JSON.stringify({ question: pair.question, sql: pair.sql }),
    metadata: { source_file: source },
  }));
}
