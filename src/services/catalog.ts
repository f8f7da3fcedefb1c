/**
 * What the edges (API schemas, CLI help, the console) need to know about the pipeline, without
 * reaching into it: the steps, the run options, how backups are named, the task id rule.
 */
export { BACKUP_NAME_FORM, BACKUP_NAME_PATTERN, isBackupName } from '../backup/backup-names.js';
export { TASK_ID_FORM, TASK_ID_PATTERN, VECTOR_BACKUP_DIR } from '../task-directory/task-id.js';
export {
  EXECUTION_OPTION_NAMES,
  PER_RUN_OPTION_NAMES,
  RUN_OPTIONS,
  TASK_OPTION_NAMES,
  type ExecutionOptionName,
  type RunOptionName,
  type TaskOptionName,
} from '../workflow/run-options.js';
export { STEP_CATALOG, STEP_NAMES, isStepName, type StepInfo, type StepName } from '../workflow/steps/catalog.js';
