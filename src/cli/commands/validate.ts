/**
 * `data-pipeline validate`: the existing validator CLI (`sql_validate_cli`) on a pair file the user
 * names (`--input-file`, anywhere) or on a task's newest pair file (`--task-id`). It runs the
 * sql_validation step on that file; the reports go to `--output-dir`, else next to the file (the
 * task directory with `--task-id`). `--dry-run` validates and reports but changes no file: no
 * rewrite, no `.backup`, no `file_modifications_*.log`. No task log or result file is written.
 * Exit codes as the existing validator's: 0 at least 90% valid, 1 at least 70%, 2 below or on failure.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Settings } from '../../config/settings.js';
import { TaskDirectory, assertTaskId } from '../../task-directory/task-dir.js';
import { newestPairFile } from '../../task-directory/task-files.js';
import { compactTimestamp } from '../../util/time.js';
import type { WorkflowResult } from '../../workflow/orchestrator.js';
import { DEFAULT_BUSINESS_CONTEXT, taskOptionsFromRecord, workflowOptions, type RunOptionValues } from '../../workflow/run-options.js';
import { resolveDbFlag } from '../db-flag.js';
import { EXIT, failWith as fail, runAndReport } from '../run-and-report.js';
import { readStoredParameters } from '../task-config.js';
import { connectionFlagsProblem } from './run.js';

export interface ValidateFlags {
  inputFile?: string;
  taskId?: string;
  db?: string;
  dbConnection?: string;
  outputDir?: string;
  dryRun?: boolean;
  maxConcurrent?: string;
  timeout?: string;
  json?: boolean;
  verbose?: boolean;
  logFile?: string;
}

/** The existing validator's thresholds: 90% and 70% of the SQL valid. */
export const VALIDATE_GOOD_RATE = 0.9;
export const VALIDATE_FAIR_RATE = 0.7;

export function validateExitCode(result: WorkflowResult): number {
  if (result.status === 'cancelled') return EXIT.interrupted;
  const rate = result.summary.validation_rate;
  if (result.status !== 'completed' || rate === null) return EXIT.failed;
  return rate >= VALIDATE_GOOD_RATE ? EXIT.ok : rate >= VALIDATE_FAIR_RATE ? EXIT.lowRateOrNoTableList : EXIT.failed;
}

/**
 * What a validation of a named file says: the rate, and where the reports went and what became of
 * the pair file (the two things a script's user must know).
 */
export function formatValidateSummary(result: WorkflowResult): string {
  const step = result.steps.find((s) => s.step_name === 'sql_validation');
  const r = step?.result ?? {};
  const c = step?.counters ?? {};
  const head = `SQL validation ${result.status} in ${(result.duration_ms / 1000).toFixed(1)}s${result.error_message ? ` — ${result.error_message}` : ''}`;
  if (result.status !== 'completed') return `${head}\n`;
  const file = (name: unknown) => path.join(result.output_directory, String(name));
  const lines = [
    head,
    `  Pair file: ${String(r.pair_file)}`,
    `  Valid:     ${c.pairs_valid ?? 0}/${c.pairs ?? 0} (${(Number(r.validation_rate ?? 0) * 100).toFixed(1)}%), ${c.pairs_repaired ?? 0} repaired` +
      (c.pairs_flagged === undefined ? '' : `, ${c.pairs_flagged} flagged by the execute check`),
    `  Reports:   ${file(r.report_file)}, ${file(r.summary_file)}`,
    `  Rewritten: ${r.modified_file ? `yes (backup ${String(r.backup_file)}, changes in ${file(r.modifications_file)})` : 'no'}`,
  ];
  return `${lines.join('\n')}\n`;
}

/** A whole number within bounds, or why not (naming the flag and what it accepts). */
function boundedInteger(flag: string, value: string, min: number, max: number): number | string {
  const n = Number(value);
  return Number.isInteger(n) && n >= min && n <= max ? n : `${flag} "${value}" is not a whole number from ${min} to ${max}`;
}

export async function validateCommand(baseSettings: Settings, flags: ValidateFlags, optionValues: Partial<RunOptionValues>): Promise<number> {
  if (flags.inputFile === undefined && flags.taskId === undefined)
    return fail('give --input-file <pair.json> or --task-id <id> (the newest pair file of that task)');
  let settings = baseSettings;
  if (flags.maxConcurrent !== undefined) {
    const n = boundedInteger('--max-concurrent', flags.maxConcurrent, 1, 64);
    if (typeof n === 'string') return fail(n);
    settings = { ...settings, sqlConcurrency: n };
  }
  if (flags.timeout !== undefined) {
    const n = boundedInteger('--timeout', flags.timeout, 1, 3600);
    if (typeof n === 'string') return fail(`${n} (seconds)`);
    settings = { ...settings, statementTimeoutMs: n * 1000 };
  }

  // The file to validate and where the reports go.
  let pairFile: string | undefined;
  let outputDir: string;
  let taskDir: TaskDirectory | undefined;
  if (flags.inputFile !== undefined) {
    pairFile = path.resolve(flags.inputFile);
    const stat = await fs.stat(pairFile).catch(() => undefined);
    if (!stat?.isFile()) return fail(`--input-file ${flags.inputFile}: no such file`);
    outputDir = path.resolve(flags.outputDir ?? path.dirname(pairFile));
  } else {
    const taskId = flags.taskId as string;
    try {
      assertTaskId(taskId);
      taskDir = await TaskDirectory.open(path.join(path.resolve(settings.trainingDataDir), taskId));
    } catch {
      return fail(`--task-id ${taskId}: no such task directory under ${settings.trainingDataDir}`);
    }
    const newest = await newestPairFile(taskDir);
    if (!newest) return fail(`--task-id ${taskId}: the task directory has no qs_*_pair.json file`);
    outputDir = path.resolve(flags.outputDir ?? taskDir.path);
    // Read from the task directory as the step does, unless the reports go elsewhere.
    if (outputDir !== taskDir.path) pairFile = taskDir.filePath(newest);
  }

  const stored = taskDir ? await readStoredParameters(taskDir) : undefined;
  const dbFlag = resolveDbFlag(flags, stored?.connection('db_connection') === undefined);
  if (!dbFlag.ok) return fail(dbFlag.message);
  const db = (dbFlag.db ?? stored?.connection('db_connection')) as string;
  const connectionProblem = connectionFlagsProblem({ db });
  if (connectionProblem) return fail(connectionProblem);

  let dir: TaskDirectory;
  try {
    dir = await TaskDirectory.open(outputDir, { create: true });
  } catch (error) {
    return fail(`--output-dir ${outputDir}: ${(error as Error).message}`);
  }
  const options = workflowOptions({
    task_id: flags.taskId ?? `manual_${compactTimestamp()}`,
    db_connection: db,
    business_context: stored?.text('business_context') ?? DEFAULT_BUSINESS_CONTEXT,
    ...(stored ? taskOptionsFromRecord(stored.values) : {}),
    ...optionValues,
    // A dry run changes no file: the pair file is not rewritten (so no .backup and no modifications log).
    ...(flags.dryRun ? { modify_original_file: false } : {}),
  });
  return runAndReport({
    dir,
    settings,
    options,
    mode: 'step',
    step: 'sql_validation',
    output: { json: Boolean(flags.json), verbose: Boolean(flags.verbose) },
    ...(flags.logFile !== undefined ? { logFile: flags.logFile } : {}),
    ...(pairFile !== undefined ? { input: { pairFile } } : {}),
    standalone: true,
    exitCode: validateExitCode,
    summary: formatValidateSummary,
  });
}
