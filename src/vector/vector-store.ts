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

import type { EmbedderIdentity } from '../embedding/embedder.js';

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

/**
 * A row's id: from the database it describes (its identity key) and its content, so loading the
 * same file again finds the same row, and the same text of two databases is two rows. Without a
 * key: the id of rows loaded before rows said which database they describe.
 */
export function documentId(collection: CollectionName, document: string, dbKey?: string): string {
  const scoped = dbKey === undefined ? `${collection}\n${document}` : `${dbKey}\n${collection}\n${document}`;
  return `${contentUuid(scoped)}${ID_SUFFIX[collection]}`;
}

export interface VectorDocument {
  collection: CollectionName;
  document: string;
  metadata: Record<string, unknown>;
}

export interface VectorDatabaseStats {
  db_key: string;
  source_db: Record<string, unknown>;
  rows: number;
  by_kind: Record<string, number>;
  /** Rows per task holding them (a row two tasks hold counts for both). */
  tasks: Record<string, number>;
}

export interface VectorStats {
  collections: { name: CollectionName; embedder: EmbedderIdentity | null; rows: number }[];
  databases: VectorDatabaseStats[];
  total_rows: number;
  /** Rows loaded before rows recorded their database. */
  rows_without_database: number;
}

export interface VectorHit {
  id: string;
  collection: CollectionName;
  document: string;
  metadata: Record<string, unknown>;
  similarity: number;
}

/** A stored row with its vector and the tables it describes or reads. */
export interface StoredVectorRow {
  id: string;
  collection: CollectionName;
  document: string;
  tables: string[];
  vector: number[];
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
  /** The dimension of the stored vectors when it differs from `dim` (allowed only when about to re-embed). */
  storedDim: number | undefined;

  constructor(
    readonly db: SqlDatabase,
    readonly dim: number,
  ) {}

  /**
   * Creates the extension, tables and collections when missing; checks the vector dimension (a
   * different one is refused unless `reembedding`: then `storedDim` says it, and `reembed` changes it).
   */
  async ensureSchema(options: { reembedding?: boolean } = {}): Promise<void> {
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
    this.storedDim = undefined;
    if (existing && Number(existing[1]) !== this.dim) {
      if (!options.reembedding) {
        throw new VectorStoreError(
          `${EMBEDDING_TABLE}.embedding holds ${existing[1]}-dimensional vectors but EMBEDDING_DIM is ${this.dim}; ` +
            `set EMBEDDING_DIM=${existing[1]}, or re-embed every row with this embedder (--reembed, "reembed": true), or use another store`,
        );
      }
      this.storedDim = Number(existing[1]);
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

  /** The embedder each collection's vectors were made with (none recorded: undefined). */
  async collectionEmbedders(): Promise<Map<CollectionName, EmbedderIdentity | undefined>> {
    const rows = await this.db.query<{ name: CollectionName; embedder: EmbedderIdentity | null }>(
      `SELECT name, (cmetadata::jsonb) -> 'embedder' AS embedder FROM ${COLLECTION_TABLE}`,
    );
    return new Map(rows.map((r) => [r.name, r.embedder ?? undefined]));
  }

  /** The rows of a training set: those of `dbKey` that task `taskId` loaded (id, item key). */
  async trainingSetRows(dbKey: string, taskId: string): Promise<{ id: string; item_key: string | null }[]> {
    return this.db.query(
      `SELECT id, cmetadata ->> 'item_key' AS item_key FROM ${EMBEDDING_TABLE}
       WHERE cmetadata ->> 'db_key' = $1 AND (cmetadata -> 'task_ids') ? $2`,
      [dbKey, taskId],
    );
  }

  /**
   * The rows of one database in the given collections, with their vectors (for measuring retrieval
   * in memory): all of them, or those a task holds when `taskId` is given.
   */
  async rowsWithVectors(filter: { dbKey: string; collections: readonly CollectionName[]; taskId?: string }): Promise<StoredVectorRow[]> {
    const rows = await this.db.query<{ id: string; collection: CollectionName; document: string; tables: unknown; embedding: string }>(
      `SELECT e.id, c.name AS collection, e.document, e.cmetadata -> 'tables' AS tables, e.embedding::text AS embedding
       FROM ${EMBEDDING_TABLE} e JOIN ${COLLECTION_TABLE} c ON c.uuid = e.collection_id
       WHERE c.name = ANY($1::text[]) AND e.cmetadata ->> 'db_key' = $2 AND ($3::text IS NULL OR (e.cmetadata -> 'task_ids') ? $3)
       ORDER BY e.id`,
      [[...filter.collections], filter.dbKey, filter.taskId ?? null],
    );
    return rows.map((r) => ({
      id: r.id,
      collection: r.collection,
      document: r.document,
      tables: Array.isArray(r.tables) ? r.tables.filter((t): t is string => typeof t === 'string') : [],
      // pgvector's text form is a JSON array of numbers.
      vector: JSON.parse(r.embedding) as number[],
    }));
  }

  /** Which of `ids` are stored (by any task). */
  async storedIds(ids: readonly string[]): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const rows = await this.db.query<{ id: string }>(`SELECT id FROM ${EMBEDDING_TABLE} WHERE id = ANY($1::text[])`, [[...ids]]);
    return new Set(rows.map((r) => r.id));
  }

  /**
   * Makes the store hold exactly a task's training set for one database, in one transaction:
   * `insert` (new rows, with their vectors), `keep` (rows already stored: the task is added to their
   * owners), `release` (rows of the task's earlier load no longer in it: the task leaves their owners,
   * and a row no task owns any more is deleted). Rows loaded before rows said which database they
   * describe, holding the same text as a row of this set, are replaced by it.
   */
  async applyTrainingSet(change: {
    dbKey: string;
    taskId: string;
    loadedAt: string;
    insert: { id: string; document: VectorDocument; vector: readonly number[] }[];
    keep: string[];
    release: string[];
    embedder: EmbedderIdentity;
    collections: readonly CollectionName[];
  }): Promise<{ deletedRows: number; legacyReplaced: number }> {
    const problem = unusableVectors(
      change.insert.map((r) => r.document),
      change.insert.map((r) => r.vector),
      this.dim,
    );
    if (problem) throw new VectorStoreError(`nothing was written: ${problem}`);
    return this.db.transaction(async (tx) => {
      for (let start = 0; start < change.insert.length; start += UPSERT_BATCH) {
        const batch = change.insert.slice(start, start + UPSERT_BATCH);
        await tx.query(
          `INSERT INTO ${EMBEDDING_TABLE} (id, collection_id, embedding, document, cmetadata)
           SELECT t.id, t.collection_id::uuid, t.embedding::vector, t.document, t.cmetadata::jsonb
           FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[]) AS t(id, collection_id, embedding, document, cmetadata)
           ON CONFLICT (id) DO UPDATE SET embedding = EXCLUDED.embedding, document = EXCLUDED.document, cmetadata = EXCLUDED.cmetadata`,
          [
            batch.map((r) => r.id),
            batch.map((r) => this.collectionId(r.document.collection)),
            batch.map((r) => `[${r.vector.join(',')}]`),
            batch.map((r) => r.document.document),
            batch.map((r) =>
              JSON.stringify({ id: r.id, ...r.document.metadata, task_id: change.taskId, task_ids: [change.taskId], loaded_at: change.loadedAt }),
            ),
          ],
        );
      }
      // Rows this task keeps: it is one of their owners (another task of the same database may be too).
      await tx.query(
        `UPDATE ${EMBEDDING_TABLE} SET cmetadata = jsonb_set(cmetadata, '{task_ids}', coalesce(cmetadata -> 'task_ids', '[]'::jsonb) || to_jsonb($2::text))
         WHERE id = ANY($1::text[]) AND NOT (coalesce(cmetadata -> 'task_ids', '[]'::jsonb) ? $2)`,
        [change.keep, change.taskId],
      );
      // Rows it no longer has: it stops owning them; rows nobody owns go.
      await tx.query(
        `UPDATE ${EMBEDDING_TABLE} SET cmetadata = jsonb_set(cmetadata, '{task_ids}', (cmetadata -> 'task_ids') - $2::text)
         WHERE id = ANY($1::text[])`,
        [change.release, change.taskId],
      );
      const deleted = await tx.query<{ id: string }>(
        `DELETE FROM ${EMBEDDING_TABLE} WHERE id = ANY($1::text[]) AND jsonb_array_length(coalesce(cmetadata -> 'task_ids', '[]'::jsonb)) = 0 RETURNING id`,
        [change.release],
      );
      // Rows of earlier versions (no database recorded) holding the same text as a row of this set.
      const legacy = await tx.query<{ id: string }>(
        `DELETE FROM ${EMBEDDING_TABLE} e USING unnest($1::text[], $2::text[]) AS t(collection_id, document)
         WHERE e.collection_id = t.collection_id::uuid AND e.document = t.document AND NOT (e.cmetadata ? 'db_key') RETURNING e.id`,
        [change.insert.map((r) => this.collectionId(r.document.collection)), change.insert.map((r) => r.document.document)],
      );
      for (const name of change.collections) {
        await tx.query(
          `UPDATE ${COLLECTION_TABLE} SET cmetadata = (coalesce(cmetadata::jsonb, '{}'::jsonb) || jsonb_build_object('embedder', $2::jsonb))::json WHERE name = $1`,
          [name, JSON.stringify(change.embedder)],
        );
      }
      return { deletedRows: deleted.length, legacyReplaced: legacy.length };
    });
  }

  /**
   * Embeds every row of `collections` again from its stored text with `embed` (another embedder
   * than the one that made them), checked, written in one transaction with the collections' record
   * of their embedder. Returns the rows re-embedded.
   */
  async reembed(collections: readonly CollectionName[], embed: (texts: string[]) => Promise<number[][]>, embedder: EmbedderIdentity): Promise<number> {
    // Another dimension is a change of the column, shared by every collection: all rows are re-embedded.
    const changingDim = this.storedDim !== undefined;
    if (changingDim) {
      const all = await this.db.query<{ name: CollectionName }>(`SELECT name FROM ${COLLECTION_TABLE}`);
      collections = all.map((c) => c.name);
    }
    const rows = await this.db.query<{ id: string; document: string; collection: CollectionName }>(
      `SELECT e.id, e.document, c.name AS collection FROM ${EMBEDDING_TABLE} e JOIN ${COLLECTION_TABLE} c ON c.uuid = e.collection_id WHERE c.name = ANY($1::text[])`,
      [[...collections]],
    );
    const vectors: number[][] = [];
    for (let start = 0; start < rows.length; start += UPSERT_BATCH)
      vectors.push(...(await embed(rows.slice(start, start + UPSERT_BATCH).map((r) => r.document))));
    const problem = unusableVectors(
      rows.map((r) => ({ collection: r.collection, document: r.document, metadata: { source_file: r.id } })),
      vectors,
      this.dim,
    );
    if (problem) throw new VectorStoreError(`nothing was re-embedded: ${problem}`);
    await this.db.transaction(async (tx) => {
      if (changingDim) {
        // Rows of no collection (none are written so) would keep no vector; every other row is set below.
        await tx.query(`ALTER TABLE ${EMBEDDING_TABLE} ALTER COLUMN embedding TYPE vector(${Math.floor(this.dim)}) USING NULL`);
      }
      for (let start = 0; start < rows.length; start += UPSERT_BATCH) {
        await tx.query(
          `UPDATE ${EMBEDDING_TABLE} e SET embedding = t.embedding::vector, cmetadata = e.cmetadata || jsonb_build_object('embedder', $3::jsonb)
           FROM unnest($1::text[], $2::text[]) AS t(id, embedding) WHERE e.id = t.id`,
          [
            rows.slice(start, start + UPSERT_BATCH).map((r) => r.id),
            vectors.slice(start, start + UPSERT_BATCH).map((v) => `[${v.join(',')}]`),
            JSON.stringify(embedder),
          ],
        );
      }
      for (const name of collections) {
        await tx.query(
          `UPDATE ${COLLECTION_TABLE} SET cmetadata = (coalesce(cmetadata::jsonb, '{}'::jsonb) || jsonb_build_object('embedder', $2::jsonb))::json WHERE name = $1`,
          [name, JSON.stringify(embedder)],
        );
      }
    });
    this.storedDim = undefined;
    return rows.length;
  }

  /** What the store holds: rows per collection (with its embedder) and per database, kind and task. */
  async stats(): Promise<VectorStats> {
    const collections = await this.db.query<{ name: CollectionName; embedder: EmbedderIdentity | null; rows: number }>(
      `SELECT c.name, (c.cmetadata::jsonb) -> 'embedder' AS embedder, count(e.id)::int AS rows
       FROM ${COLLECTION_TABLE} c LEFT JOIN ${EMBEDDING_TABLE} e ON e.collection_id = c.uuid GROUP BY c.name, c.cmetadata::jsonb ORDER BY c.name`,
    );
    const groups = await this.db.query<{
      db_key: string | null;
      source_db: Record<string, unknown> | null;
      kind: string;
      task_id: string | null;
      rows: number;
    }>(
      `SELECT e.cmetadata ->> 'db_key' AS db_key, min(e.cmetadata ->> 'source_db')::jsonb AS source_db, c.name AS kind, t.task_id, count(*)::int AS rows
       FROM ${EMBEDDING_TABLE} e JOIN ${COLLECTION_TABLE} c ON c.uuid = e.collection_id
       LEFT JOIN LATERAL jsonb_array_elements_text(coalesce(e.cmetadata -> 'task_ids', '[]'::jsonb)) AS t(task_id) ON true
       GROUP BY 1, 3, 4 ORDER BY 1, 3, 4`,
    );
    const databases = new Map<string, VectorDatabaseStats>();
    let legacyRows = 0;
    for (const g of groups) {
      if (g.db_key === null) {
        legacyRows += g.rows;
        continue;
      }
      const entry = databases.get(g.db_key) ?? { db_key: g.db_key, source_db: g.source_db ?? {}, rows: 0, by_kind: {}, tasks: {} };
      if (g.task_id !== null) entry.tasks[g.task_id] = (entry.tasks[g.task_id] ?? 0) + g.rows;
      databases.set(g.db_key, entry);
    }
    // Rows per database and kind, each counted once (a row two tasks hold is one row).
    const kinds = await this.db.query<{ db_key: string; kind: string; rows: number }>(
      `SELECT e.cmetadata ->> 'db_key' AS db_key, c.name AS kind, count(*)::int AS rows
       FROM ${EMBEDDING_TABLE} e JOIN ${COLLECTION_TABLE} c ON c.uuid = e.collection_id WHERE e.cmetadata ? 'db_key' GROUP BY 1, 2`,
    );
    for (const k of kinds) {
      const entry = databases.get(k.db_key);
      if (!entry) continue;
      entry.by_kind[k.kind] = k.rows;
      entry.rows += k.rows;
    }
    return {
      collections: collections.map((c) => ({ name: c.name, embedder: c.embedder ?? null, rows: c.rows })),
      databases: [...databases.values()],
      total_rows: collections.reduce((n, c) => n + c.rows, 0),
      rows_without_database: legacyRows,
    };
  }

  /** The `k` rows nearest to `vector` (cosine similarity), of one collection and one database when given. */
  async search(vector: readonly number[], options: { k: number; collection?: CollectionName; dbKey?: string }): Promise<VectorHit[]> {
    return this.db.query<VectorHit & Record<string, unknown>>(
      `SELECT e.id, c.name AS collection, e.document, e.cmetadata AS metadata, 1 - (e.embedding <=> $1::vector) AS similarity
       FROM ${EMBEDDING_TABLE} e JOIN ${COLLECTION_TABLE} c ON c.uuid = e.collection_id
       WHERE ($2::text IS NULL OR c.name = $2) AND ($3::text IS NULL OR e.cmetadata ->> 'db_key' = $3)
       ORDER BY e.embedding <=> $1::vector LIMIT $4`,
      [`[${vector.join(',')}]`, options.collection ?? null, options.dbKey ?? null, options.k],
    );
  }

  /** Empties the embeddings table (collections stay), as the truncate option has always done. */
  async truncateEmbeddings(): Promise<number> {
    const [row] = await this.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${EMBEDDING_TABLE}`);
    await this.db.query(`TRUNCATE ${EMBEDDING_TABLE}`);
    return row?.n ?? 0;
  }
}
