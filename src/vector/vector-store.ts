/**
 * The vector store in the schema Vanna's pgvector store reads (langchain-postgres):
 * `langchain_pg_collection` (collections sql, ddl, documentation, error_sql) and
 * `langchain_pg_embedding`. Ids derive from content, so loading the same files twice upserts the
 * same rows instead of adding copies.
 */
import { createHash } from 'node:crypto';
import type { SqlDatabase } from '../db/sql-database.js';
import { errorMessage } from '../errors.js';

export const COLLECTIONS = ['sql', 'ddl', 'documentation', 'error_sql'] as const;
export type CollectionName = (typeof COLLECTIONS)[number];

/** The id suffix per collection that Vanna's readers expect. */
export const ID_SUFFIX: Record<CollectionName, string> = {
  sql: '-sql',
  ddl: '-ddl',
  documentation: '-doc',
  error_sql: '-error_sql',
};

export const COLLECTION_TABLE = 'langchain_pg_collection';
export const EMBEDDING_TABLE = 'langchain_pg_embedding';

export class VectorStoreError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'VectorStoreError';
  }
}

/** A UUID-shaped digest of `text` (version nibble 5, RFC 4122 variant). */
export function contentUuid(text: string): string {
  const hex = createHash('sha256').update(text).digest('hex');
  const variant = ((parseInt(hex.charAt(16), 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

export function documentId(collection: CollectionName, document: string): string {
  return `${contentUuid(`${collection}\n${document}`)}${ID_SUFFIX[collection]}`;
}

export interface VectorDocument {
  collection: CollectionName;
  document: string;
  metadata: Record<string, unknown>;
}

export interface StoredCounts {
  total: number;
  byCollection: Record<string, number>;
}

const UPSERT_BATCH = 200;

/**
 * Why `vector` cannot go into a `vector(dim)` column and serve similarity search, or undefined.
 * Values are checked as float4, what pgvector stores: a tiny value rounds to 0, a huge one to ∞.
 */
export function vectorProblem(vector: readonly number[], dim: number): string | undefined {
  if (vector.length !== dim) return `the embedder returned ${vector.length} values but EMBEDDING_DIM is ${dim}`;
  let sumOfSquares = 0;
  for (let i = 0; i < vector.length; i += 1) {
    const sent = vector[i] as number;
    const value = Math.fround(sent);
    if (!Number.isFinite(value)) {
      return `value ${i + 1} of ${dim} is ${Number.isFinite(sent) ? `${sent}, beyond the float4 range` : String(sent)}`;
    }
    sumOfSquares += value * value;
  }
  // A zero vector has no direction: cosine distance to it is undefined, so it would never be found.
  if (sumOfSquares === 0) return 'its norm is 0 (every value is 0 as float4)';
  return undefined;
}

/** Which document, for messages: `orders.ddl (ddl, "create table public.orders (id bigint…")`. */
export function describeDocument(document: VectorDocument): string {
  const source = typeof document.metadata.source_file === 'string' ? document.metadata.source_file : 'no source file';
  const text = document.document.replace(/\s+/g, ' ').trim();
  const preview = text.length > 60 ? `${text.slice(0, 60)}…` : text;
  return `${source} (${document.collection}, "${preview}")`;
}

/**
 * Checks every vector before anything is written; undefined when all are usable, else one message
 * naming the documents (the first five) and what is wrong with their vectors.
 */
export function unusableVectors(documents: readonly VectorDocument[], embeddings: readonly (readonly number[])[], dim: number): string | undefined {
  if (documents.length !== embeddings.length) {
    return `${embeddings.length} vector(s) for ${documents.length} document(s)`;
  }
  const problems: string[] = [];
  let bad = 0;
  documents.forEach((document, i) => {
    const problem = vectorProblem(embeddings[i] as readonly number[], dim);
    if (problem === undefined) return;
    bad += 1;
    if (problems.length < 5) problems.push(`${describeDocument(document)}: ${problem}`);
  });
  if (bad === 0) return undefined;
  const more = bad > problems.length ? `; … and ${bad - problems.length} more` : '';
  return `${bad} of ${documents.length} vector(s) cannot be stored: ${problems.join('; ')}${more}`;
}

export class VectorStore {
  private collectionIds: Map<string, string> | undefined;

  constructor(
    readonly db: SqlDatabase,
    readonly dim: number,
  ) {}

  /** Creates the extension, tables and collections when missing; checks the vector dimension. */
  async ensureSchema(): Promise<void> {
    await this.ensureExtension();
    await this.db.execScript(`
      CREATE TABLE IF NOT EXISTS ${COLLECTION_TABLE} (
        uuid uuid PRIMARY KEY,
        name varchar NOT NULL UNIQUE,
        cmetadata json
      );
      CREATE TABLE IF NOT EXISTS ${EMBEDDING_TABLE} (
        id varchar PRIMARY KEY,
        collection_id uuid REFERENCES ${COLLECTION_TABLE} (uuid) ON DELETE CASCADE,
        embedding vector(${Math.floor(this.dim)}),
        document varchar,
        cmetadata jsonb
      );
      CREATE INDEX IF NOT EXISTS ix_cmetadata_gin ON ${EMBEDDING_TABLE} USING gin (cmetadata jsonb_path_ops);
    `);
    const [column] = await this.db.query<{ type: string }>(
      `SELECT format_type(a.atttypid, a.atttypmod) AS type FROM pg_attribute a
       WHERE a.attrelid = $1::regclass AND a.attname = 'embedding'`,
      [EMBEDDING_TABLE],
    );
    const existing = /vector\((\d+)\)/.exec(column?.type ?? '');
    if (existing && Number(existing[1]) !== this.dim) {
      throw new VectorStoreError(
        `${EMBEDDING_TABLE}.embedding holds ${existing[1]}-dimensional vectors but EMBEDDING_DIM is ${this.dim}; ` +
          `set EMBEDDING_DIM=${existing[1]} or use another store`,
      );
    }
    for (const name of COLLECTIONS) {
      await this.db.query(`INSERT INTO ${COLLECTION_TABLE} (uuid, name, cmetadata) VALUES ($1::uuid, $2, $3::json) ON CONFLICT (name) DO NOTHING`, [
        contentUuid(`collection:${name}`),
        name,
        JSON.stringify({}),
      ]);
    }
    const rows = await this.db.query<{ uuid: string; name: string }>(`SELECT uuid::text AS uuid, name FROM ${COLLECTION_TABLE}`);
    this.collectionIds = new Map(rows.map((r) => [r.name, r.uuid]));
  }

  private async ensureExtension(): Promise<void> {
    const installed = await this.db.query(`SELECT 1 FROM pg_extension WHERE extname = 'vector'`);
    if (installed.length > 0) return;
    const available = await this.db.query(`SELECT 1 FROM pg_available_extensions WHERE name = 'vector'`);
    if (available.length === 0) {
      throw new VectorStoreError(
        'the pgvector extension is not available on this PostgreSQL server: install pgvector there ' +
          '(https://github.com/pgvector/pgvector), or use the embedded store (leave --vector-db and DP_STORE_URL unset)',
      );
    }
    try {
      await this.db.query('CREATE EXTENSION IF NOT EXISTS vector');
    } catch (error) {
      throw new VectorStoreError(
        `cannot create the pgvector extension (${errorMessage(error)}); ask a superuser to run CREATE EXTENSION vector in this database`,
      );
    }
  }

  private collectionId(name: string): string {
    const id = this.collectionIds?.get(name);
    if (!id) throw new VectorStoreError(`collection ${name} is missing; call ensureSchema() first`);
    return id;
  }

  /**
   * Inserts or updates documents with their embeddings in one transaction; returns the number of
   * rows written. Every vector is checked first: one unusable vector and nothing is written.
   */
  async upsert(documents: readonly VectorDocument[], embeddings: readonly number[][]): Promise<number> {
    const problem = unusableVectors(documents, embeddings, this.dim);
    if (problem) throw new VectorStoreError(`nothing was written: ${problem}`);
    if (documents.length === 0) return 0;
    const collectionIds = documents.map((d) => this.collectionId(d.collection));
    return this.db.transaction(async (tx) => {
      let written = 0;
      for (let start = 0; start < documents.length; start += UPSERT_BATCH) {
        const batch = documents.slice(start, start + UPSERT_BATCH);
        const ids = batch.map((d) => documentId(d.collection, d.document));
        await tx.query(
          `INSERT INTO ${EMBEDDING_TABLE} (id, collection_id, embedding, document, cmetadata)
           SELECT t.id, t.collection_id::uuid, t.embedding::vector, t.document, t.cmetadata::jsonb
           FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[]) AS t(id, collection_id, embedding, document, cmetadata)
           ON CONFLICT (id) DO UPDATE SET collection_id = EXCLUDED.collection_id, embedding = EXCLUDED.embedding,
             document = EXCLUDED.document, cmetadata = EXCLUDED.cmetadata`,
          [
            ids,
            collectionIds.slice(start, start + UPSERT_BATCH),
            batch.map((_, i) => `[${(embeddings[start + i] as number[]).join(',')}]`),
            batch.map((d) => d.document),
            batch.map((d, i) => JSON.stringify({ id: ids[i], ...d.metadata })),
          ],
        );
        written += batch.length;
      }
      return written;
    });
  }

  async counts(): Promise<StoredCounts> {
    const rows = await this.db.query<{ name: string; n: number }>(
      `SELECT c.name, count(e.id)::int AS n FROM ${COLLECTION_TABLE} c
       LEFT JOIN ${EMBEDDING_TABLE} e ON e.collection_id = c.uuid GROUP BY c.name`,
    );
    const byCollection = Object.fromEntries(rows.map((r) => [r.name, r.n]));
    return { total: rows.reduce((sum, r) => sum + r.n, 0), byCollection };
  }

  /** Empties the embeddings table (collections stay), as the truncate option has always done. */
  async truncateEmbeddings(): Promise<number> {
    const [row] = await this.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${EMBEDDING_TABLE}`);
    await this.db.query(`TRUNCATE ${EMBEDDING_TABLE}`);
    return row?.n ?? 0;
  }
}
