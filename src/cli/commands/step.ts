/** `data-pipeline step <name> --task-dir <dir>`: one step on an existing task directory. */
import type { Settings } from '../../config/settings.js';
import { DEFAULT_BUSINESS_CONTEXT, taskOptionsFromRecord, workflowOptions, type RunOptionValues } from '../../workflow/run-options.js';
import { isStepName, STEP_NAMES } from '../../workflow/steps/catalog.js';
import { TaskDirectory } from '../../task-directory/task-dir.js';
import { TASK_CONFIG_FILE } from '../../task-directory/task-files.js';
import { EXIT, runAndReport } from '../run-and-report.js';
import { readStoredParameters } from '../task-config.js';

/** The flags of `step` besides the run options (those come from the options schema). */
export interface StepFlags {
  taskDir: string;
  db?: string;
  businessContext?: string;
  dbName?: string;
  vectorDb?: string;
  json?: boolean;
  verbose?: boolean;
  /** Where the run's log lines are appended too (`--log-file`). */
  logFile?: string;
}

/**
 * One step on an existing directory: the source, context and task options default to what
 * `task_config.json` records; the flags given override them.
 */
export async function stepCommand(settings: Settings, stepName: string, flags: StepFlags, optionValues: Partial<RunOptionValues>): Promise<number> {
  if (!isStepName(stepName)) {
    process.stderr.write(`data-pipeline: unknown step "${stepName}"; use one of ${STEP_NAMES.join(', ')}\n`);
    return EXIT.failed;
  }
  let dir: TaskDirectory;
  try {
    dir = await TaskDirectory.open(flags.taskDir);
  } catch {
    process.stderr.write(`data-pipeline: --task-dir ${flags.taskDir}: no such task directory\n`);
    return EXIT.failed;
  }
  const stored = await readStoredParameters(dir);
  if (stored.unreadable) process.stderr.write(`data-pipeline: ${TASK_CONFIG_FILE} is not a task configuration; pass --db and --business-context\n`);
  const db = flags.db ?? stored.connection('db_connection');
  if (!db) {
    process.stderr.write(`data-pipeline: no source database: pass --db (the task directory has no ${TASK_CONFIG_FILE})\n`);
    return EXIT.failed;
  }
  const options = workflowOptions({
    task_id: dir.taskId,
    db_connection: db,
    db_name: flags.dbName ?? stored.text('db_name'),
    business_context: flags.businessContext ?? stored.text('business_context') ?? DEFAULT_BUSINESS_CONTEXT,
    // The vector store the task was loaded into, unless another is named.
    vector_db: flags.vectorDb ?? stored.connection('vector_db'),
    ...taskOptionsFromRecord(stored.values),
    ...optionValues,
  });
  return runAndReport({
    dir,
    settings,
    options,
    mode: 'step',
    step: stepName,
    output: { json: Boolean(flags.json), verbose: Boolean(flags.verbose) },
    ...(flags.logFile !== undefined ? { logFile: flags.logFile } : {}),
  });
}
