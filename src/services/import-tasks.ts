/**
 * `data-pipeline import`: the existing service's tasks, read from its tables
 * (`data_pipeline_tasks`, `data_pipeline_task_steps`, created by its `init_tables.sql`) and
 * recorded in our store (origin `import`), idempotently: a task already recorded is left as it is.
 *
 * - Steps: the table has one row per execution; the latest (highest `id`) of each step counts, and
 *   its `execution_id` is kept in the step row.
 * - Times have no zone there (the service's local time): read in this process's time zone.
 * - `parameters.db_connection` holds the password: it goes only into the store's connection column
 *   (as for tasks created through the API); the stored parameters, `origin_info`, errors and the
 *   report never carry it, and a task folder found here under the task id is cleaned of it.
 * - A task `in_progress` (or a step `running`) there is not running here: it is recorded failed.
 */
import type { Settings } from '../config/settings.js';
import { openStoreDatabase, StoreInUseError } from '../db/embedded-store.js';
import type { SqlDatabase } from '../db/sql-database.js';
import { PostgresDatabase, describeUrl } from '../db/postgres-database.js';
import { DataRoot } from '../task-directory/data-root.js';
import { assertTaskId } from '../task-directory/task-dir.js';
import { PathConfinementError } from '../errors.js';
import { maskFolderSecrets, maskJson } from '../tasks/folder-secrets.js';
import { objectOf, recordedInstant, taskFieldsFromParameters } from '../tasks/legacy-parameters.js';
import { migrate } from '../tasks/store/migrate.js';
import { TaskStore, type RecordedStep, type RecordedTask, type StepStatus, type TaskStatus } from '../tasks/store/task-store.js';
import { connectionSecrets, secretMasker } from '../util/redact.js';
import { STEP_NAMES, type StepName } from '../workflow/steps/catalog.js';

export const LEGACY_TASKS_TABLE = 'data_pipeline_tasks';
export const LEGACY_STEPS_TABLE = 'data_pipeline_task_steps';

/** What the import needs in the source database that is not there: printed as is. */
export class ImportSourceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ImportSourceError';
  }
}

export interface ImportReport {
  /** host:port/database of the source (no user, no password). */
  source: string;
  dry_run: boolean;
  /** Tasks recorded now (or, with dry_run, that would be). */
  imported: string[];
  already_present: string[];
  /** Rows whose task id cannot name a task directory here (not imported). */
  skipped: { task_id: string; reason: string }[];
  /** Files of task folders found here whose passwords were masked. */
  files_cleaned: string[];
}

export interface ImportTarget {
  store: TaskStore;
  dataRoot: DataRoot;
  /** The connection of a task whose parameters name none usable (the server's default). */
  defaultConnection: string;
}

const TASK_REQUIRED = ['task_id', 'status', 'parameters', 'created_at'];
const TASK_OPTIONAL = [
  'task_name',
  'result',
  'error_message',
  'started_at',
  'completed_at',
  'created_type',
  'by_user',
  'output_directory',
  'db_name',
  'task_type',
];
const STEP_REQUIRED = ['task_id', 'step_name', 'step_status'];
const STEP_OPTIONAL = ['id', 'execution_id', 'started_at', 'completed_at', 'error_message'];
const TIME_COLUMNS = new Set(['created_at', 'started_at', 'completed_at']);
const TASK_STATUSES: readonly TaskStatus[] = ['pending', 'partial_completed', 'completed', 'failed'];
const NOT_RUNNING_HERE = 'was in progress in the existing service when it was imported; it is not running here';

async function columnsOf(db: SqlDatabase, table: string): Promise<Set<string> | undefined> {
  const rows = await db.query<{ name: string | null }>(
    `SELECT a.attname AS name FROM pg_attribute a WHERE a.attrelid = to_regclass($1) AND a.attnum > 0 AND NOT a.attisdropped`,
    [table],
  );
  return rows.length === 0 ? undefined : new Set(rows.map((r) => r.name ?? ''));
}

/** The select list: each column (times as ISO text, zoned or not as stored), NULL for a missing optional one. */
function selectList(columns: Set<string>, wanted: string[]): string {
  return wanted
    .map((name) => {
      if (!columns.has(name)) return `NULL AS ${name}`;
      return TIME_COLUMNS.has(name) ? `to_json(${name}) #>> '{}' AS ${name}` : name;
    })
    .join(', ');
}

/** Checks both tables are there with the columns read; says what is missing and what is expected. */
async function checkTables(db: SqlDatabase): Promise<{ tasks: Set<string>; steps: Set<string> }> {
  const tasks = await columnsOf(db, LEGACY_TASKS_TABLE);
  const steps = await columnsOf(db, LEGACY_STEPS_TABLE);
  const missingTables = [tasks ? null : LEGACY_TASKS_TABLE, steps ? null : LEGACY_STEPS_TABLE].filter((t): t is string => t !== null);
  if (missingTables.length > 0 || !tasks || !steps) {
    throw new ImportSourceError(
      `the database has no table ${missingTables.join(' and no table ')} (in its search_path); import reads the existing service's task tables ` +
        `${LEGACY_TASKS_TABLE} and ${LEGACY_STEPS_TABLE}, as its data_pipeline/sql/init_tables.sql creates them: give --from the database holding them`,
    );
  }
  const missingColumns = [
    ...TASK_REQUIRED.filter((c) => !tasks.has(c)).map((c) => `${LEGACY_TASKS_TABLE}.${c}`),
    ...STEP_REQUIRED.filter((c) => !steps.has(c)).map((c) => `${LEGACY_STEPS_TABLE}.${c}`),
  ];
  if (missingColumns.length > 0) {
    throw new ImportSourceError(`the existing service's task tables lack the columns ${missingColumns.join(', ')}, which import reads`);
  }
  return { tasks, steps };
}

type Row = Record<string, unknown>;

const textOrNull = (value: unknown) => (typeof value === 'string' && value !== '' ? value : null);

function stepOf(row: Row, mask: (text: string) => string): RecordedStep {
  const given = row.step_status;
  const status: StepStatus = given === 'completed' || given === 'failed' || given === 'pending' ? given : 'failed';
  const error = textOrNull(row.error_message);
  return {
    step_name: row.step_name as StepName,
    step_status: status,
    started_at: recordedInstant(row.started_at),
    completed_at: recordedInstant(row.completed_at),
    error_message: error
      ? mask(error)
      : given === 'running'
        ? NOT_RUNNING_HERE
        : status === 'failed'
          ? `step status ${String(given)} in the existing service`
          : null,
    execution_id: textOrNull(row.execution_id),
  };
}

function taskOf(row: Row, steps: RecordedStep[], defaultConnection: string, mask: (text: string) => string): RecordedTask {
  const parameters = objectOf(row.parameters) ?? {};
  const given = row.status;
  const status: TaskStatus = TASK_STATUSES.includes(given as TaskStatus) ? (given as TaskStatus) : 'failed';
  const error = textOrNull(row.error_message);
  const fields = taskFieldsFromParameters(parameters, defaultConnection, row.task_name);
  return {
    task_id: String(row.task_id),
    ...fields,
    db_name: textOrNull(row.db_name) ?? fields.db_name,
    created_by: textOrNull(row.by_user),
    status,
    created_at: recordedInstant(row.created_at) ?? new Date().toISOString(),
    started_at: recordedInstant(row.started_at),
    completed_at: recordedInstant(row.completed_at),
    error_message: error
      ? mask(error)
      : given === 'in_progress'
        ? NOT_RUNNING_HERE
        : status === 'failed' && given !== 'failed'
          ? `status ${String(given)} in the existing service`
          : null,
    origin: 'import',
    origin_info: {
      task_type: textOrNull(row.task_type),
      created_type: textOrNull(row.created_type),
      output_directory: textOrNull(row.output_directory),
      result: row.result === null || row.result === undefined ? null : maskJson(row.result, mask),
    },
    steps,
  };
}

/** Reads the tasks and the latest row of each of their steps. */
async function readSource(db: SqlDatabase): Promise<{ tasks: Row[]; steps: Row[] }> {
  const columns = await checkTables(db);
  const tasks = await db.query<Row>(
    `SELECT ${selectList(columns.tasks, [...TASK_REQUIRED, ...TASK_OPTIONAL])} FROM ${LEGACY_TASKS_TABLE} ORDER BY created_at, task_id`,
  );
  const latestFirst = columns.steps.has('id') ? 'id DESC' : 'started_at DESC NULLS LAST';
  const steps = await db.query<Row>(
    `SELECT DISTINCT ON (task_id, step_name) ${selectList(columns.steps, [...STEP_REQUIRED, ...STEP_OPTIONAL])}
     FROM ${LEGACY_STEPS_TABLE} WHERE step_name = ANY($1::text[]) ORDER BY task_id, step_name, ${latestFirst}`,
    [[...STEP_NAMES]],
  );
  return { tasks, steps };
}

/** Imports the existing service's tasks from the database at `sourceUrl` into `target`'s store. */
export async function importLegacyTasks(target: ImportTarget, sourceUrl: string, options: { dryRun: boolean }): Promise<ImportReport> {
  const source = await PostgresDatabase.connect(sourceUrl, { maxConnections: 1, sessionReadOnly: true, applicationName: 'data-pipeline import' });
  let rows: { tasks: Row[]; steps: Row[] };
  try {
    rows = await readSource(source);
  } finally {
    await source.close();
  }
  const report: ImportReport = { source: describeUrl(sourceUrl), dry_run: options.dryRun, imported: [], already_present: [], skipped: [], files_cleaned: [] };
  const valid = rows.tasks.filter((row) => {
    const id = String(row.task_id);
    try {
      assertTaskId(id);
      return true;
    } catch (error) {
      // The reason as the id check gives it: invalid, or reserved (`vector_bak`).
      report.skipped.push({ task_id: id, reason: error instanceof PathConfinementError ? error.reason : String(error) });
      return false;
    }
  });
  const known = await target.store.knownTaskIds(valid.map((row) => String(row.task_id)));
  const stepsByTask = new Map<string, Row[]>();
  for (const step of rows.steps) stepsByTask.set(String(step.task_id), [...(stepsByTask.get(String(step.task_id)) ?? []), step]);
  for (const row of valid) {
    const taskId = String(row.task_id);
    const connection = objectOf(row.parameters)?.db_connection;
    const secrets = connectionSecrets(typeof connection === 'string' ? connection : null);
    const mask = secretMasker(secrets);
    const steps = (stepsByTask.get(taskId) ?? []).map((s) => stepOf(s, mask));
    const task = taskOf(row, steps, target.defaultConnection, mask);
    if (options.dryRun) {
      (known.has(taskId) ? report.already_present : report.imported).push(taskId);
      continue;
    }
    // A folder of the task here is cleaned before the record exists, as adoption does.
    if (await target.dataRoot.exists(taskId)) {
      const dir = await target.dataRoot.taskDir(taskId);
      report.files_cleaned.push(...(await maskFolderSecrets(dir, secrets)).map((file) => `${taskId}/${file}`));
    }
    if (known.has(taskId) || !(await target.store.recordTask(task))) report.already_present.push(taskId);
    else report.imported.push(taskId);
  }
  return report;
}

/** The import into this process's configured store and data root (what the CLI runs). */
export async function importIntoConfiguredStore(settings: Settings, sourceUrl: string, options: { dryRun: boolean }): Promise<ImportReport> {
  let db: SqlDatabase;
  try {
    db = await openStoreDatabase(settings.storeUrl, settings.embeddedStoreDir);
  } catch (error) {
    if (!(error instanceof StoreInUseError)) throw error;
    throw new ImportSourceError(`a server holds the embedded task store (${error.message}); stop it and import, then start it again`);
  }
  try {
    await migrate(db);
    const target = { store: new TaskStore(db, 0), dataRoot: await DataRoot.open(settings.trainingDataDir), defaultConnection: settings.server.defaultDbUrl };
    return await importLegacyTasks(target, sourceUrl, options);
  } finally {
    await db.close();
  }
}
