/**
 * The external resources of one run, opened on first use and closed once at the end: the source
 * database, the LLM provider, the embedder and the vector store.
 */
import path from 'node:path';
import { type CacheCounts, ContentCache } from '../cache/content-cache.js';
import type { Settings } from '../config/settings.js';
import { openStoreDatabase } from '../db/embedded-store.js';
import { PostgresDatabase } from '../db/postgres-database.js';
import type { SqlDatabase } from '../db/sql-database.js';
import { CachedEmbedder } from '../embedding/cached-embedder.js';
import { createEmbedder } from '../embedding/create-embedder.js';
import type { Embedder } from '../embedding/embedder.js';
import { CachedLlmProvider } from '../llm/cached-provider.js';
import { createLlmProvider } from '../llm/create-provider.js';
import type { LlmProvider } from '../llm/llm-provider.js';
import type { TableInfo } from '../source/catalog.js';
import type { SampleRow } from '../source/sampling.js';
import { openSource, type SourceConnection } from '../source/source-database.js';
import { VectorStore } from '../vector/vector-store.js';
import type { WorkflowOptions } from './run-options.js';

/** A table as read during this run: live catalog and sample rows. */
export interface TableProfile {
  table: TableInfo;
  samples: SampleRow[];
  /** Values found for code-like columns while sampling (they feed the documented enumerations). */
  enumValues?: Record<string, string[]>;
}

export class WorkflowResources {
  readonly llm: LlmProvider;
  /**
   * Tables profiled earlier in this run (by ddl_generation), keyed `schema.table`, so a complete run
   * does not read the same catalog and samples twice. A step run on its own starts empty.
   */
  readonly profiles = new Map<string, TableProfile>();
  private sourcePromise: Promise<SourceConnection> | undefined;
  private storePromise: Promise<VectorStore> | undefined;
  private embedderPromise: Promise<Embedder> | undefined;

  /** The response caches of this run (LLM answers, embeddings), when caching is on. */
  private readonly caches: { llm: ContentCache; embeddings: ContentCache } | undefined;

  private constructor(
    private readonly settings: Settings,
    private readonly options: WorkflowOptions,
    private readonly shared: { store?: SqlDatabase; source?: SourceConnection },
    llm: LlmProvider,
  ) {
    const { responseCache } = settings;
    this.caches =
      responseCache.enabled && options.use_cache
        ? {
            llm: new ContentCache(path.join(responseCache.dir, 'llm'), responseCache.maxBytes),
            embeddings: new ContentCache(path.join(responseCache.dir, 'embeddings'), responseCache.maxBytes),
          }
        : undefined;
    this.llm = this.caches ? new CachedLlmProvider(llm, this.caches.llm) : llm;
  }

  static async open(settings: Settings, options: WorkflowOptions, shared: { store?: SqlDatabase; source?: SourceConnection } = {}): Promise<WorkflowResources> {
    return new WorkflowResources(settings, options, shared, await createLlmProvider(settings.llm));
  }

  /** Whether this run reuses earlier answers (LLM_CACHE on and the run's use_cache). */
  get reusing(): boolean {
    return this.caches !== undefined;
  }

  /** Why answers of this run could not be stored in the cache, or undefined when all were. */
  cacheWriteProblem(): string | undefined {
    if (!this.caches) return undefined;
    const failed = [this.caches.llm, this.caches.embeddings].filter((c) => c.counts.write_errors > 0);
    if (failed.length === 0) return undefined;
    const count = failed.reduce((n, c) => n + c.counts.write_errors, 0);
    return `${count} answer(s) could not be stored in the response cache at ${this.settings.responseCache.dir} (${failed[0]?.lastWriteError}); later runs will ask again (LLM_CACHE_DIR, LLM_CACHE=off)`;
  }

  /** Cache hits and misses of this run; undefined when the cache was off. */
  cacheCounts(): { llm: CacheCounts; embeddings: CacheCounts } | undefined {
    return this.caches && { llm: { ...this.caches.llm.counts }, embeddings: { ...this.caches.embeddings.counts } };
  }

  source(): Promise<SourceConnection> {
    if (this.shared.source) return Promise.resolve(this.shared.source);
    this.sourcePromise ??= openSource(this.options.db_connection, {
      cacheDir: this.settings.cacheDir,
      statementTimeoutMs: this.settings.statementTimeoutMs,
      maxConnections: Math.min(10, Math.max(this.settings.sqlConcurrency, this.settings.tableConcurrency)),
    });
    return this.sourcePromise;
  }

  embedder(): Promise<Embedder> {
    this.embedderPromise ??= createEmbedder(this.settings.embedding).then((embedder) =>
      this.caches ? new CachedEmbedder(embedder, this.caches.embeddings, this.settings.embedding.baseURL ?? null) : embedder,
    );
    return this.embedderPromise;
  }

  vectorStore(): Promise<VectorStore> {
    this.storePromise ??= (async () => {
      const db = this.options.vector_db
        ? await PostgresDatabase.connect(this.options.vector_db, { maxConnections: 3 })
        : (this.shared.store ?? (await openStoreDatabase(this.settings.storeUrl, this.settings.embeddedStoreDir)));
      const store = new VectorStore(db, this.settings.embedding.dim);
      try {
        // Re-embedding may change the vector dimension; the load does it before writing.
        await store.ensureSchema({ reembedding: this.options.reembed });
      } catch (error) {
        if (db !== this.shared.store) await db.close();
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
      closing.push(this.storePromise.then((s) => (s.db === this.shared.store ? undefined : s.db.close())).catch(() => undefined));
    }
    await Promise.all(closing);
  }
}
