/**
 * Step 4, `training_load`: the task's training set — the `.ddl` and `_detail.md` of its tables,
 * other Markdown it holds, and the pairs of its newest pair file (rejected ones left out) — synced
 * into the vector store: afterwards the store holds exactly this set for this database, every row
 * saying where it came from. Only rows that are new are embedded; every vector is checked before
 * anything is written, and the writes are one transaction. Optionally backs both vector tables up
 * to `vector_bak/` and empties the embeddings (only when that backup succeeded) first.
 */
import { errorMessage } from '../../errors.js';
import { type StoredPair, withPairIds } from '../../pairs/pair-file.js';
import { addedByPerson, editedPairs, HISTORY_FILE } from '../../pairs/pair-history.js';
import { pairValidation, reportVerdicts } from '../../pairs/pair-validation.js';
import type { SourceConnection } from '../../source/source-database.js';
import { checkSql } from './sql-validation.js';
import { checkReadOnlyQuery } from '../../sql/statement-guard.js';
import { identityKey, sourceIdentity, type SourceIdentity } from '../../source/source-identity.js';
import { ensureSqlParser } from '../../sql/pg-parser.js';
import { METADATA_DETAIL_FILE, newestPairFile, readTableFiles, VECTOR_BACKUP_DIR } from '../../task-directory/task-files.js';
import { compactTimestamp, logTimestamp, seconds } from '../../util/time.js';
import { createEmbedder } from '../../embedding/create-embedder.js';
import { type Embedder, type EmbedderIdentity, sameEmbedder } from '../../embedding/embedder.js';
import { ddlDocuments, markdownDocuments, pairDocuments } from '../../vector/training-documents.js';
import { jsonFilePairs, questionSqlBlocks, trainingFileKind, type QuestionSql } from '../../vector/training-files.js';
import { selfRetrieval, tableQuestion, tableRetrieval, type SelfRetrieval, type TableRetrieval } from '../../vector/retrieval-check.js';
import { parseMarkdown } from '../render/table-files.js';
import { documentId, unusableVectors, type CollectionName, type VectorDocument, type VectorStore } from '../../vector/vector-store.js';
import { StepFailedError, type StepContext, type StepOutcome } from '../step-context.js';

/** The documents of a load, the files they came from, and what was left out. */
export interface CollectedDocuments {
  documents: VectorDocument[];
  files: string[];
  /** Pairs not loaded: rejected in review, found invalid, not one read-only query, or incomplete entries. */
  rejected: number;
  /** Pairs people changed that failed the check made now. */
  failedCheck: number;
  /** Files of a directory load that were not loaded (not training files, or unreadable pair files). */
  skipped: string[];
}

/**
 * The documents of the task's training set: the table files per the mapping (with their table),
 * other Markdown, and the pairs of the newest pair file. Not `metadata_detail.md`: it documents the
 * themes of the generated questions, a table the source database does not have, and a retrieval
 * client would take it for one (it was the top hit for ordinary questions). Pairs marked rejected
 * in review stay in the file but are never loaded.
 */
export async function collectDocuments(ctx: StepContext): Promise<CollectedDocuments> {
  if (ctx.input?.allTrainingFiles) return collectDirectoryDocuments(ctx);
  const { dir } = ctx;
  await ensureSqlParser();
  const mapped = await readTableFiles(dir);
  const tableOf = new Map(mapped.flatMap((f) => [[f.ddl, f.table] as const, [f.md, f.table] as const]));
  const ddlFiles = mapped.length ? mapped.map((f) => f.ddl) : await dir.fileNames((n) => n.endsWith('.ddl'));
  const mdFiles = mapped.length ? mapped.map((f) => f.md) : await dir.fileNames((n) => n.endsWith('_detail.md'));
  // Other Markdown people add (a glossary); a `_detail.md` the mapping does not list documents a
  // table that is no longer in the set (a CLI re-run leaves its file) and is not loaded.
  const otherMd = await dir.fileNames(
    (n) => n.endsWith('.md') && !mdFiles.includes(n) && n !== METADATA_DETAIL_FILE && !(mapped.length && n.endsWith('_detail.md')),
  );
  const documents: VectorDocument[] = [];
  const files: string[] = [];
  const tables = (file: string) => (tableOf.has(file) ? [tableOf.get(file) as string] : []);
  for (const file of ddlFiles) {
    const text = await dir.readTextIfExists(file);
    if (text === undefined) continue;
    documents.push(...(await ddlDocuments(text, file, tables(file))));
    files.push(file);
  }
  for (const file of [...mdFiles, ...otherMd]) {
    const text = await dir.readTextIfExists(file);
    if (text === undefined) continue;
    documents.push(...markdownDocuments(text, file, tables(file)));
    files.push(file);
  }
  let rejected = 0;
  let failedCheck = 0;
  const pairFile = await newestPairFile(dir);
  if (pairFile) {
    let data: unknown;
    try {
      data = JSON.parse(await dir.readText(pairFile));
    } catch (error) {
      throw new StepFailedError(`${pairFile} is not valid JSON: ${errorMessage(error)}`);
    }
    const wellFormed = Array.isArray(data) ? data.filter((p) => typeof p?.question === 'string' && typeof p?.sql === 'string') : [];
    const screened = await screenPairs(ctx, withPairIds(wellFormed));
    rejected = screened.rejected;
    failedCheck = screened.failedCheck;
    documents.push(...pairDocuments(screened.kept, pairFile));
    files.push(pairFile);
  }
  return { documents, files, rejected, failedCheck, skipped: [] };
}

/**
 * Rejected pairs, pairs a check found invalid, and SQL that is not one read-only query (a
 * reviewer's hand-written DELETE) are never training data. A pair people added or edited since
 * the last check is checked now against the source, like sql_validation does; a pair file
 * written by other means is loaded as it is (the existing trainer's way).
 */
async function screenPairs(ctx: StepContext, pairs: readonly StoredPair[]): Promise<{ kept: StoredPair[]; rejected: number; failedCheck: number }> {
  const verdicts = await reportVerdicts(ctx.dir);
  const edited = editedPairs(await ctx.dir.readTextIfExists(HISTORY_FILE));
  const kept: StoredPair[] = [];
  let rejected = 0;
  let failedCheck = 0;
  let source: SourceConnection | Error | undefined;
  for (const pair of pairs) {
    const state = pairValidation(pair, verdicts).status;
    if (pair.review === 'rejected' || state === 'invalid' || !checkReadOnlyQuery(pair.sql).ok) {
      rejected += 1;
      continue;
    }
    if (state === 'unchecked' && (addedByPerson(pair.id) || edited.has(pair.id))) {
      source ??= await ctx.resources.source().catch((error: unknown) => (error instanceof Error ? error : new Error(String(error))));
      const outcome =
        source instanceof Error
          ? { ok: false as const, error: `the source could not be reached to check it: ${source.message}` }
          : await checkSql(source.db, pair.sql, ctx.settings.statementTimeoutMs);
      if (!outcome.ok) {
        failedCheck += 1;
        ctx.log.warn(`pair ${pair.id} not loaded: changed since its last check, and not valid now (${outcome.error}): ${pair.question}`);
        continue;
      }
    }
    kept.push(pair);
  }
  return { kept, rejected, failedCheck };
}

/**
 * Every training file at the top of the directory, as the existing trainer loads its `--data_path`:
 * `.ddl`, `.md`/`.markdown` (not `metadata_detail.md`, see above), every `*_pair(s).json` and
 * `*_pair(s).sql`. Subdirectories are not entered; a `.sql` file without questions and other files
 * are skipped, each named in the log; a pair file that does not parse is skipped with a warning.
 */
async function collectDirectoryDocuments(ctx: StepContext): Promise<CollectedDocuments> {
  const { dir, log } = ctx;
  await ensureSqlParser();
  const mapped = await readTableFiles(dir);
  const tableOf = new Map(mapped.flatMap((f) => [[f.ddl, f.table] as const, [f.md, f.table] as const]));
  const tables = (file: string) => (tableOf.has(file) ? [tableOf.get(file) as string] : []);
  const collected: CollectedDocuments = { documents: [], files: [], rejected: 0, failedCheck: 0, skipped: [] };
  const addPairs = async (file: string, found: { pairs: QuestionSql[]; skipped: number }) => {
    const screened = await screenPairs(ctx, withPairIds(found.pairs));
    collected.rejected += screened.rejected + found.skipped;
    collected.failedCheck += screened.failedCheck;
    collected.documents.push(...pairDocuments(screened.kept, file));
    collected.files.push(file);
  };
  for (const file of (await dir.fileNames()).sort()) {
    const kind = trainingFileKind(file);
    if (kind === 'ddl') {
      collected.documents.push(...(await ddlDocuments(await dir.readText(file), file, tables(file))));
      collected.files.push(file);
    } else if (kind === 'documentation' && file !== METADATA_DETAIL_FILE) {
      collected.documents.push(...markdownDocuments(await dir.readText(file), file, tables(file)));
      collected.files.push(file);
    } else if (kind === 'pairs_json') {
      let data: unknown;
      try {
        data = JSON.parse(await dir.readText(file));
      } catch (error) {
        log.warn(`${file} skipped: not valid JSON (${errorMessage(error)})`);
        collected.skipped.push(file);
        continue;
      }
      if (!Array.isArray(data)) {
        log.warn(`${file} skipped: not a JSON array of {"question", "sql"} objects`);
        collected.skipped.push(file);
        continue;
      }
      await addPairs(file, jsonFilePairs(data));
    } else if (kind === 'pairs_sql') {
      await addPairs(file, questionSqlBlocks(await dir.readText(file)));
    } else {
      const why =
        kind === 'sql_without_questions'
          ? 'SQL without questions (write them as Question:/SQL: blocks in a *_pair.sql file)'
          : file === METADATA_DETAIL_FILE
            ? 'it documents the generated themes, not a table of the database'
            : 'not a training file';
      log.info(`${file} skipped: ${why}`);
      collected.skipped.push(file);
    }
  }
  return collected;
}

const describeEmbedder = (e: EmbedderIdentity) => `${e.provider} ${e.model} (${e.dimension} dimensions)`;

/** A document of this load with the id and provenance of its row. */
interface LoadDocument {
  id: string;
  document: VectorDocument;
}

/** What a load changes: rows to insert (to embed), rows kept, rows released, and the counts. */
interface LoadPlan {
  insert: LoadDocument[];
  keep: string[];
  release: string[];
  counts: { added: number; updated: number; deleted: number; unchanged: number };
}

/** Compares the set with what the store holds for this task and database (nothing after a truncate). */
async function planLoad(store: VectorStore, documents: readonly LoadDocument[], dbKey: string, taskId: string, emptied: boolean): Promise<LoadPlan> {
  const owned = emptied ? [] : await store.trainingSetRows(dbKey, taskId);
  const ownedIds = new Set(owned.map((r) => r.id));
  const current = new Set(documents.map((d) => d.id));
  const elsewhere = emptied ? new Set<string>() : await store.storedIds(documents.filter((d) => !ownedIds.has(d.id)).map((d) => d.id));
  const insert = documents.filter((d) => !ownedIds.has(d.id) && !elsewhere.has(d.id));
  const release = owned.filter((r) => !current.has(r.id));
  // An item (a question, a statement of a file) whose text changed: one row replaced, not one added and one deleted.
  const releasedKeys = new Set(release.map((r) => r.item_key));
  const updated = insert.filter((d) => releasedKeys.has(d.document.metadata.item_key as string)).length;
  return {
    insert,
    keep: documents.filter((d) => elsewhere.has(d.id)).map((d) => d.id),
    release: release.map((r) => r.id),
    counts: {
      added: insert.length + elsewhere.size - updated,
      updated,
      deleted: release.length - updated,
      unchanged: documents.filter((d) => ownedIds.has(d.id)).length,
    },
  };
}

/** Embeds the documents in batches, with progress; every vector checked (a bad one fails the step before anything is written). */
async function embedAll(ctx: StepContext, embedder: Embedder, documents: readonly LoadDocument[], dim: number): Promise<number[][]> {
  const vectors: number[][] = [];
  const batch = ctx.settings.embedding.batchSize;
  ctx.progress(0, documents.length, 'documents');
  for (let start = 0; start < documents.length; start += batch) {
    ctx.signal.throwIfAborted();
    const slice = documents.slice(start, start + batch);
    vectors.push(
      ...(await embedder.embed(
        slice.map((d) => d.document.document),
        ctx.signal,
      )),
    );
    ctx.progress(Math.min(documents.length, start + batch), documents.length, 'documents');
  }
  const problem = unusableVectors(
    documents.map((d) => d.document),
    vectors,
    dim,
  );
  if (problem) throw new StepFailedError(`embedder ${embedder.name} returned unusable vectors; nothing was loaded: ${problem}`);
  return vectors;
}

/**
 * Vectors of another embedder cannot be compared with this one's: a collection holding them is
 * refused, naming both, unless `reembed` asks to re-embed its rows (from their stored text) first.
 */
async function guardEmbedder(ctx: StepContext, store: VectorStore, embedder: Embedder, collections: readonly CollectionName[]): Promise<number> {
  const recorded = await store.collectionEmbedders();
  const other = collections.filter((c) => {
    const made = recorded.get(c);
    return made !== undefined && !sameEmbedder(made, embedder.identity);
  });
  if (store.storedDim !== undefined) {
    // Only with reembed does the store open on another dimension: every row is embedded again.
    const count = await store.reembed(collections, (texts) => embedder.embed(texts, ctx.signal), embedder.identity);
    ctx.log.info(`re-embedded all ${count} stored row(s) with ${describeEmbedder(embedder.identity)}: the vector column is now ${store.dim}-dimensional`);
    return count;
  }
  if (other.length === 0) return 0;
  if (!ctx.options.reembed) {
    const which = other.map((c) => `${c} holds vectors of ${describeEmbedder(recorded.get(c) as EmbedderIdentity)}`).join('; ');
    throw new StepFailedError(
      `the vector store's ${which}, and this load's embedder is ${describeEmbedder(embedder.identity)}: vectors of two embedders cannot be compared, so nothing was loaded; ` +
        'use the same embedder (EMBEDDING_PROVIDER, EMBEDDING_MODEL, EMBEDDING_DIM), or re-embed the collections with this one (reembed / --reembed)',
    );
  }
  const count = await store.reembed(other, (texts) => embedder.embed(texts, ctx.signal), embedder.identity);
  ctx.log.info(`re-embedded ${count} row(s) of ${other.join(', ')} with ${describeEmbedder(embedder.identity)}`);
  return count;
}

/** What the summary says about retrieval after a load: measured, or why not. */
export type RetrievalSummary = { embedder: string; self: SelfRetrieval; tables: TableRetrieval } | { skipped: string };

/**
 * Retrieval measured on what the store now holds for this database: each question of this task
 * against the database's `sql` rows, and a question from each table's comment against its `ddl`
 * rows. Only with the builtin embedder, which costs nothing: a remote one would be asked to embed
 * every question again at each load (`data-pipeline eval` measures with any embedder, on request).
 */
async function measureRetrieval(ctx: StepContext, store: VectorStore, embedder: Embedder, dbKey: string): Promise<RetrievalSummary> {
  if (embedder.identity.provider !== 'builtin') {
    return { skipped: `the embedder (${describeEmbedder(embedder.identity)}) is remote: measuring would embed every question again; use data-pipeline eval` };
  }
  // A fresh builtin embedder, not the run's cached one: computing is cheaper than caching these vectors.
  const local = await createEmbedder(ctx.settings.embedding);
  const embed = (texts: string[]) => local.embed(texts, ctx.signal);
  const batch = ctx.settings.embedding.batchSize;
  const own = await store.rowsWithVectors({ dbKey, collections: ['sql'], taskId: ctx.options.task_id });
  const allPairs = await store.rowsWithVectors({ dbKey, collections: ['sql'] });
  const ddlRows = await store.rowsWithVectors({ dbKey, collections: ['ddl'] });
  const probes: { table: string; question: string }[] = [];
  for (const files of await readTableFiles(ctx.dir)) {
    const md = await ctx.dir.readTextIfExists(files.md);
    if (md === undefined) continue;
    probes.push({ table: files.table, question: tableQuestion(files.table, parseMarkdown(md).tableComment) });
  }
  return {
    embedder: describeEmbedder(embedder.identity),
    self: await selfRetrieval(own, allPairs, embed, batch),
    tables: await tableRetrieval(probes, ddlRows, embed, batch),
  };
}

/** `self-retrieval @1 0.95, @5 1 (60 questions); table retrieval @5 1 (14 tables)`. */
export function describeRetrieval(retrieval: RetrievalSummary): string {
  if ('skipped' in retrieval) return `not measured: ${retrieval.skipped}`;
  const { self, tables } = retrieval;
  const misses = [
    ...(self.misses_at_5.length ? [`questions missed @5: ${self.misses_at_5.map((q) => JSON.stringify(q)).join(', ')}`] : []),
    ...(tables.misses.length ? [`tables missed @5: ${tables.misses.join(', ')}`] : []),
  ];
  return (
    `self-retrieval @1 ${self.hit_at_1 ?? '-'}, @5 ${self.hit_at_5 ?? '-'} (${self.questions} question(s)${self.questions < self.questions_loaded ? ` of ${self.questions_loaded}` : ''}); ` +
    `table retrieval @5 ${tables.hit_at_5 ?? '-'} (${tables.tables} table(s))${misses.length ? `; ${misses.join('; ')}` : ''}`
  );
}

export async function trainingLoad(ctx: StepContext): Promise<StepOutcome> {
  const { options, log, dir } = ctx;
  const started = Date.now();
  const result: Record<string, unknown> = {};
  const wantsBackup = options.backup_vector_tables || options.truncate_vector_tables;
  const collected = options.skip_training ? undefined : await collectDocuments(ctx);
  if (collected && collected.documents.length === 0 && !wantsBackup) {
    throw new StepFailedError(
      ctx.input?.allTrainingFiles
        ? 'nothing to load: no .ddl, .md, *_pair.json or *_pair.sql file in the directory'
        : 'nothing to load: no .ddl, .md or pair file in the task directory',
    );
  }
  const store = await ctx.resources.vectorStore();
  const source: SourceIdentity = sourceIdentity(options.db_connection);
  const dbKey = identityKey(source);
  const embedder = await ctx.resources.embedder();
  const loadedAt = new Date().toISOString();

  // This load's rows: ids from the database and the content (the same text twice is one row).
  const documents = new Map<string, LoadDocument>();
  for (const document of collected?.documents ?? []) {
    const id = documentId(document.collection, document.document, dbKey);
    documents.set(id, { id, document: { ...document, metadata: { ...document.metadata, source_db: source, db_key: dbKey, embedder: embedder.identity } } });
  }
  const loadDocuments = [...documents.values()];
  const collections = [...new Set(loadDocuments.map((d) => d.document.collection))];

  // Everything is planned, embedded and checked before the first write (backup and truncate included).
  let plan: LoadPlan | undefined;
  let vectors: number[][] = [];
  if (collected) {
    // (Before a truncate only a change of dimension needs it: the column itself must change.)
    if (!options.truncate_vector_tables || store.storedDim !== undefined) result.reembedded = await guardEmbedder(ctx, store, embedder, collections);
    plan = await planLoad(store, loadDocuments, dbKey, options.task_id, options.truncate_vector_tables);
    vectors = await embedAll(ctx, embedder, plan.insert, store.dim);
  }

  if (wantsBackup) {
    const backupDir = await dir.ensureSubdir(VECTOR_BACKUP_DIR);
    // The CSV libraries are loaded only when a backup is asked for.
    const { backupVectorTables } = await import('../../vector/csv-backup.js');
    const backup = await backupVectorTables(store.db, backupDir);
    result.vector_backup = { ...backup, backup_directory: VECTOR_BACKUP_DIR };
    if (backup.backup_performed) {
      log.info(`vector tables backed up to ${VECTOR_BACKUP_DIR}/ in ${seconds(backup.duration * 1000)}`);
    } else {
      log.error(`vector table backup failed: ${backup.errors.join('; ')}`);
    }
    if (options.truncate_vector_tables) {
      if (backup.backup_performed) {
        const removed = await store.truncateEmbeddings();
        result.truncated_rows = removed;
        log.info(`truncated langchain_pg_embedding (${removed} row(s))`);
      } else {
        result.truncate_skipped = 'the backup failed';
        log.warn('truncate skipped because the backup failed');
        if (collected) {
          // Planned for an empty store: plan again against what it still holds.
          result.reembedded = await guardEmbedder(ctx, store, embedder, collections);
          plan = await planLoad(store, loadDocuments, dbKey, options.task_id, false);
          vectors = await embedAll(ctx, embedder, plan.insert, store.dim);
        }
      }
    }
  }

  let written = 0;
  if (collected && plan) {
    ctx.signal.throwIfAborted();
    const applied = await store.applyTrainingSet({
      dbKey,
      taskId: options.task_id,
      loadedAt,
      insert: plan.insert.map((d, i) => ({ ...d, vector: vectors[i] as number[] })),
      keep: plan.keep,
      release: plan.release,
      embedder: embedder.identity,
      collections,
    });
    written = plan.insert.length;
    const byCollection: Record<string, number> = {};
    for (const d of loadDocuments) byCollection[d.document.collection] = (byCollection[d.document.collection] ?? 0) + 1;
    result.loaded = byCollection;
    result.files = collected.files;
    result.sync = { ...plan.counts, embedded: written, rows_deleted: applied.deletedRows, earlier_rows_replaced: applied.legacyReplaced };
    result.source_db = dbKey;
    if (collected.rejected) result.rejected_pairs = collected.rejected;
    if (collected.failedCheck) result.pairs_failed_check = collected.failedCheck;
    if (ctx.input?.allTrainingFiles) result.files_skipped = collected.skipped;
    const c = plan.counts;
    log.info(
      `synced the training set of ${dbKey} (task ${options.task_id}): ${c.added} added, ${c.updated} updated, ${c.deleted} deleted, ${c.unchanged} unchanged; ` +
        `${written} embedded${collected.rejected ? `; ${collected.rejected} rejected or invalid pair(s) left out` : ''}` +
        `${collected.failedCheck ? `; ${collected.failedCheck} pair(s) people changed since their last check failed it now and were left out` : ''}`,
    );
    const retrieval = await measureRetrieval(ctx, store, embedder, dbKey);
    result.retrieval = retrieval;
    log.info(`retrieval: ${describeRetrieval(retrieval)}`);
  } else {
    log.info('skip_training: only the vector table operations ran');
  }

  const counts = await store.counts();
  result.store_counts = counts.byCollection;
  result.store_total = counts.total;
  result.embedder = embedder.name;
  const logFile = `training_load_${compactTimestamp(new Date(started))}.log`;
  const sync = result.sync as LoadPlan['counts'] | undefined;
  await dir.writeFile(
    logFile,
    [
      `Training data load ${logTimestamp(new Date(started))}`,
      `Database: ${dbKey}`,
      `Documents in the training set: ${loadDocuments.length} ${JSON.stringify(result.loaded ?? {})}`,
      `Rows added: ${sync?.added ?? 0}, updated: ${sync?.updated ?? 0}, deleted: ${sync?.deleted ?? 0}, unchanged: ${sync?.unchanged ?? 0}`,
      `Documents embedded: ${written}`,
      `Rows in the store now: ${counts.total} ${JSON.stringify(counts.byCollection)}`,
      ...(result.retrieval ? [`Retrieval: ${describeRetrieval(result.retrieval as RetrievalSummary)}`] : []),
      `Duration: ${seconds(Date.now() - started)}`,
      '',
    ].join('\n'),
  );
  result.log_file = logFile;
  return {
    // vectors: the rows that hold this training set now (embedded this time or kept); result.sync says which.
    counters: { documents: loadDocuments.length, vectors: collected ? loadDocuments.length : 0, files_written: 1 },
    result,
  };
}
