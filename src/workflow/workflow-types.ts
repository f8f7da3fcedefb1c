/** Names and shapes shared by the orchestrator, the steps and whoever runs them (CLI, server). */
import type { Language } from '../util/language.js';

export const STEP_NAMES = ['ddl_generation', 'qa_generation', 'sql_validation', 'training_load'] as const;
export type StepName = (typeof STEP_NAMES)[number];

export function isStepName(value: string): value is StepName {
  return (STEP_NAMES as readonly string[]).includes(value);
}

/** Everything a run needs to know besides settings; what `task_config.json` records. */
export interface WorkflowOptions {
  taskId: string;
  /** `sample` or a postgresql:// URL. */
  dbConnection: string;
  /** Defaults to the URL's database name. */
  dbName?: string;
  businessContext: string;
  language: Language;
  overwriteComments: boolean;
  enableSqlValidation: boolean;
  enableLlmRepair: boolean;
  modifyOriginalFile: boolean;
  executeCheck: boolean;
  enableTrainingDataLoad: boolean;
  backupVectorTables: boolean;
  truncateVectorTables: boolean;
  skipTraining: boolean;
  /** postgresql:// URL of the vector store; the configured store when absent. */
  vectorDb?: string;
}

export const DEFAULT_BUSINESS_CONTEXT = 'Business database';

/** Options with the reference's defaults for everything not given. */
export function workflowOptions(given: Pick<WorkflowOptions, 'taskId' | 'dbConnection'> & Partial<WorkflowOptions>): WorkflowOptions {
  return {
    businessContext: DEFAULT_BUSINESS_CONTEXT,
    language: 'en',
    overwriteComments: false,
    enableSqlValidation: true,
    enableLlmRepair: true,
    modifyOriginalFile: true,
    executeCheck: false,
    enableTrainingDataLoad: true,
    backupVectorTables: false,
    truncateVectorTables: false,
    skipTraining: false,
    // An option given as undefined keeps its default.
    ...(Object.fromEntries(Object.entries(given).filter(([, value]) => value !== undefined)) as typeof given),
  };
}

/** Counters a step reports; each step fills the ones that apply. */
export interface StepCounters {
  tables_total?: number;
  tables_done?: number;
  tables_failed?: number;
  themes?: number;
  themes_failed?: number;
  pairs?: number;
  pairs_valid?: number;
  pairs_invalid?: number;
  pairs_repaired?: number;
  pairs_removed?: number;
  pairs_empty_result?: number;
  documents?: number;
  vectors?: number;
  files_written?: number;
  /** Live progress of a running step. */
  progress?: { done: number; total: number; unit: string };
}

export type StepStatus = 'pending' | 'running' | 'completed' | 'failed' | 'skipped';

export interface StepRun {
  step_name: StepName;
  step_status: StepStatus;
  started_at: string | null;
  completed_at: string | null;
  duration_ms: number | null;
  error_message: string | null;
  counters: StepCounters;
  /** Step-specific details (files, failures, report names). */
  result: Record<string, unknown>;
}

export type LogLevel = 'DEBUG' | 'INFO' | 'WARNING' | 'ERROR' | 'CRITICAL';

export interface LogRecord {
  timestamp: string;
  level: LogLevel;
  logger: string;
  step: string;
  message: string;
}

export type WorkflowEvent =
  | { type: 'workflow_started'; task_id: string; steps: StepName[]; at: string }
  | { type: 'step_started'; step: StepName; at: string }
  | { type: 'progress'; step: StepName; done: number; total: number; unit: string; at: string }
  | {
      type: 'step_finished';
      step: StepName;
      status: 'completed' | 'failed';
      error: string | null;
      counters: StepCounters;
      result: Record<string, unknown>;
      at: string;
    }
  | { type: 'log'; record: LogRecord }
  | { type: 'workflow_finished'; status: WorkflowStatus; at: string };

export type WorkflowStatus = 'completed' | 'failed' | 'cancelled';
