/**
 * The external resources of one run, opened on first use and closed once at the end: the source
 * database, the LLM provider, the embedder and the vector store.
 */
import type { Settings } from '../config/settings.js';
import { openStoreDatabase } from '../db/embedded-store.js';
import { PostgresDatabase } from '../db/postgres-database.js';
import type { SqlDatabase } from '../db/sql-database.js';
import { createEmbedder } from '../embedding/create-embedder.js';
import type { Embedder } from '../embedding/embedder.js';
import { createLlmProvider } from '../llm/create-provider.js';
import type { LlmProvider } from '../llm/llm-provider.js';
import { openSource, type SourceConnection } from '../source/source-database.js';
import { VectorStore } from '../vector/vector-store.js';
import type { WorkflowOptions } from './workflow-types.js';

export class WorkflowResources {
  readonly llm: LlmProvider;
  private sourcePromise: Promise<SourceConnection> | undefined;
  private storePromise: Promise<VectorStore> | undefined;
  private embedderInstance: Embedder | undefined;

  constructor(
    private readonly settings: Settings,
    private readonly options: WorkflowOptions,
    /** An already open store database to use for vectors (the server shares its own). */
    private readonly sharedStore?: SqlDatabase,
  ) {
    this.llm = createLlmProvider(settings.llm);
  }

  source(): Promise<SourceConnection> {
    this.sourcePromise ??= openSource(this.options.dbConnection, {
      cacheDir: this.settings.cacheDir,
      statementTimeoutMs: this.settings.statementTimeoutMs,
      maxConnections: Math.min(10, Math.max(this.settings.sqlConcurrency, this.settings.tableConcurrency)),
    });
    return this.sourcePromise;
  }

  embedder(): Embedder {
    this.embedderInstance ??= createEmbedder(this.settings.embedding);
    return this.embedderInstance;
  }

  vectorStore(): Promise<VectorStore> {
    this.storePromise ??= (async () => {
      const db = this.options.vectorDb
        ? await PostgresDatabase.connect(this.options.vectorDb, { maxConnections: 3 })
        : (this.sharedStore ?? (await openStoreDatabase(this.settings.storeUrl, this.settings.embeddedStoreDir)));
      const store = new VectorStore(db, this.settings.embedding.dim);
      try {
        await store.ensureSchema();
      } catch (error) {
        if (db !== this.sharedStore) await db.close();
        throw error;
      }
      return store;
    })();
    return this.storePromise;
  }

  async close(): Promise<void> {
    const closing: Promise<unknown>[] = [];
    if (this.sourcePromise) closing.push(this.sourcePromise.then((s) => s.close()).catch(() => undefined));
    if (this.storePromise) {
      closing.push(
        this.storePromise.then((s) => (s.db === this.sharedStore ? undefined : s.db.close())).catch(() => undefined),
      );
    }
    await Promise.all(closing);
  }
}
