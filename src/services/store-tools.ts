/**
 * The embedded store made reachable by the consumers of the training data: served over the
 * PostgreSQL wire protocol (psql, Vanna's PG_VectorStore, LangChain connect with a URL), pushed
 * into a pgvector server, and the pairs exported for fine-tuning. Used by `data-pipeline store`.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Settings } from '../config/settings.js';
import { openStoreDatabase } from '../db/embedded-store.js';
import { PgliteDatabase, pgliteBaseOptions } from '../db/pglite-database.js';
import { PostgresDatabase } from '../db/postgres-database.js';
import type { SqlDatabase } from '../db/sql-database.js';
import { type EmbedderIdentity, sameEmbedder } from '../embedding/embedder.js';
import { AppError } from '../errors.js';
import { writeFileAtomic } from '../util/atomic-file.js';
import { redactUrl } from '../util/redact.js';
import { COLLECTION_TABLE, EMBEDDING_TABLE, VectorStore, VectorStoreError, type CollectionName } from '../vector/vector-store.js';

interface StoreRow {
  id: string;
  collection: CollectionName;
  embedding: string;
  document: string;
  cmetadata: string;
  db_key: string | null;
}

async function readRows(db: SqlDatabase): Promise<StoreRow[]> {
  return db.query<StoreRow & Record<string, unknown>>(
    `SELECT e.id, c.name AS collection, e.embedding::text AS embedding, e.document, e.cmetadata::text AS cmetadata, e.cmetadata ->> 'db_key' AS db_key
     FROM ${EMBEDDING_TABLE} e JOIN ${COLLECTION_TABLE} c ON c.uuid = e.collection_id ORDER BY e.id`,
  );
}

export interface ServedStore {
  /** The URL clients connect with (no password: the copy holds nothing secret). */
  url: string;
  /** Rows in the served copy. */
  rows: number;
  stop(): Promise<void>;
}

/** The training data of the store: its rows, each collection's embedder, and the vectors' dimension. */
interface StoreSnapshot {
  rows: StoreRow[];
  embedders: Map<CollectionName, EmbedderIdentity | undefined>;
  dim: number;
}

async function readSnapshot(settings: Settings): Promise<StoreSnapshot> {
  const source = await openStoreDatabase(settings.storeUrl, settings.embeddedStoreDir);
  try {
    const store = new VectorStore(source, settings.embedding.dim);
    // The rows are copied as they are, whatever dimension they have.
    await store.ensureSchema({ reembedding: true });
    return { rows: await readRows(source), embedders: await store.collectionEmbedders(), dim: store.storedDim ?? settings.embedding.dim };
  } finally {
    await source.close();
  }
}

/**
 * Writes the snapshot's rows into a vector store's tables, in one transaction: rows there of the
 * snapshot's databases that it does not hold are deleted, the others upserted (vectors copied, not
 * recomputed), and each collection records the embedder. Returns the databases and rows deleted.
 */
async function copyRows(db: SqlDatabase, snapshot: StoreSnapshot): Promise<{ databases: string[]; deleted: number }> {
  const collections = await db.query<{ uuid: string; name: CollectionName }>(`SELECT uuid::text AS uuid, name FROM ${COLLECTION_TABLE}`);
  const collectionId = new Map(collections.map((c) => [c.name, c.uuid]));
  const { rows } = snapshot;
  const databases = [...new Set(rows.flatMap((r) => (r.db_key ? [r.db_key] : [])))];
  return db.transaction(async (tx) => {
    const deleted = await tx.query<{ id: string }>(
      `DELETE FROM ${EMBEDDING_TABLE} WHERE cmetadata ->> 'db_key' = ANY($1::text[]) AND NOT (id = ANY($2::text[])) RETURNING id`,
      [databases, rows.map((r) => r.id)],
    );
    for (let start = 0; start < rows.length; start += 200) {
      const batch = rows.slice(start, start + 200);
      await tx.query(
        `INSERT INTO ${EMBEDDING_TABLE} (id, collection_id, embedding, document, cmetadata)
         SELECT t.id, t.collection_id::uuid, t.embedding::vector, t.document, t.cmetadata::jsonb
         FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[]) AS t(id, collection_id, embedding, document, cmetadata)
         ON CONFLICT (id) DO UPDATE SET collection_id = EXCLUDED.collection_id, embedding = EXCLUDED.embedding, document = EXCLUDED.document, cmetadata = EXCLUDED.cmetadata`,
        [
          batch.map((r) => r.id),
          batch.map((r) => collectionId.get(r.collection)),
          batch.map((r) => r.embedding),
          batch.map((r) => r.document),
          batch.map((r) => r.cmetadata),
        ],
      );
    }
    for (const [collection, made] of snapshot.embedders) {
      if (!made) continue;
      await tx.query(
        `UPDATE ${COLLECTION_TABLE} SET cmetadata = (coalesce(cmetadata::jsonb, '{}'::jsonb) || jsonb_build_object('embedder', $2::jsonb))::json WHERE name = $1`,
        [collection, JSON.stringify(made)],
      );
    }
    return { databases, deleted: deleted.length };
  });
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|localhost)$/i;

/**
 * Serves a copy of the training data (the two vector tables, nothing else of the store: its task
 * records hold source connections) on host:port until stopped. The copy is taken at start, in
 * memory; the store itself is read once and released, so tasks can run on it meanwhile. Clients
 * may write to the copy (LangChain creates what it expects), but nothing they write is kept.
 */
export async function serveEmbeddedStore(
  settings: Settings,
  listen: { host: string; port: number; maxConnections: number },
  warn: (message: string) => void = () => undefined,
): Promise<ServedStore> {
  if (settings.storeUrl) {
    throw new AppError('BAD_REQUEST', `the store is a PostgreSQL server already (DP_STORE_URL ${redactUrl(settings.storeUrl)}): connect to it directly`);
  }
  const snapshot = await readSnapshot(settings);
  const [{ PGlite }, { vector }, { PGLiteSocketServer }] = await Promise.all([
    import('@electric-sql/pglite'),
    import('@electric-sql/pglite-pgvector'),
    import('@electric-sql/pglite-socket'),
  ]);
  const pglite = await PGlite.create({ extensions: { vector }, ...pgliteBaseOptions() });
  try {
    const copy = new PgliteDatabase(pglite);
    await new VectorStore(copy, snapshot.dim).ensureSchema();
    await copyRows(copy, snapshot);
    const server = new PGLiteSocketServer({ db: pglite, host: listen.host, port: listen.port, maxConnections: listen.maxConnections });
    await server.start();
    if (!LOOPBACK.test(listen.host)) {
      warn(`serving on ${listen.host} with no password: anyone who can reach this port can read the training data`);
    }
    const port = Number(server.getServerConn().split(':').pop());
    return {
      url: `postgresql://postgres@${listen.host.includes(':') ? `[${listen.host}]` : listen.host}:${port}/postgres`,
      rows: snapshot.rows.length,
      async stop() {
        await server.stop();
        await pglite.close();
      },
    };
  } catch (error) {
    await pglite.close();
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new AppError('BAD_REQUEST', `${listen.host}:${listen.port} is in use by another program: choose another --port (0: any free one)`);
    }
    throw error;
  }
}

export interface PushOutcome {
  databases: string[];
  rows: number;
  inserted_or_updated: number;
  deleted: number;
}

/**
 * Makes a pgvector database hold, for every database the store (embedded or DP_STORE_URL) has rows
 * of, exactly those rows (vectors copied, not recomputed); rows of other databases there are left
 * alone. Refused when a collection there was made by another embedder, or its vectors have another
 * dimension. One transaction.
 */
export async function pushEmbeddedStore(settings: Settings, target: string): Promise<PushOutcome> {
  const snapshot = await readSnapshot(settings);
  const db = await PostgresDatabase.connect(target, { maxConnections: 2 });
  try {
    const store = new VectorStore(db, snapshot.dim);
    try {
      await store.ensureSchema({ reembedding: true });
    } catch (error) {
      if (error instanceof VectorStoreError && /pgvector extension is not available/.test(error.message)) {
        throw new AppError(
          'VECTOR_STORE_UNAVAILABLE',
          `${redactUrl(target)}: the pgvector extension is not available on that server: install pgvector there (https://github.com/pgvector/pgvector), then push again; nothing was pushed`,
        );
      }
      throw error;
    }
    if (store.storedDim !== undefined) {
      throw new AppError(
        'EMBEDDER_MISMATCH',
        `${redactUrl(target)}: its vectors are ${store.storedDim}-dimensional, the store's ${snapshot.dim}-dimensional; push copies vectors and cannot convert them: nothing was pushed (push to another database, or re-embed the store with a ${store.storedDim}-dimensional embedder first: --reembed)`,
      );
    }
    const targetEmbedders = await store.collectionEmbedders();
    for (const [collection, made] of snapshot.embedders) {
      const there = targetEmbedders.get(collection);
      if (made && there && !sameEmbedder(made, there)) {
        throw new AppError(
          'EMBEDDER_MISMATCH',
          `${redactUrl(target)}: its ${collection} collection holds vectors of ${there.provider} ${there.model} (${there.dimension}), the embedded store's of ${made.provider} ${made.model} (${made.dimension}); nothing was pushed`,
        );
      }
    }
    const copied = await copyRows(db, snapshot);
    return { databases: copied.databases, rows: snapshot.rows.length, inserted_or_updated: snapshot.rows.length, deleted: copied.deleted };
  } finally {
    await db.close();
  }
}

export interface ExportScope {
  /** A database key (`host:port/database`), as `GET /vector/stats` lists them. */
  db?: string;
  task?: string;
}

/** One chat example per pair: the DDL of the tables its SQL reads, the question, the SQL. */
export interface ChatExample {
  messages: [{ role: 'system'; content: string }, { role: 'user'; content: string }, { role: 'assistant'; content: string }];
}

/**
 * The pairs of the store (of one database or task when asked) as chat examples for
 * fine-tuning, written as JSON lines to `file` (atomically). Returns how many were written.
 */
export async function exportTrainingPairs(settings: Settings, scope: ExportScope, file: string): Promise<number> {
  const db = await openStoreDatabase(settings.storeUrl, settings.embeddedStoreDir);
  let rows: StoreRow[];
  try {
    await new VectorStore(db, settings.embedding.dim).ensureSchema();
    rows = await readRows(db);
  } finally {
    await db.close();
  }
  const meta = (row: StoreRow) => JSON.parse(row.cmetadata) as { db_key?: string; task_ids?: string[]; tables?: string[] };
  // A scope naming nothing the store holds is a mistake, not an empty export.
  const dbKeys = [...new Set(rows.flatMap((r) => meta(r).db_key ?? []))].sort();
  const taskIds = [...new Set(rows.flatMap((r) => meta(r).task_ids ?? []))].sort();
  if (scope.db && !dbKeys.includes(scope.db)) {
    throw new AppError('NOT_FOUND', `--db ${scope.db}: the store has no rows of that database; it has: ${dbKeys.join(', ') || 'none'} (host:port/database)`);
  }
  if (scope.task && !taskIds.includes(scope.task)) {
    throw new AppError('NOT_FOUND', `--task ${scope.task}: the store has no rows of that task; tasks loaded: ${taskIds.join(', ') || 'none'}`);
  }
  const inScope = rows.filter((r) => {
    const m = meta(r);
    return (!scope.db || m.db_key === scope.db) && (!scope.task || (m.task_ids ?? []).includes(scope.task));
  });
  // The DDL statements of each table, per database.
  const ddl = new Map<string, string[]>();
  for (const row of rows.filter((r) => r.collection === 'ddl')) {
    const m = meta(row);
    for (const table of m.tables ?? []) {
      const key = `${m.db_key ?? ''}\n${table}`;
      ddl.set(key, [...(ddl.get(key) ?? []), row.document]);
    }
  }
  const lines: string[] = [];
  for (const row of inScope.filter((r) => r.collection === 'sql')) {
    let pair: { question?: unknown; sql?: unknown };
    try {
      pair = JSON.parse(row.document) as typeof pair;
    } catch {
      continue;
    }
    if (typeof pair.question !== 'string' || typeof pair.sql !== 'string') continue;
    const m = meta(row);
    const schema = (m.tables ?? []).flatMap((table) => ddl.get(`${m.db_key ?? ''}\n${table}`) ?? []);
    const example: ChatExample = {
      messages: [
        { role: 'system', content: `Write one PostgreSQL query answering the question. The tables:\n\n${schema.join('\n\n')}` },
        { role: 'user', content: pair.question },
        { role: 'assistant', content: pair.sql },
      ],
    };
    lines.push(JSON.stringify(example));
  }
  if (file === '-') process.stdout.write(lines.map((l) => `${l}\n`).join(''));
  else await writeOutput(file, lines.map((l) => `${l}\n`).join(''));
  return lines.length;
}

/**
 * Writes an export where the user asked: a regular file (new or not) atomically, through a link
 * to its target (the link stays); a pipe, a device or `/dev/fd/N` as it is (they cannot be
 * replaced by a rename); a directory is refused.
 */
async function writeOutput(file: string, text: string): Promise<void> {
  const stat = await fs.stat(file).catch(() => undefined);
  if (stat?.isDirectory()) throw new AppError('BAD_REQUEST', `--out ${file}: is a directory; give a file name (or - for standard output)`);
  if (stat && !stat.isFile()) {
    await fs.writeFile(file, text);
    return;
  }
  const target = stat ? await fs.realpath(file) : path.resolve(file);
  await fs.mkdir(path.dirname(target), { recursive: true });
  await writeFileAtomic(target, text);
}
