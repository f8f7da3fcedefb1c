import type { Settings } from '../config/settings.js';
import type { TaskDirectory } from '../task-directory/task-dir.js';
import type { StepLogger } from '../task-directory/task-log.js';
import type { WorkflowResources } from './resources.js';
import type { StepCounters } from './workflow-types.js';
import type { WorkflowOptions } from './run-options.js';
import type { StepName } from './steps/catalog.js';

/** What a step gets: its directory, settings, options, resources, a logger and a progress callback. */
export interface StepContext {
  step: StepName;
  dir: TaskDirectory;
  settings: Settings;
  options: WorkflowOptions;
  resources: WorkflowResources;
  log: StepLogger;
  progress(done: number, total: number, unit: string): void;
  signal: AbortSignal;
  /** Files to read instead of the task's own, for the scripts that name them. */
  input?: StepInput;
}

/** What the existing service's scripts let a user name, where steps otherwise read the task directory. */
export interface StepInput {
  /** sql_validation: this pair file (an absolute path, anywhere) instead of the newest `qs_*_pair.json`. */
  pairFile?: string;
  /** training_load: every training file of the directory, as the existing trainer loads its `--data_path`. */
  allTrainingFiles?: boolean;
}

/** A step's outcome: counters for summaries, details for `{step}_result.json`. */
export interface StepOutcome {
  counters: StepCounters;
  result: Record<string, unknown>;
}

/** Raised when a step cannot produce anything useful; per-item failures never raise. */
export class StepFailedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StepFailedError';
  }
}

export type StepFunction = (ctx: StepContext) => Promise<StepOutcome>;
