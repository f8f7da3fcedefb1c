/** Vector table backups (CSV), the backups found under the data root, and restores. */
import { searchTrainingData, trainingDataStats } from '../../services/training-data.js';
import { backupVectorStore, listVectorBackups, restoreVectorStore } from '../../services/vector-backups.js';
import type { ApiServer, AppContext } from '../context.js';
import { successBody } from '../envelope.js';
import { emptyBodyAsObject } from '../hooks.js';
import { errorResponses } from '../schemas/common.js';
import {
  TrainingSearchBody,
  TrainingSearchResponse,
  TrainingStatsResponse,
  VectorBackupBody,
  VectorBackupResponse,
  VectorListQuery,
  VectorListResponse,
  VectorRestoreBody,
  VectorRestoreResponse,
} from '../schemas/vector.js';

const BASE = '/api/v0/data_pipeline/vector';

export function vectorRoutes(app: ApiServer, ctx: AppContext): void {
  const services = ctx.services;

  app.post(
    `${BASE}/backup`,
    {
      preValidation: emptyBodyAsObject,
      schema: {
        tags: ['vector'],
        summary: "Back up langchain_pg_collection and langchain_pg_embedding to CSV (a task's vector_bak/, else the global one)",
        body: VectorBackupBody,
        response: { 200: VectorBackupResponse, ...errorResponses },
      },
    },
    async (request) => {
      const backup = await backupVectorStore(services, request.body);
      return successBody(200, `vector tables backed up to ${backup.directory} (${backup.rows} rows)`, {
        backup_performed: true,
        backup_timestamp: backup.timestamp,
        tables_backed_up: backup.tables,
        errors: [],
        backup_directory: backup.directory,
        duration: backup.duration,
      });
    },
  );

  app.get(
    `${BASE}/restore/list`,
    {
      schema: {
        tags: ['vector'],
        summary: 'The vector table backups under the data root: the global vector_bak/ and each task’s',
        querystring: VectorListQuery,
        response: { 200: VectorListResponse, ...errorResponses },
      },
    },
    async (request) => {
      const started = Date.now();
      const locations = await listVectorBackups(services, request.query);
      const count = (type: 'global' | 'task') => locations.filter((l) => l.type === type).reduce((n, l) => n + l.backups.length, 0);
      const summary = {
        total_locations: locations.length,
        total_backups: count('global') + count('task'),
        // The existing service's name for the same count.
        total_backup_sets: count('global') + count('task'),
        global_backups: count('global'),
        task_backups: count('task'),
        scan_time: new Date(started).toISOString(),
        scan_duration: (Date.now() - started) / 1000,
      };
      return successBody(200, `${summary.total_backups} vector backup(s) in ${summary.total_locations} location(s)`, { backup_locations: locations, summary });
    },
  );

  app.post(
    `${BASE}/restore`,
    {
      schema: {
        tags: ['vector'],
        summary: 'Restore vector tables from a backup, in foreign-key order, in one transaction',
        body: VectorRestoreBody,
        response: { 200: VectorRestoreResponse, ...errorResponses },
      },
    },
    async (request) => {
      const started = Date.now();
      const body = request.body;
      const restored = await restoreVectorStore(services, body);
      return successBody(200, `restored ${restored.rows} row(s) from ${body.backup_path} (${body.timestamp})`, {
        restore_performed: true as const,
        truncate_performed: restored.truncated_rows !== null,
        backup_info: { backup_path: body.backup_path, timestamp: body.timestamp, tables: restored.tables, backup_date: restored.backup_date },
        truncate_results:
          restored.truncated_rows !== null ? { langchain_pg_embedding: { success: true, rows_before: restored.truncated_rows, rows_after: 0 } } : {},
        restore_results: restored.restored,
        errors: [],
        duration: (Date.now() - started) / 1000,
      });
    },
  );

  app.get(
    `${BASE}/stats`,
    {
      schema: {
        tags: ['vector'],
        summary: 'What the vector store holds: rows per collection (with the embedder that made them), per database, kind and task',
        response: { 200: TrainingStatsResponse, ...errorResponses },
      },
    },
    async () => {
      const stats = await trainingDataStats(services);
      return successBody(200, `${stats.total_rows} row(s) of ${stats.databases.length} database(s)`, {
        ...stats,
        databases: stats.databases.map((d) => ({ ...d, source_db: d.source_db as { host: string; port: number | null; database: string } })),
      });
    },
  );

  app.post(
    `${BASE}/search`,
    {
      schema: {
        tags: ['vector'],
        summary: 'The rows nearest to a question: what a text-to-SQL assistant would retrieve',
        body: TrainingSearchBody,
        response: { 200: TrainingSearchResponse, ...errorResponses },
      },
    },
    async (request) => {
      const { embedder, results } = await searchTrainingData(services, request.body);
      return successBody(200, `${results.length} row(s)`, {
        question: request.body.question,
        embedder,
        results: results.map((hit) => {
          const { id: _id, ...provenance } = hit.metadata;
          let pair: { question?: string; sql?: string } = {};
          if (hit.collection === 'sql') {
            try {
              const parsed = JSON.parse(hit.document) as { question?: unknown; sql?: unknown };
              if (typeof parsed.question === 'string' && typeof parsed.sql === 'string') pair = { question: parsed.question, sql: parsed.sql };
            } catch {
              // a sql row that is not the {question, sql} JSON: shown as its text
            }
          }
          return { id: hit.id, kind: hit.collection, similarity: Number(hit.similarity), document: hit.document, ...pair, provenance };
        }),
      });
    },
  );
}
