/**
 * The keys the existing service's `task_result.json` has (`success`, `workflow_state`, `artifacts`,
 * in the shape its `schema_workflow` orchestrator keeps them), computed from our result so that
 * its readers keep working. Added next to our keys, never instead of them.
 */
import path from 'node:path';
import type { StepName } from '../steps/catalog.js';
import type { StepRun, WorkflowStatus } from '../workflow-types.js';

/** The existing orchestrator's names of the steps (its `completed_steps` and `artifacts` keys). */
export const REFERENCE_STEP_NAMES: Readonly<Record<StepName, string>> = {
  ddl_generation: 'ddl_md_generation',
  qa_generation: 'question_sql_generation',
  sql_validation: 'sql_validation',
  training_load: 'training_data_load',
};

/** Its `statistics` keys: `step1_duration` … `step4_duration`. */
const STEP_NUMBER: Readonly<Record<StepName, number>> = { ddl_generation: 1, qa_generation: 2, sql_validation: 3, training_load: 4 };

export interface ReferenceWorkflowState {
  /** Epoch seconds, as Python's `time.time()`. */
  start_time: number;
  end_time: number;
  current_step: string | null;
  completed_steps: string[];
  failed_steps: string[];
  artifacts: Record<string, Record<string, unknown>>;
  statistics: Record<string, number>;
}

export interface ReferenceTaskResultKeys {
  success: boolean;
  workflow_state: ReferenceWorkflowState;
  artifacts: Record<string, Record<string, unknown>>;
}

const epochSeconds = (iso: string) => Date.parse(iso) / 1000;
const durationSeconds = (run: StepRun) => (run.duration_ms ?? 0) / 1000;
const num = (value: unknown) => (typeof value === 'number' ? value : 0);

function artifactOf(run: StepRun, outputDirectory: string): Record<string, unknown> {
  const c = run.counters;
  const r = run.result;
  const duration = durationSeconds(run);
  switch (run.step_name) {
    case 'ddl_generation':
      return {
        total_tables: c.tables_total ?? 0,
        processed_successfully: c.tables_done ?? 0,
        failed: c.tables_failed ?? 0,
        files_generated: c.files_written ?? 0,
        duration,
      };
    case 'qa_generation': {
      const failed = Array.isArray(r.failed_themes) ? r.failed_themes : [];
      return {
        output_file: typeof r.pair_file === 'string' ? path.join(outputDirectory, r.pair_file) : '',
        total_questions: c.pairs ?? 0,
        total_themes: c.themes ?? 0,
        successful_themes: (c.themes ?? 0) - (c.themes_failed ?? 0),
        failed_themes: failed.map((t: unknown) => (typeof t === 'object' && t !== null && 'theme' in t ? String(t.theme) : String(t))),
        duration,
      };
    }
    case 'sql_validation':
      return {
        original_sql_count: c.pairs ?? 0,
        valid_sql_count: c.pairs_valid ?? 0,
        invalid_sql_count: c.pairs_invalid ?? 0,
        success_rate: num(r.validation_rate),
        repair_stats: r.repair_stats ?? { attempted: 0, successful: 0, failed: 0 },
        file_modification_stats: r.file_modification_stats ?? { modified: 0, deleted: 0, failed_modifications: 0 },
        average_execution_time: num(r.average_execution_time),
        total_retries: num(r.total_retries),
        duration,
      };
    case 'training_load':
      return {
        training_data_dir: outputDirectory,
        load_successful: true,
        total_records: num(r.store_total),
        data_type_counts: r.store_counts ?? {},
        duration,
      };
  }
}

/** The existing service's keys of `task_result.json` for a run's step records. */
export function referenceTaskResultKeys(result: {
  status: WorkflowStatus;
  started_at: string;
  completed_at: string;
  output_directory: string;
  steps: readonly StepRun[];
}): ReferenceTaskResultKeys {
  const ran = result.steps.filter((s) => s.started_at !== null);
  const completed = ran.filter((s) => s.step_status === 'completed');
  const artifacts = Object.fromEntries(completed.map((s) => [REFERENCE_STEP_NAMES[s.step_name], artifactOf(s, result.output_directory)]));
  const last = ran.at(-1);
  return {
    success: result.status === 'completed',
    workflow_state: {
      start_time: epochSeconds(result.started_at),
      end_time: epochSeconds(result.completed_at),
      current_step: last ? REFERENCE_STEP_NAMES[last.step_name] : null,
      completed_steps: completed.map((s) => REFERENCE_STEP_NAMES[s.step_name]),
      failed_steps: ran.filter((s) => s.step_status === 'failed').map((s) => REFERENCE_STEP_NAMES[s.step_name]),
      artifacts,
      statistics: Object.fromEntries(completed.map((s) => [`step${STEP_NUMBER[s.step_name]}_duration`, durationSeconds(s)])),
    },
    artifacts,
  };
}
