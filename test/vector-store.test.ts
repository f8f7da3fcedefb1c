/**
 * training_load into the embedded store (PGlite + pgvector): idempotent loading, the CSV backup
 * round trip, truncate only after a good backup, and a clear error against a server without pgvector.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Settings } from '../src/config/settings.js';
import { openEmbeddedStore, StoreInUseError } from '../src/db/embedded-store.js';
import { PostgresDatabase } from '../src/db/postgres-database.js';
import { HashingEmbedder } from '../src/embedding/hashing-embedder.js';
import { backupVectorTables, restoreVectorTables } from '../src/vector/csv-backup.js';
import { ddlDocuments, markdownDocuments } from '../src/vector/training-documents.js';
import { COLLECTION_TABLE, documentId, EMBEDDING_TABLE, VectorStore } from '../src/vector/vector-store.js';
import { runWorkflow } from '../src/workflow/orchestrator.js';
import { TaskDirectory } from '../src/task-directory/task-dir.js';
import { workflowOptions, type WorkflowOptions } from '../src/workflow/run-options.js';
import { createScratchDatabase, makeTempDir, testSettings } from './support/env.js';

function options(overrides: Partial<WorkflowOptions> = {}): WorkflowOptions {
  return workflowOptions({ task_id: 'task_vectors', db_connection: 'sample', enable_llm_repair: false, ...overrides });
}

async function embeddingRows(settings: Settings): Promise<{ id: string; document: string; embedding: string; cmetadata: string }[]> {
  const db = await openEmbeddedStore(settings.embeddedStoreDir);
  try {
    return await db.query(`SELECT id, document, embedding::text AS embedding, cmetadata::text AS cmetadata FROM ${EMBEDDING_TABLE} ORDER BY id`);
  } finally {
    await db.close();
  }
}

describe('training_load into the embedded store', () => {
  let settings: Settings;
  let dir: TaskDirectory;

  beforeAll(async () => {
    settings = testSettings(await makeTempDir());
    dir = await TaskDirectory.open(path.join(settings.trainingDataDir, 'task_vectors'), { create: true });
    await dir.writeFile('table_list.txt', 'regions\nstores\ncustomers\norders\nhr.employees\n');
    const result = await runWorkflow({ dir, settings, options: options(), mode: 'complete' });
    expect(result.status).toBe('completed');
  });

  it('loads ddl, documentation and sql collections with the reference id suffixes', async () => {
    const rows = await embeddingRows(settings);
    const pairs = JSON.parse(await dir.readText((await dir.fileNames((n) => n.endsWith('_pair.json')))[0] as string)) as unknown[];
    expect(rows.filter((r) => r.id.endsWith('-ddl'))).toHaveLength(5);
    // The five table docs; not metadata_detail.md (it documents the questions' themes, no table of the source).
    expect(rows.filter((r) => r.id.endsWith('-doc'))).toHaveLength(5);
    const sql = rows.filter((r) => r.id.endsWith('-sql'));
    expect(sql).toHaveLength(pairs.length);
    const doc = JSON.parse(sql[0]?.document ?? '{}') as Record<string, unknown>;
    expect(Object.keys(doc)).toEqual(['question', 'sql']);
    expect(JSON.parse(sql[0]?.cmetadata ?? '{}')).toMatchObject({ id: sql[0]?.id });
    expect(rows.every((r) => r.embedding.split(',').length === 64)).toBe(true);
  });

  it('loading the same files twice leaves exactly the same rows', async () => {
    const before = await embeddingRows(settings);
    const again = await runWorkflow({ dir, settings, options: options(), mode: 'step', step: 'training_load' });
    expect(again.status).toBe('completed');
    expect(again.steps[0]?.counters.vectors).toBe(before.length);
    const after = await embeddingRows(settings);
    expect(after).toEqual(before);
  });

  it('backs both tables up to vector_bak CSV in one snapshot and restores them exactly', async () => {
    const before = await embeddingRows(settings);
    const result = await runWorkflow({
      dir,
      settings,
      options: options({ truncate_vector_tables: true, skip_training: true }),
      mode: 'step',
      step: 'training_load',
    });
    expect(result.status).toBe('completed');
    const step = result.steps[0]?.result as {
      vector_backup: { backup_performed: boolean; tables_backed_up: Record<string, { row_count: number; backup_file: string; duration: number }> };
      truncated_rows: number;
    };
    expect(step.vector_backup.backup_performed).toBe(true);
    expect(step.vector_backup.tables_backed_up[EMBEDDING_TABLE]?.row_count).toBe(before.length);
    expect(step.vector_backup.tables_backed_up[COLLECTION_TABLE]?.row_count).toBe(4);
    expect(step.truncated_rows).toBe(before.length);
    expect(await embeddingRows(settings)).toEqual([]);

    const backupDir = path.join(dir.path, 'vector_bak');
    const files = await fs.readdir(backupDir);
    const embeddingFile = files.find((f) => f.startsWith(`${EMBEDDING_TABLE}_`)) as string;
    const collectionFile = files.find((f) => f.startsWith(`${COLLECTION_TABLE}_`)) as string;
    const csv = await fs.readFile(path.join(backupDir, embeddingFile), 'utf8');
    expect(csv.split('\n')[0]).toBe('id,collection_id,embedding,document,cmetadata');
    const log = await fs.readFile(path.join(backupDir, 'vector_backup_log.txt'), 'utf8');
    expect(log).toMatch(/langchain_pg_embedding: ok, \d+ rows, \d+ bytes, \d+\.\d{3}s/);
    expect(log).toMatch(/status: success; total \d+\.\d{3}s/);

    const db = await openEmbeddedStore(settings.embeddedStoreDir);
    try {
      const restored = await restoreVectorTables(db, {
        [COLLECTION_TABLE]: path.join(backupDir, collectionFile),
        [EMBEDDING_TABLE]: path.join(backupDir, embeddingFile),
      });
      expect(restored[EMBEDDING_TABLE]?.rows_restored).toBe(before.length);
    } finally {
      await db.close();
    }
    expect(await embeddingRows(settings)).toEqual(before);
  });

  it('refuses a second opener of the same embedded store with a clear error', async () => {
    const first = await openEmbeddedStore(settings.embeddedStoreDir);
    try {
      await expect(openEmbeddedStore(settings.embeddedStoreDir)).rejects.toBeInstanceOf(StoreInUseError);
    } finally {
      await first.close();
    }
  });
});

describe('vector store details', () => {
  it('derives ids from content: same document, same id; other collection, other id', () => {
    const a = documentId('ddl', 'create table t (id int);');
    expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}-ddl$/);
    expect(documentId('ddl', 'create table t (id int);')).toBe(a);
    expect(documentId('documentation', 'create table t (id int);')).not.toBe(a.replace(/-ddl$/, '-doc'));
  });

  it('splits DDL on statements (not on semicolons inside comments or strings) and Markdown on headings', async () => {
    const ddl = await ddlDocuments("-- Name: a; b\ncreate table a (x text default ';');\n-- second\ncreate table b (y int);\n", 'x.ddl');
    expect(ddl.map((d) => d.document)).toEqual(["-- Name: a; b\ncreate table a (x text default ';');", '-- second\ncreate table b (y int);']);
    const md = markdownDocuments('## a\ntext a\n## b\ntext b\n', 'x.md');
    expect(md.map((d) => d.document)).toEqual(['## a\ntext a', '## b\ntext b']);
  });

  it('the hashing embedder is deterministic, normalised and puts similar texts closer', () => {
    const e = new HashingEmbedder(128);
    const a = e.embedOne('total order amount per customer');
    expect(e.embedOne('total order amount per customer')).toEqual(a);
    expect(Math.hypot(...a)).toBeCloseTo(1, 6);
    const dot = (x: number[], y: number[]) => x.reduce((s, v, i) => s + v * (y[i] as number), 0);
    expect(dot(a, e.embedOne('order amount by customer'))).toBeGreaterThan(dot(a, e.embedOne('employee salary by department')));
  });

  it('says clearly that the PostgreSQL server has no pgvector extension', async () => {
    const scratch = await createScratchDatabase('dp_novector');
    const db = await PostgresDatabase.connect(scratch.url);
    try {
      await expect(new VectorStore(db, 64).ensureSchema()).rejects.toThrow(/pgvector extension is not available on this PostgreSQL server/);
      const tables = await db.query(`SELECT 1 FROM pg_tables WHERE tablename LIKE 'langchain%'`);
      expect(tables).toEqual([]);
    } finally {
      await db.close();
      await scratch.drop();
    }
  });

  it('refuses an existing store whose vectors have another dimension', async () => {
    const root = await makeTempDir();
    const db = await openEmbeddedStore(path.join(root, 'store'));
    try {
      await new VectorStore(db, 32).ensureSchema();
      await expect(new VectorStore(db, 64).ensureSchema()).rejects.toThrow(/holds 32-dimensional vectors but EMBEDDING_DIM is 64/);
    } finally {
      await db.close();
    }
  });

  it('a backup of an unreachable store records the failure instead of throwing', async () => {
    const root = await makeTempDir();
    const db = await openEmbeddedStore(path.join(root, 'store'));
    const result = await (async () => {
      try {
        // No vector tables yet: the backup fails and says why.
        return await backupVectorTables(db, path.join(root, 'vector_bak'));
      } finally {
        await db.close();
      }
    })();
    expect(result.backup_performed).toBe(false);
    expect(result.errors.join(' ')).toMatch(/langchain_pg_collection/);
    expect(await fs.readFile(path.join(root, 'vector_bak', 'vector_backup_log.txt'), 'utf8')).toMatch(/status: failed/);
  });
});
