/**
 * The training data as the vector store holds it: what is loaded (per collection with its
 * embedder, per database, kind and task), and what an assistant would retrieve for a question.
 */
import { createEmbedder } from '../embedding/create-embedder.js';
import { type EmbedderIdentity, sameEmbedder } from '../embedding/embedder.js';
import { AppError } from '../errors.js';
import { COLLECTIONS, VectorStore, type CollectionName, type VectorHit, type VectorStats } from '../vector/vector-store.js';
import type { ServiceContext } from './context.js';
import { ensureVectorSchema } from './vector-backups.js';

export type { VectorHit, VectorStats };
export const TRAINING_KINDS = ['ddl', 'documentation', 'sql'] as const satisfies readonly CollectionName[];

async function openStore(ctx: ServiceContext): Promise<VectorStore> {
  await ensureVectorSchema(ctx, ctx.storeDb, false);
  const store = new VectorStore(ctx.storeDb, ctx.settings.embedding.dim);
  await store.ensureSchema();
  return store;
}

export async function trainingDataStats(ctx: ServiceContext): Promise<VectorStats> {
  return (await openStore(ctx)).stats();
}

export interface SearchInput {
  question: string;
  k?: number;
  kind?: (typeof TRAINING_KINDS)[number];
  /** A database's key (`host:port/database`, as the stats list them). */
  db?: string;
}

/** The rows nearest to the question, embedded with the configured embedder (which must be the one that made them). */
export async function searchTrainingData(ctx: ServiceContext, input: SearchInput): Promise<{ embedder: EmbedderIdentity; results: VectorHit[] }> {
  const store = await openStore(ctx);
  const embedder = await createEmbedder(ctx.settings.embedding);
  const recorded = await store.collectionEmbedders();
  const searched = input.kind ? [input.kind] : COLLECTIONS;
  for (const collection of searched) {
    const made = recorded.get(collection);
    if (made && !sameEmbedder(made, embedder.identity)) {
      throw new AppError(
        'EMBEDDER_MISMATCH',
        `the ${collection} collection holds vectors of ${made.provider} ${made.model} (${made.dimension}), but this server embeds with ${embedder.identity.provider} ${embedder.identity.model} (${embedder.identity.dimension}): their similarities mean nothing; configure the same embedder, or reload with --reembed`,
      );
    }
  }
  if (input.db !== undefined) {
    // A database the store has no row of is a mistake to name, not an empty answer.
    const known = (await store.stats()).databases.map((d) => d.db_key);
    if (!known.includes(input.db)) {
      throw AppError.invalid(
        'body.db',
        `no rows of database "${input.db}" are in the store`,
        `a database key as GET /vector/stats lists them: ${known.join(', ') || 'none yet'}`,
      );
    }
  }
  const [vector] = await embedder.embed([input.question]);
  // A text with nothing to embed (no words: "???") has no direction, so no similarity to rank by.
  if (!vector?.some((x) => x !== 0)) {
    throw AppError.invalid('body.question', 'has nothing to search for (no words)', 'a question with words, e.g. "How many orders were placed last month?"');
  }
  const results = await store.search(vector, { k: input.k ?? 5, collection: input.kind, dbKey: input.db });
  return { embedder: embedder.identity, results };
}
