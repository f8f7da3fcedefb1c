/** Names and shapes shared by the orchestrator, the steps and whoever runs them (CLI, server). */

import type { StepName } from './steps/catalog.js';

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
  /** Valid pairs the execute check flagged (no row, a value outside a column's enumeration). */
  pairs_flagged?: number;
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
