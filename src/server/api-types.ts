/**
 * The `data` of each response, as TypeScript types derived from the routes' schemas: what the
 * web console (and any TypeScript client) imports instead of copying the shapes. Types only.
 */
import type { Static, TSchema } from '@sinclair/typebox';
import type { BackupDiffResponse, BackupListResponse, BackupShowResponse, RestoreResponse } from './schemas/backups.js';
import type { DatabaseTablesResponse } from './schemas/database.js';
import type { FilesResponse, LogQueryResponse, LogsResponse, TableListInfoResponse } from './schemas/files.js';
import type { DriftResponse } from './schemas/drift.js';
import type { RunsResponse } from './schemas/runs.js';
import type { TablesResponse } from './schemas/table-docs.js';
import type { TrainingSearchResponse, TrainingStatsResponse } from './schemas/vector.js';
import type { CreatedResponse, ExecuteResponse, ListResponse, QueryResponse, StepsResponse, TaskResponse } from './schemas/tasks.js';

type DataOf<T extends TSchema> = Static<T> extends { data: infer D } ? D : never;

export type TaskView = DataOf<typeof TaskResponse>;
export type StepView = TaskView['steps'][number];
export type TaskList = DataOf<typeof ListResponse>;
export type TaskQueryResult = DataOf<typeof QueryResponse>;
export type TaskListItem = TaskList['tasks'][number];
export type CreatedTask = DataOf<typeof CreatedResponse>;
export type ExecuteAccepted = DataOf<typeof ExecuteResponse>;
export type StepCatalog = DataOf<typeof StepsResponse>;
export type TaskFiles = DataOf<typeof FilesResponse>;
export type TaskFileEntry = TaskFiles['files'][number];
export type TaskLogs = DataOf<typeof LogsResponse>;
export type TaskLogPage = DataOf<typeof LogQueryResponse>;
export type TableListInfo = DataOf<typeof TableListInfoResponse>;
export type BackupList = DataOf<typeof BackupListResponse>;
export type BackupSummary = BackupList['backups'][number];
export type BackupShown = DataOf<typeof BackupShowResponse>;
export type BackupDiff = DataOf<typeof BackupDiffResponse>;
export type BackupRestored = DataOf<typeof RestoreResponse>;
export type DatabaseTables = DataOf<typeof DatabaseTablesResponse>;
export type TrainingStats = DataOf<typeof TrainingStatsResponse>;
export type TrainingSearch = DataOf<typeof TrainingSearchResponse>;
export type TrainingHit = TrainingSearch['results'][number];
export type TaskDrift = DataOf<typeof DriftResponse>;
export type DocumentedTables = DataOf<typeof TablesResponse>;
export type RunHistory = DataOf<typeof RunsResponse>;
