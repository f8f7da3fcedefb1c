/**
 * Step 4, `training_load`: the `.ddl`, `.md` and newest pair file of the directory, embedded in
 * batches, every vector checked, then upserted into the vector store in one transaction. Optionally
 * backs both vector tables up to `vector_bak/` and truncates the embeddings (only when that backup
 * succeeded) — after the checks, so a load refused for a bad vector leaves the store untouched.
 */
import { ddlDocuments, markdownDocuments, pairDocuments } from '../../vector/training-documents.js';
import { unusableVectors, type VectorDocument } from '../../vector/vector-store.js';
import { compactTimestamp, logTimestamp, seconds } from '../../util/time.js';
import { StepFailedError, type StepContext, type StepOutcome } from '../step-context.js';
import { newestPairFile, readTableFiles, VECTOR_BACKUP_DIR } from '../../task-directory/task-files.js';
import { errorMessage } from '../../errors.js';

/** The documents to load: table files per the mapping, other `.md` files, and the newest pair file. */
export async function collectDocuments(ctx: StepContext): Promise<{ documents: VectorDocument[]; files: string[] }> {
  const { dir } = ctx;
  const mapped = await readTableFiles(dir);
  const ddlFiles = mapped.length ? mapped.map((f) => f.ddl) : await dir.fileNames((n) => n.endsWith('.ddl'));
  const mdFiles = mapped.length ? mapped.map((f) => f.md) : await dir.fileNames((n) => n.endsWith('_detail.md'));
  // Other Markdown (metadata_detail.md) documents the themes table; it has always been loaded, and retrieval clients expect it.
  const otherMd = await dir.fileNames((n) => n.endsWith('.md') && !mdFiles.includes(n));
  const documents: VectorDocument[] = [];
  const files: string[] = [];
  for (const file of ddlFiles) {
    const text = await dir.readTextIfExists(file);
    if (text === undefined) continue;
    documents.push(...(await ddlDocuments(text, file)));
    files.push(file);
  }
  for (const file of [...mdFiles, ...otherMd]) {
    const text = await dir.readTextIfExists(file);
    if (text === undefined) continue;
    documents.push(...markdownDocuments(text, file));
    files.push(file);
  }
  const pairFile = await newestPairFile(dir);
  if (pairFile) {
    let pairs: unknown;
    try {
      pairs = JSON.parse(await dir.readText(pairFile));
    } catch (error) {
      throw new StepFailedError(`${pairFile} is not valid JSON: ${errorMessage(error)}`);
    }
    const valid = Array.isArray(pairs)
      ? pairs.filter((p): p is { question: string; sql: string } => typeof p?.question === 'string' && typeof p?.sql === 'string')
      : [];
    documents.push(...pairDocuments(valid, pairFile));
    files.push(pairFile);
  }
  // Identical documents (the same DDL twice) would share an id: keep one.
  const unique = new Map(documents.map((d) => [`${d.collection}\n${d.document}`, d]));
  return { documents: [...unique.values()], files };
}

export async function trainingLoad(ctx: StepContext): Promise<StepOutcome> {
  const { options, settings, log, dir } = ctx;
  const started = Date.now();
  const result: Record<string, unknown> = {};
  const wantsBackup = options.backup_vector_tables || options.truncate_vector_tables;
  const collected = options.skip_training ? undefined : await collectDocuments(ctx);
  if (collected && collected.documents.length === 0 && !wantsBackup) {
    throw new StepFailedError('nothing to load: no .ddl, .md or pair file in the task directory');
  }
  const store = await ctx.resources.vectorStore();

  // Everything is embedded and checked before the first write (backup and truncate included).
  const vectors: number[][] = [];
  if (collected) {
    const { documents } = collected;
    const embedder = await ctx.resources.embedder();
    const batch = settings.embedding.batchSize;
    ctx.progress(0, documents.length, 'documents');
    for (let start = 0; start < documents.length; start += batch) {
      ctx.signal.throwIfAborted();
      const slice = documents.slice(start, start + batch);
      vectors.push(
        ...(await embedder.embed(
          slice.map((d) => d.document),
          ctx.signal,
        )),
      );
      ctx.progress(Math.min(documents.length, start + batch), documents.length, 'documents');
    }
    const problem = unusableVectors(documents, vectors, store.dim);
    if (problem) {
      throw new StepFailedError(`embedder ${embedder.name} returned unusable vectors; nothing was loaded: ${problem}`);
    }
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
      }
    }
  }

  let written = 0;
  if (collected) {
    const { documents, files } = collected;
    ctx.signal.throwIfAborted();
    written = await store.upsert(documents, vectors);
    const byCollection: Record<string, number> = {};
    for (const d of documents) byCollection[d.collection] = (byCollection[d.collection] ?? 0) + 1;
    result.loaded = byCollection;
    result.files = files;
    log.info(`loaded ${written} document(s) from ${files.length} file(s): ${JSON.stringify(byCollection)}`);
  } else {
    log.info('skip_training: only the vector table operations ran');
  }

  const counts = await store.counts();
  result.store_counts = counts.byCollection;
  result.store_total = counts.total;
  result.embedder = (await ctx.resources.embedder()).name;
  const logFile = `training_load_${compactTimestamp(new Date(started))}.log`;
  await dir.writeFile(
    logFile,
    [
      `Training data load ${logTimestamp(new Date(started))}`,
      `Documents written: ${written}`,
      `By collection: ${JSON.stringify(result.loaded ?? {})}`,
      `Rows in the store now: ${counts.total} ${JSON.stringify(counts.byCollection)}`,
      `Duration: ${seconds(Date.now() - started)}`,
      '',
    ].join('\n'),
  );
  result.log_file = logFile;
  return {
    counters: { documents: collected?.documents.length ?? 0, vectors: written, files_written: 1 },
    result,
  };
}
