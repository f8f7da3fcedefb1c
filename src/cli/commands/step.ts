/** `data-pipeline step <name> --task-dir <dir>`: one step on an existing task directory. */
import type { Settings } from '../../config/settings.js';
import { DEFAULT_BUSINESS_CONTEXT, isStepName, STEP_NAMES } from '../../workflow/workflow-types.js';
import { TaskDirectory } from '../../workflow/task-dir.js';
import { TASK_CONFIG_FILE } from '../../workflow/task-files.js';
import { EXIT, runAndReport } from '../run-and-report.js';
import { workflowOptionsFromFlags } from './run.js';
import { withoutMaskedSecrets } from '../../util/redact.js';

export interface StepFlags {
  taskDir: string;
  db?: string;
  businessContext?: string;
  dbName?: string;
  disableLlmRepair?: boolean;
  modifyFile: boolean;
  executeCheck?: boolean;
  overwriteComments?: boolean;
  backupVectorTables?: boolean;
  truncateVectorTables?: boolean;
  skipTraining?: boolean;
  vectorDb?: string;
  language?: 'en' | 'zh';
  json?: boolean;
  verbose?: boolean;
}

interface StoredConfig {
  parameters?: { db_connection?: string; business_context?: string; language?: string; db_name?: string | null };
}

export async function stepCommand(settings: Settings, stepName: string, flags: StepFlags): Promise<number> {
  if (!isStepName(stepName)) {
    process.stderr.write(`data-pipeline: unknown step "${stepName}"; use one of ${STEP_NAMES.join(', ')}\n`);
    return EXIT.failed;
  }
  const dir = await TaskDirectory.open(flags.taskDir);
  let stored: StoredConfig = {};
  const configText = await dir.readTextIfExists(TASK_CONFIG_FILE);
  if (configText) {
    try {
      stored = JSON.parse(configText) as StoredConfig;
    } catch {
      process.stderr.write(`data-pipeline: ${TASK_CONFIG_FILE} is not valid JSON; pass --db and --business-context\n`);
    }
  }
  const db = flags.db ?? (stored.parameters?.db_connection ? withoutMaskedSecrets(stored.parameters.db_connection) : undefined);
  if (!db) {
    process.stderr.write(`data-pipeline: no source database: pass --db (the task directory has no ${TASK_CONFIG_FILE})\n`);
    return EXIT.failed;
  }
  const storedLanguage = stored.parameters?.language === 'zh' ? 'zh' : 'en';
  const options = workflowOptionsFromFlags(dir.taskId, {
    ...flags,
    db,
    dbName: flags.dbName ?? stored.parameters?.db_name ?? undefined,
    businessContext: flags.businessContext ?? stored.parameters?.business_context ?? DEFAULT_BUSINESS_CONTEXT,
    language: flags.language ?? storedLanguage,
    training: true,
  });
  return runAndReport({ dir, settings, options, mode: 'step', step: stepName, output: { json: Boolean(flags.json), verbose: Boolean(flags.verbose) } });
}
