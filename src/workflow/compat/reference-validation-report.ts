/**
 * The keys the existing validator's JSON report has (`metadata`, its `summary` fields,
 * `detailed_results`), computed from our records so that its readers keep working. They go into
 * `sql_validation_<ts>_report.json` next to ours, never instead of them.
 */
import { redactUrl } from '../../util/redact.js';
import type { WorkflowOptions } from '../run-options.js';
import type { PairRecord } from '../steps/sql-validation.js';

export interface ReferenceReportInput {
  /** The pair file validated (absolute path). */
  inputFile: string;
  connection: string;
  startedAt: number;
  durationMs: number;
  options: Pick<WorkflowOptions, 'enable_llm_repair' | 'modify_original_file' | 'execute_check'>;
  settings: { sqlConcurrency: number; statementTimeoutMs: number; repairRounds: number };
  records: readonly PairRecord[];
  /** Seconds each pair's first check took, by record id. */
  checkSeconds: ReadonlyMap<string, number>;
  /** Pairs the rewrite dropped from the file. */
  removed: number;
  /** Whether the pair file was rewritten. */
  modified: boolean;
}

export interface ReferenceRepairStats {
  attempted: number;
  successful: number;
  failed: number;
}

export interface ReferenceSummaryKeys {
  total_questions: number;
  valid_sqls: number;
  invalid_sqls: number;
  success_rate: number;
  average_execution_time: number;
  /** The existing validator retried lost connections; ours does not retry, so always 0. */
  total_retries: number;
  repair_stats: ReferenceRepairStats;
  file_modification_stats: { modified: number; deleted: number; failed_modifications: number };
}

export interface ReferenceDetailedResult {
  index: number;
  question: string;
  sql: string;
  valid: boolean;
  error_message: string | null;
  execution_time: number;
  retry_count: number;
  repair_attempted: boolean;
  repair_successful: boolean;
  repaired_sql: string | null;
  repair_error: string | null;
}

/** A pair went to repair when a proposal was checked for it (every check after the first is one). */
const repairAttempted = (r: PairRecord) => r.attempts > 1 || r.status === 'repaired';

export function referenceReportKeys(input: ReferenceReportInput): {
  metadata: Record<string, unknown>;
  summary: ReferenceSummaryKeys;
  detailed_results: ReferenceDetailedResult[];
} {
  const { records } = input;
  const valid = records.filter((r) => r.status !== 'invalid').length;
  const attempted = records.filter(repairAttempted).length;
  const repaired = records.filter((r) => r.status === 'repaired').length;
  const times = [...input.checkSeconds.values()];
  return {
    metadata: {
      input_file: input.inputFile,
      validation_time: new Date(input.startedAt).toISOString(),
      total_validation_time: input.durationMs / 1000,
      database_connection: redactUrl(input.connection),
      config: {
        enable_sql_repair: input.options.enable_llm_repair,
        modify_original_file: input.options.modify_original_file,
        max_concurrent_validations: input.settings.sqlConcurrency,
        validation_timeout: input.settings.statementTimeoutMs / 1000,
        repair_rounds: input.settings.repairRounds,
        execute_check: input.options.execute_check,
        save_validation_report: true,
        save_detailed_json_report: true,
        report_file_prefix: 'sql_validation',
      },
    },
    summary: {
      total_questions: records.length,
      valid_sqls: valid,
      invalid_sqls: records.length - valid,
      success_rate: records.length ? valid / records.length : 0,
      average_execution_time: times.length ? times.reduce((a, b) => a + b, 0) / times.length : 0,
      total_retries: 0,
      repair_stats: { attempted, successful: repaired, failed: attempted - repaired },
      file_modification_stats: { modified: input.modified ? repaired : 0, deleted: input.removed, failed_modifications: 0 },
    },
    detailed_results: records.map((r) => ({
      index: r.index + 1,
      question: r.question,
      sql: r.sql,
      valid: r.status !== 'invalid',
      error_message: r.original_error ?? r.error,
      execution_time: input.checkSeconds.get(r.id) ?? 0,
      retry_count: 0,
      repair_attempted: repairAttempted(r),
      repair_successful: r.status === 'repaired',
      repaired_sql: r.repaired_sql,
      repair_error: repairAttempted(r) && r.status === 'invalid' ? r.error : null,
    })),
  };
}
