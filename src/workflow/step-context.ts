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
