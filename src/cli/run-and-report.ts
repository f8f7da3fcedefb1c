/** Runs a workflow for a CLI command: progress, Ctrl-C, the final summary and the exit code. */
import type { Settings } from '../config/settings.js';
import { embeddedStoreInUse } from '../db/embedded-store.js';
import { runWorkflow, type WorkflowResult } from '../workflow/orchestrator.js';
import type { TaskDirectory } from '../task-directory/task-dir.js';
import type { WorkflowOptions } from '../workflow/run-options.js';
import { stepsOfCompleteRun, type StepName } from '../workflow/steps/catalog.js';
import type { StepInput } from '../workflow/step-context.js';
import { LogFile } from './log-file.js';
import { createProgressReporter } from './progress.js';

/** The exit codes scripts of the Python service test for. */
export const EXIT = { ok: 0, lowRateOrNoTableList: 1, failed: 2, interrupted: 130 } as const;

/** Says why a command cannot run, on stderr, and gives its exit code (2, as for usage errors). */
export function failWith(message: string): number {
  process.stderr.write(`data-pipeline: ${message}\n`);
  return EXIT.failed;
}

/** The validation rate below which script mode exits with 1 (80%, as scripts expect). */
export const MIN_VALIDATION_RATE = 0.8;

export interface OutputOptions {
  json: boolean;
  verbose: boolean;
}

export function exitCodeFor(result: WorkflowResult): number {
  if (result.status === 'cancelled') return EXIT.interrupted;
  if (result.status === 'failed') return EXIT.failed;
  const rate = result.summary.validation_rate;
  return rate !== null && rate < MIN_VALIDATION_RATE ? EXIT.lowRateOrNoTableList : EXIT.ok;
}

/** `cache 12 hits / 1 miss (LLM), 40 / 0 (embeddings); 1 table regenerated (orders); 4 of 5 themes kept`. */
function reuseLine(result: WorkflowResult): string {
  const r = result.reuse;
  const parts = [
    r.cache ? `cache ${r.llm.hits} hit(s) / ${r.llm.misses} miss(es) for the LLM, ${r.embeddings.hits} / ${r.embeddings.misses} for embeddings` : 'cache off',
  ];
  if (r.regenerated_tables) {
    const names = r.regenerated_tables.length <= 5 ? ` (${r.regenerated_tables.join(', ')})` : '';
    parts.push(`${r.regenerated_tables.length} table(s) regenerated${r.regenerated_tables.length ? names : ''}`);
  }
  if (r.themes_kept !== null && r.themes_asked !== null) parts.push(`${r.themes_kept} of ${r.themes_kept + r.themes_asked} theme(s) kept`);
  return parts.join('; ');
}

/** `23 in the training set (2 embedded now, 21 unchanged)`: a load embeds only what is new. */
function vectorsLine(result: WorkflowResult): string {
  const load = result.steps.find((x) => x.step_name === 'training_load');
  // The run's error line says why; "0 loaded" would read as an empty training set.
  if (load?.step_status === 'failed') return 'not loaded: training_load failed';
  const sync = load?.result.sync as { added?: number; updated?: number; deleted?: number; embedded?: number; unchanged?: number } | undefined;
  if (!sync || typeof sync.embedded !== 'number') return `${result.summary.vectors} loaded`;
  // Every count of the sync: a row added to this task's set may already be in the store (another
  // task of the same database embedded it), so "added" and "embedded now" differ.
  return (
    `${result.summary.vectors} in the training set: ${sync.added ?? 0} added, ${sync.updated ?? 0} updated, ` +
    `${sync.deleted ?? 0} removed, ${sync.unchanged ?? 0} unchanged (${sync.embedded} embedded now)`
  );
}

/** `self @1 0.98, @5 1 (60 questions); tables @5 1 (14)` after a load that measured retrieval (the step's `result.retrieval`). */
function retrievalLine(result: WorkflowResult): string | undefined {
  const retrieval = result.steps.find((x) => x.step_name === 'training_load')?.result.retrieval as
    | { self?: { questions: number; hit_at_1: number | null; hit_at_5: number | null }; tables?: { tables: number; hit_at_5: number | null }; skipped?: string }
    | undefined;
  if (!retrieval) return undefined;
  if (retrieval.skipped !== undefined || !retrieval.self || !retrieval.tables) return `not measured (${retrieval.skipped ?? 'no figures'})`;
  const { self, tables } = retrieval;
  return `self-retrieval @1 ${self.hit_at_1 ?? '-'}, @5 ${self.hit_at_5 ?? '-'} (${self.questions} questions); table retrieval @5 ${tables.hit_at_5 ?? '-'} (${tables.tables} tables)`;
}

/** `table public.x (does not exist); 3 pair(s) with invalid SQL (see sql_validation_…_report.json)`. */
function warningsLine(w: NonNullable<WorkflowResult['warnings']>): string {
  const parts = [
    ...w.tables_failed.map((t) => `table ${t.table} not documented (${t.reason})`),
    ...w.themes_failed.map((t) => `theme "${t.theme}" failed (${t.reason})`),
    ...(w.pairs_invalid ? [`${w.pairs_invalid} pair(s) with invalid SQL${w.validation_report ? ` (see ${w.validation_report})` : ''}`] : []),
    ...(w.language_warnings ?? []),
  ];
  return parts.join('; ');
}

/**
 * Why a complete run could not load its training set, said before its first step: the embedded
 * store it would load into is held by another process (a running server). Undefined when the run
 * loads nothing, loads elsewhere (`--vector-db`, `DP_STORE_URL`) or the store is free.
 */
export async function storeHeldProblem(settings: Settings, options: WorkflowOptions): Promise<string | undefined> {
  if (!stepsOfCompleteRun(options).includes('training_load') || options.vector_db || settings.storeUrl) return undefined;
  const inUse = await embeddedStoreInUse(settings.embeddedStoreDir);
  return inUse?.message;
}

export function formatSummary(result: WorkflowResult): string {
  const s = result.summary;
  const validation = result.steps.find((x) => x.step_name === 'sql_validation');
  const pairs =
    s.pairs_valid !== null
      ? `${s.pairs_valid}/${s.pairs} valid (${((s.validation_rate ?? 0) * 100).toFixed(1)}%), ${validation?.counters.pairs_repaired ?? 0} repaired` +
        (validation?.counters.pairs_flagged === undefined ? '' : `, ${validation.counters.pairs_flagged} flagged by the execute check`)
      : `${s.pairs} generated (not validated)`;
  // A run says what its steps did, not "0 documented" or "0 loaded" for steps it did not run (one
  // step of step mode, validate or load; a complete run with --no-training or stopped early).
  const ran = (...steps: StepName[]) => result.steps.some((x) => steps.includes(x.step_name) && x.step_status !== 'skipped' && x.step_status !== 'pending');
  const lines = [
    `Task ${result.task_id}: ${result.status} in ${(result.duration_ms / 1000).toFixed(1)}s${result.error_message ? ` — ${result.error_message}` : ''}`,
    ...(ran('ddl_generation') ? [`  Tables:  ${s.tables} documented${s.tables_failed ? `, ${s.tables_failed} failed` : ''}`] : []),
    `  Files:   ${s.files} written`,
    ...(ran('qa_generation', 'sql_validation') ? [`  Pairs:   ${pairs}`] : []),
    ...(ran('training_load') ? [`  Vectors: ${vectorsLine(result)}`] : []),
    ...(retrievalLine(result) ? [`  Retrieval: ${retrievalLine(result)}`] : []),
    `  LLM:     ${result.llm_usage.calls} calls (${result.llm_usage.provider}), ${result.llm_usage.total_tokens} tokens`,
    `  Reused:  ${reuseLine(result)}`,
    ...(result.warnings ? [`  Warnings: ${warningsLine(result.warnings)}`] : []),
    `  Output:  ${result.output_directory}`,
  ];
  return `${lines.join('\n')}\n`;
}

export async function runAndReport(params: {
  dir: TaskDirectory;
  settings: Settings;
  options: WorkflowOptions;
  mode: 'complete' | 'step';
  step?: StepName;
  output: OutputOptions;
  /** `--log-file`: the run's log lines are appended there too. */
  logFile?: string;
  /** What the step reads instead of the task's files, and whether it writes no task records (see `runWorkflow`). */
  input?: StepInput;
  standalone?: boolean;
  /** The exit code of a finished run (default: script mode's, `exitCodeFor`). */
  exitCode?: (result: WorkflowResult) => number;
  /** The summary printed without `--json` (default: `formatSummary`). */
  summary?: (result: WorkflowResult) => string;
}): Promise<number> {
  let logFile: LogFile | undefined;
  if (params.logFile !== undefined) {
    try {
      logFile = LogFile.open(params.logFile);
    } catch (error) {
      process.stderr.write(`data-pipeline: --log-file ${params.logFile}: cannot open it for appending (${(error as Error).message})\n`);
      return EXIT.failed;
    }
  }
  const controller = new AbortController();
  let interrupts = 0;
  const onSigint = () => {
    interrupts += 1;
    if (interrupts > 1) process.exit(EXIT.interrupted);
    process.stderr.write('\nInterrupted: stopping at the next safe point (Ctrl-C again to quit now)\n');
    controller.abort();
  };
  process.on('SIGINT', onSigint);
  const reporter = await createProgressReporter({ tty: Boolean(process.stderr.isTTY), verbose: params.output.verbose, quiet: params.output.json });
  try {
    const result = await runWorkflow({
      dir: params.dir,
      settings: params.settings,
      options: params.options,
      mode: params.mode,
      step: params.step,
      signal: controller.signal,
      onEvent: (event) => {
        if (event.type === 'log') logFile?.write(event.record);
        reporter.onEvent(event);
      },
      ...(params.input ? { input: params.input } : {}),
      standalone: params.standalone ?? false,
    });
    reporter.stop();
    process.stdout.write(params.output.json ? `${JSON.stringify(result, null, 2)}\n` : (params.summary ?? formatSummary)(result));
    return (params.exitCode ?? exitCodeFor)(result);
  } finally {
    logFile?.close();
    reporter.stop();
    process.off('SIGINT', onSigint);
  }
}
