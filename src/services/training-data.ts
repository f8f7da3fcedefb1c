/**
 * The training data as the vector store holds it: what is loaded (per collection with its
 * embedder, per database, kind and task), and what an assistant would retrieve for a question.
 */
import { createEmbedder } from '../embedding/create-embedder.js';
import type { EmbedderIdentity } from '../embedding/embedder.js';
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

const same = (a: EmbedderIdentity, b: EmbedderIdentity) => a.provider === b.provider && a.model === b.model && a.dimension === b.dimension;

/** The rows nearest to the question, embedded with the configured embedder (which must be the one that made them). */
export async function searchTrainingData(ctx: ServiceContext, input: SearchInput): Promise<{ embedder: EmbedderIdentity; results: VectorHit[] }> {
  const store = await openStore(ctx);
  const embedder = await createEmbedder(ctx.settings.embedding);
  const recorded = await store.collectionEmbedders();
  const searched = input.kind ? [input.kind] : COLLECTIONS;
  for (const collection of searched) {
    const made = recorded.get(collection);
    if (made && !same(made, embedder.identity)) {
      throw new AppError(
        'EMBEDDER_MISMATCH',
        `the ${collection} collection holds vectors of ${made.provider} ${made.model} (${made.dimension}), but this server embeds with ${embedder.identity.provider} ${embedder.identity.model} (${embedder.identity.dimension}): their similarities mean nothing; configure the same embedder, or reload with --reembed`,
      );
    }
  }
  const [vector] = await embedder.embed([input.question]);
  const results = await store.search(vector as number[], { k: input.k ?? 5, collection: input.kind, dbKey: input.db });
  return { embedder: embedder.identity, results };
}
