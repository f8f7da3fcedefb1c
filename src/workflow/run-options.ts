/**
 * The one schema of a run's options: what each is, its default, where it is given (`task`: when
 * the task is created, kept in its record; `execution`: with each execute), how people see it (the
 * console's label) and its command-line flag. Plain data with no imports, so that every edge
 * derives from it: the API's request schemas (server/schemas/options.ts), the stored parameters,
 * `task_config.json`, the CLI's flags (cli/option-flags.ts) and the console's forms.
 */

interface OptionBase {
  /** `task`: given when the task is created; `execution`: given with each run. */
  readonly scope: 'task' | 'execution';
  /** Short, for forms. */
  readonly label: string;
  /** One line, for the API documentation and the CLI's help. */
  readonly description: string;
  /** A task option an execute request may also give: it then holds for that run only. */
  readonly perRun?: boolean;
  readonly cli: {
    /** The flag; `--no-x` flags and `inverted` ones set the option to false. */
    readonly flag: string;
    readonly inverted?: boolean;
    /** Help text when it differs from the description (an inverted flag says what it does). */
    readonly help?: string;
    /** An older flag still accepted (hidden from the help): it sets the option to the other value than `flag`. */
    readonly opposite?: string;
  };
}

export interface BooleanOption extends OptionBase {
  readonly kind: 'boolean';
  readonly default: boolean;
}

export interface ChoiceOption extends OptionBase {
  readonly kind: 'choice';
  readonly choices: readonly string[];
  readonly default: string;
}

export type RunOption = BooleanOption | ChoiceOption;

export const RUN_OPTIONS = {
  language: {
    kind: 'choice',
    choices: ['en', 'zh'],
    default: 'en',
    scope: 'task',
    label: 'Language',
    description: 'language of comments, docs and questions',
    cli: { flag: '--language <language>' },
  },
  overwrite_comments: {
    kind: 'boolean',
    default: false,
    scope: 'task',
    label: 'Replace existing database comments',
    description: 'replace existing database comments with generated ones',
    cli: { flag: '--overwrite-comments' },
  },
  enable_sql_validation: {
    kind: 'boolean',
    default: true,
    scope: 'task',
    label: 'Validate the SQL of every pair',
    description: 'run sql_validation in a complete run',
    cli: { flag: '--skip-validation', inverted: true, help: 'do not run sql_validation' },
  },
  enable_llm_repair: {
    kind: 'boolean',
    default: true,
    scope: 'task',
    label: 'Ask the LLM to repair failing SQL',
    description: 'ask the LLM to repair SQL that fails validation',
    cli: { flag: '--disable-llm-repair', inverted: true, help: 'validate SQL but do not ask the LLM to repair failures' },
  },
  modify_original_file: {
    kind: 'boolean',
    default: true,
    scope: 'task',
    label: 'Write repaired SQL back to the pair file',
    description: 'rewrite the pair file with repaired SQL (after a .backup copy)',
    cli: { flag: '--no-modify-file', help: 'leave the pair file unchanged after validation' },
  },
  execute_check: {
    kind: 'boolean',
    default: true,
    scope: 'task',
    perRun: true,
    label: 'Run each valid SQL and flag empty results and unknown values',
    description:
      "run each valid SQL (read-only, rolled back, LIMIT 1, statement timeout) and flag it when it returns no row or compares a column with a value outside the column's enumeration; with an LLM, flagged pairs go to repair",
    cli: {
      flag: '--no-execute-check',
      help: 'do not run the valid SQL: no flags for empty results or values outside an enumeration',
      opposite: '--execute-check',
    },
  },
  enable_training_data_load: {
    kind: 'boolean',
    default: true,
    scope: 'task',
    label: 'Load the results into the vector store',
    description: 'run training_load in a complete run',
    cli: { flag: '--no-training', help: 'do not run training_load at all' },
  },
  backup_vector_tables: {
    kind: 'boolean',
    default: false,
    scope: 'execution',
    label: 'Back up the vector tables before loading',
    description: 'back up both vector tables to vector_bak/*.csv before loading',
    cli: { flag: '--backup-vector-tables' },
  },
  truncate_vector_tables: {
    kind: 'boolean',
    default: false,
    scope: 'execution',
    label: 'Empty the embeddings before loading (backs up first)',
    description: 'empty langchain_pg_embedding before loading (implies the backup; skipped if the backup failed)',
    cli: { flag: '--truncate-vector-tables' },
  },
  reembed: {
    kind: 'boolean',
    default: false,
    scope: 'execution',
    label: 'Re-embed the stored rows with this embedder',
    description:
      're-embed every row of the collections loaded, from its stored text, when they were made by another embedder (otherwise such a load is refused)',
    cli: { flag: '--reembed' },
  },
  use_cache: {
    kind: 'boolean',
    default: true,
    scope: 'execution',
    label: 'Reuse cached LLM answers and embeddings',
    description:
      'answer LLM calls and embeddings from the response cache when the same prompt (or text) was answered before; off: ask everything again (LLM_CACHE=off turns the cache off for good)',
    cli: { flag: '--no-cache', help: 'ask the LLM and the embedder again instead of reusing cached answers' },
  },
  skip_training: {
    kind: 'boolean',
    default: false,
    scope: 'execution',
    label: 'Only the vector table operations, no loading',
    description: 'run only the vector table operations (backup, truncate) in training_load, load nothing',
    cli: { flag: '--skip-training' },
  },
} as const satisfies Record<string, RunOption>;

export type RunOptionName = keyof typeof RUN_OPTIONS;

type ValueOf<O> = O extends { kind: 'boolean' } ? boolean : O extends { choices: readonly (infer C)[] } ? C : never;

/** Every option's value. */
export type RunOptionValues = { -readonly [K in RunOptionName]: ValueOf<(typeof RUN_OPTIONS)[K]> };

type OfScope<S> = { [K in RunOptionName]: (typeof RUN_OPTIONS)[K]['scope'] extends S ? K : never }[RunOptionName];
export type TaskOptionName = OfScope<'task'>;
export type ExecutionOptionName = OfScope<'execution'>;
export type TaskOptions = Pick<RunOptionValues, TaskOptionName>;
export type ExecutionOptions = Pick<RunOptionValues, ExecutionOptionName>;

export const RUN_OPTION_NAMES = Object.keys(RUN_OPTIONS) as RunOptionName[];
export const TASK_OPTION_NAMES = RUN_OPTION_NAMES.filter((name) => RUN_OPTIONS[name].scope === 'task') as TaskOptionName[];
export const EXECUTION_OPTION_NAMES = RUN_OPTION_NAMES.filter((name) => RUN_OPTIONS[name].scope === 'execution') as ExecutionOptionName[];

type PerRun = { [K in TaskOptionName]: (typeof RUN_OPTIONS)[K] extends { perRun: true } ? K : never }[TaskOptionName];
/** Task options an execute request may override for its run. */
export type PerRunOptionName = PerRun;
export type PerRunOverrides = Partial<Pick<TaskOptions, PerRunOptionName>>;
export const PER_RUN_OPTION_NAMES = TASK_OPTION_NAMES.filter((name) => 'perRun' in RUN_OPTIONS[name]) as PerRunOptionName[];

/** The per-run overrides present (with a valid value) in an execute request or a run's stored options. */
export function perRunOverridesOf(given: Readonly<Record<string, unknown>>): PerRunOverrides {
  const values: PerRunOverrides = {};
  for (const name of PER_RUN_OPTION_NAMES) {
    const value = given[name];
    if (typeof value === 'boolean') values[name] = value;
  }
  return values;
}

/** What a run works on besides its options. */
export interface RunTarget {
  task_id: string;
  /** `sample` or a postgresql:// URL. */
  db_connection: string;
  /** Defaults to the URL's database name. */
  db_name?: string;
  business_context: string;
  /** postgresql:// URL of the vector store; the configured store when absent. */
  vector_db?: string;
}

/** Everything a run needs to know besides settings; what `task_config.json` records. */
export type WorkflowOptions = RunTarget & RunOptionValues;

export const DEFAULT_BUSINESS_CONTEXT = 'Business database';

/** The defaults of every option. */
export function defaultRunOptions(): RunOptionValues {
  return Object.fromEntries(RUN_OPTION_NAMES.map((name) => [name, RUN_OPTIONS[name].default])) as RunOptionValues;
}

/**
 * The values given (an option given as undefined keeps its default), with the rule that ties two
 * of them: emptying the embeddings is only done after a backup, so it implies one.
 */
export function resolveRunOptions(given: Partial<RunOptionValues>): RunOptionValues {
  const values = defaultRunOptions();
  for (const name of RUN_OPTION_NAMES) {
    const value = given[name];
    if (value !== undefined) (values as Record<RunOptionName, unknown>)[name] = value;
  }
  if (values.truncate_vector_tables) values.backup_vector_tables = true;
  return values;
}

/** A run's complete options: target and options, defaults filled in. */
export function workflowOptions(target: Pick<RunTarget, 'task_id' | 'db_connection'> & Partial<RunTarget> & Partial<RunOptionValues>): WorkflowOptions {
  const { task_id, db_connection, db_name, business_context, vector_db, ...options } = target;
  return {
    task_id,
    db_connection,
    ...(db_name !== undefined ? { db_name } : {}),
    business_context: business_context ?? DEFAULT_BUSINESS_CONTEXT,
    ...(vector_db !== undefined ? { vector_db } : {}),
    ...resolveRunOptions(options),
  };
}

/**
 * The task-scope options recorded in a JSON object (`task_config.json`'s parameters, a stored
 * task): each one whose value is valid for its kind. Execution options are never taken from a
 * record: a later step run must not repeat an earlier run's truncate unasked.
 */
export function taskOptionsFromRecord(record: Record<string, unknown>): Partial<TaskOptions> {
  const values: Partial<Record<TaskOptionName, unknown>> = {};
  for (const name of TASK_OPTION_NAMES) {
    const spec: RunOption = RUN_OPTIONS[name];
    const value = record[name];
    if (spec.kind === 'boolean' ? typeof value === 'boolean' : typeof value === 'string' && spec.choices.includes(value)) values[name] = value;
  }
  return values as Partial<TaskOptions>;
}

/** The execution-scope values of a full set. */
export function executionOptionsOf(values: RunOptionValues): ExecutionOptions {
  return Object.fromEntries(EXECUTION_OPTION_NAMES.map((name) => [name, values[name]])) as ExecutionOptions;
}

/** The task-scope values of a full set. */
export function taskOptionsOf(values: RunOptionValues): TaskOptions {
  return Object.fromEntries(TASK_OPTION_NAMES.map((name) => [name, values[name]])) as TaskOptions;
}
