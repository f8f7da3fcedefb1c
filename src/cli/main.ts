/**
 * `data-pipeline`: the command line. `run` is script mode (a run without a server), `step` runs one step on
 * an existing task directory, `validate` and `load` are the existing validator's and trainer's scripts on files the user names, `pairs` reviews its question/SQL pairs, `drift` tells what changed in its database since, `eval` measures retrieval of hand-written questions, `demo` runs everything on the bundled sample database, `backups` manages a
 * task directory's backups, `store` serves, pushes or exports the training data, `import` records the existing service's tasks, `serve` starts the API.
 */
import { Command, CommanderError, Option } from 'commander';
import { BACKUP_NAME_FORM, BACKUP_PREFIX } from '../backup/backup-names.js';
import type { Settings } from '../config/settings.js';
import { RUN_OPTION_NAMES, RUN_OPTIONS, type RunOptionName } from '../workflow/run-options.js';
import { STEP_CATALOG, STEP_NAMES } from '../workflow/steps/catalog.js';
import { addDbConnectionAlias, DB_CONNECTION_FLAG, resolveDbFlag } from './db-flag.js';
import { addOptionFlags, optionValuesFromFlags } from './option-flags.js';
import { errorMessage } from '../errors.js';

/** In step mode the switches that leave a step out of a complete run mean nothing. */
const STEP_SWITCHES: readonly string[] = STEP_CATALOG.flatMap((s) => (s.switch ? [s.switch] : []));
const STEP_MODE_OPTIONS = RUN_OPTION_NAMES.filter((name) => !STEP_SWITCHES.includes(name));

/** Exit codes scripts test for (also in run-and-report.ts, which loads the engine). */
const EXIT_OK = 0;
const EXIT_FAILED = 2;

/** The options `validate` and `load` take (those of the sql_validation and training_load steps). */
const VALIDATE_OPTIONS = ['enable_llm_repair', 'modify_original_file', 'execute_check', 'use_cache'] as const satisfies readonly RunOptionName[];
const LOAD_OPTIONS = ['backup_vector_tables', 'truncate_vector_tables', 'skip_training', 'reembed', 'use_cache'] as const satisfies readonly RunOptionName[];

const LOG_FILE_FLAG = '--log-file <path>';
const LOG_FILE_HELP = "append the run's log lines to this file as well (created when missing)";

/** A usage error found after parsing (commander's own exit 2, as the scripts expect). */
function usageError(message: string): void {
  process.stderr.write(`error: ${message}\n`);
  process.exitCode = EXIT_FAILED;
}

export function buildProgram(settingsProvider: () => Promise<Settings>): Command {
  const program = new Command('data-pipeline')
    .description('Turn a PostgreSQL database into text-to-SQL training data: DDL and docs, question/SQL pairs, validated SQL, vectors.')
    .version('0.1.0')
    .showHelpAfterError()
    .exitOverride();

  const run = program
    .command('run')
    .description('run the complete workflow for a table list (script mode; never backs up task files)')
    .option('--db <url|sample>', 'source database: a postgresql:// URL, or "sample" for the bundled sample database (required; or --db-connection)')
    .requiredOption('--table-list <file>', 'file with the tables to process (one or more per line, comma-separated)')
    .requiredOption('--business-context <text>', 'what the database is about, given to the LLM')
    .option('--output-dir <dir>', 'where task directories go (default: DP_TRAINING_DATA_DIR)')
    .option('--task-id <id>', 'task id (default: manual_YYYYMMDD_HHMMSS)')
    .option('--db-name <name>', 'database name used in file names (default: from the URL)')
    .option('--vector-db <url>', 'postgresql:// URL of a pgvector database (default: the configured store)');
  addDbConnectionAlias(run);
  addOptionFlags(run)
    .addOption(new Option('--skip-training-load', "the same as --no-training (the existing script's name)").hideHelp())
    .option('--json', 'print the final summary as JSON')
    .option('-v, --verbose', 'print every log line')
    .option(LOG_FILE_FLAG, LOG_FILE_HELP)
    .action(async (opts, command: Command) => {
      const db = resolveDbFlag(opts, true);
      if (!db.ok) return usageError(db.message);
      const values = optionValuesFromFlags(command);
      if (opts.skipTrainingLoad === true) values.enable_training_data_load = false;
      // Commands load the engine on demand, so `--help` stays quick.
      const { runCommand } = await import('./commands/run.js');
      process.exitCode = await runCommand(await settingsProvider(), { ...opts, db: db.db }, values);
    });

  const step = program
    .command('step')
    .description('run one step on an existing task directory')
    .argument('<step_name>', STEP_NAMES.join(' | '))
    .requiredOption('--task-dir <dir>', 'the task directory')
    .option('--db <url|sample>', 'source database (default: from task_config.json)')
    .option('--business-context <text>', 'business context (default: from task_config.json)')
    .option('--db-name <name>', 'database name used in file names')
    .option('--vector-db <url>', 'postgresql:// URL of a pgvector database');
  addDbConnectionAlias(step);
  // Options a step reads; a flag not given keeps the value task_config.json records.
  addOptionFlags(step, STEP_MODE_OPTIONS, 'none')
    .option('--json', 'print the result as JSON')
    .option('-v, --verbose', 'print every log line')
    .option(LOG_FILE_FLAG, LOG_FILE_HELP)
    .action(async (stepName: string, opts, command: Command) => {
      const db = resolveDbFlag(opts, false);
      if (!db.ok) return usageError(db.message);
      const { stepCommand } = await import('./commands/step.js');
      process.exitCode = await stepCommand(await settingsProvider(), stepName, { ...opts, db: db.db }, optionValuesFromFlags(command, STEP_MODE_OPTIONS));
    });

  const validate = program
    .command('validate')
    .description('validate the SQL of a pair file, as the existing validator CLI (exit 0: at least 90% valid, 1: at least 70%, 2: below or failure)')
    .option('--input-file <pair.json>', 'the pair file to validate (a JSON array of {"question", "sql"}), anywhere')
    .option('--task-id <id>', 'or: the newest pair file of this task under DP_TRAINING_DATA_DIR')
    .option('--db <url|sample>', 'source database (required; or --db-connection; with --task-id default: from its task_config.json)')
    .option('--output-dir <dir>', "where the reports go (default: the pair file's directory)")
    .option('--dry-run', 'validate and write the reports, but change no file (no rewrite, no .backup, no modifications log)')
    .option('--max-concurrent <n>', 'statements validated at once (default: DP_SQL_CONCURRENCY)')
    .option('--timeout <seconds>', 'statement timeout of each check (default: DP_STATEMENT_TIMEOUT_MS)')
    .addOption(new Option('--save-json', 'accepted for the existing CLI: the JSON report is always written').hideHelp())
    .addOption(new Option('--enable-llm-repair', 'accepted for the existing CLI: repair is on unless --disable-llm-repair').hideHelp())
    .addOption(new Option('--modify-original-file', 'accepted for the existing CLI: the file is rewritten unless --no-modify-file or --dry-run').hideHelp());
  addDbConnectionAlias(validate);
  addOptionFlags(validate, VALIDATE_OPTIONS, 'none')
    .option('--json', 'print the result as JSON')
    .option('-v, --verbose', 'print every log line')
    .option(LOG_FILE_FLAG, LOG_FILE_HELP)
    .addHelpText(
      'after',
      '\nThe reports (sql_validation_<ts>_report.json, _summary.log) go to --output-dir, else next to the pair file;\nwithout --dry-run or --no-modify-file the pair file is rewritten in place after a <file>.backup copy.',
    )
    .action(async (opts, command: Command) => {
      const { validateCommand } = await import('./commands/validate.js');
      process.exitCode = await validateCommand(await settingsProvider(), opts, optionValuesFromFlags(command, VALIDATE_OPTIONS));
    });

  const load = program
    .command('load')
    .description("load every training file of a directory into the vector store, as the existing trainer's --data_path (.ddl, .md, *_pair.json, *_pair.sql)")
    .option('--data-path <dir>', 'the directory (its top level only; required)')
    .addOption(new Option('--data_path <dir>', "the same as --data-path (the existing trainer's name)").hideHelp())
    .option('--db <url|sample>', "source database the training data belongs to (default: from the directory's task_config.json)")
    .option('--task-id <id>', "task id the rows are kept under (default: the directory's name)")
    .option('--vector-db <url>', 'postgresql:// URL of a pgvector database (default: the configured store)');
  addDbConnectionAlias(load);
  addOptionFlags(load, LOAD_OPTIONS, 'none')
    .option('--json', 'print the result as JSON')
    .option('-v, --verbose', 'print every log line')
    .option(LOG_FILE_FLAG, LOG_FILE_HELP)
    .action(async (opts, command: Command) => {
      const { loadCommand } = await import('./commands/load.js');
      process.exitCode = await loadCommand(await settingsProvider(), opts, optionValuesFromFlags(command, LOAD_OPTIONS));
    });

  program
    .command('pairs')
    .description("review a task's question/SQL pairs before loading: list, add, edit, approve, reject, delete, validate, undo")
    .argument('<action>', 'list | add | edit | approve | reject | delete | validate | undo')
    .argument('[pair_id]', 'the pair (edit, approve, reject, delete, validate)')
    .requiredOption('--task-dir <dir>', 'the task directory')
    .option('--question <text>', 'add, edit: the question')
    .option('--sql <text>', 'add, edit: the SQL')
    .option('--by <name>', 'who makes the change (kept in pairs_history.json)')
    .option('--review <state>', 'list: only approved, rejected or none (unreviewed)')
    .option('--db <url|sample>', 'validate: source database (default: from task_config.json)')
    .option(DB_CONNECTION_FLAG, 'the same as --db')
    .option('--json', 'print JSON')
    .addHelpText('after', '\nRejected pairs stay in the pair file and are never loaded. validate exits 1 when the SQL is invalid.')
    .action(async (action: string, pairId: string | undefined, opts) => {
      const db = resolveDbFlag(opts, false);
      if (!db.ok) return usageError(db.message);
      const { pairsCommand } = await import('./commands/pairs.js');
      process.exitCode = await pairsCommand(await settingsProvider(), action, pairId, { ...opts, db: db.db });
    });

  program
    .command('drift')
    .description("what changed in the source database since a task's files were made (exit 0: none, 1: drift, 2: error)")
    .requiredOption('--task-dir <dir>', 'the task directory')
    .option('--db <url|sample>', 'source database (default: from task_config.json)')
    .option(DB_CONNECTION_FLAG, 'the same as --db')
    .option('--json', 'print the report as JSON')
    .action(async (opts) => {
      const db = resolveDbFlag(opts, false);
      if (!db.ok) return usageError(db.message);
      const { driftCommand } = await import('./commands/drift.js');
      process.exitCode = await driftCommand(await settingsProvider(), { ...opts, db: db.db });
    });

  program
    .command('eval')
    .description('table recall@k of questions people wrote, over the DDL and documentation a task loaded into the vector store')
    .requiredOption('--task-dir <dir>', 'the task directory (loaded by training_load)')
    .requiredOption('--questions <file>', 'JSON Lines: {"question": "...", "tables": ["orders", "hr.employees"]} per line')
    .option('--k <n>', 'rows retrieved per question (1-100)', '5')
    .option('--vector-db <url>', 'postgresql:// URL of a pgvector database (default: task_config.json, else the configured store)')
    .option('--json', 'print the report as JSON')
    .action(async (opts) => {
      const { evalCommand } = await import('./commands/eval.js');
      process.exitCode = await evalCommand(await settingsProvider(), opts);
    });

  program
    .command('demo')
    .description('run the complete workflow on the bundled sample database with the embedded defaults')
    .option('--output-dir <dir>', 'where the task directory goes (default: DP_TRAINING_DATA_DIR)')
    .addOption(
      new Option(RUN_OPTIONS.language.cli.flag, RUN_OPTIONS.language.description)
        .choices([...RUN_OPTIONS.language.choices])
        .default(RUN_OPTIONS.language.default),
    )
    .option('--json', 'print the final summary as JSON')
    .option('--verbose', 'print every log line')
    .action(async (opts) => {
      const { demoCommand } = await import('./commands/demo.js');
      process.exitCode = await demoCommand(await settingsProvider(), opts);
    });

  program
    .command('backups')
    .description(`the file backups of a task directory (${BACKUP_PREFIX}*): list, show, diff, restore, delete`)
    .argument('<action>', 'list | show | diff | restore | delete')
    .argument('[backup_name]', `${BACKUP_NAME_FORM} (all actions but list)`)
    .requiredOption('--task-dir <dir>', 'the task directory')
    .option('--json', 'print the result as JSON')
    .option('--yes', 'confirm a delete')
    .addHelpText(
      'after',
      '\nrestore first backs up the current files (trigger "restore"), then copies the backup back; the backup stays.\nrestore and delete take the task\'s claim in the configured store, like the API: refused while a run holds it,\nor while a server holds the embedded store (then use the API).',
    )
    .action(async (action: string, backupName: string | undefined, opts) => {
      const { backupsCommand } = await import('./commands/backups.js');
      process.exitCode = await backupsCommand(await settingsProvider(), action, backupName, opts);
    });

  program
    .command('store')
    .description('the training data for its consumers: serve the embedded store over PostgreSQL, push it to pgvector, export pairs')
    .argument('<action>', 'serve | push | export')
    .option('--host <host>', 'serve: address to bind', '127.0.0.1')
    .option('--port <port>', 'serve: port to listen on (0: any free port)', '5433')
    .option('--max-connections <n>', 'serve: clients connected at once (they share one PGlite session, so keep transactions short)', '1')
    .option('--to <url>', 'push: postgresql:// URL of the pgvector database to copy the store into')
    .option('--format <format>', 'export: jsonl (one chat example per pair)', 'jsonl')
    .option('--db <key>', 'export: only the pairs of this database (host:port/database, as GET /vector/stats lists)')
    .option('--task <id>', 'export: only the pairs loaded by this task')
    .option('--out <file>', 'export: the file to write, - for standard output', '-')
    .option('--json', 'print the result as JSON')
    .addHelpText(
      'after',
      '\nserve serves a copy of the training data taken when it starts (the store is read once: stop a server holding the embedded\nstore first); what clients write to it is not kept. push makes the target hold exactly the rows of the databases the\nstore has (vectors copied, not recomputed) and leaves rows of other databases alone.',
    )
    .action(async (action: string, opts) => {
      const { storeCommand } = await import('./commands/store.js');
      process.exitCode = await storeCommand(await settingsProvider(), action, opts);
    });

  program
    .command('import')
    .description("record the existing service's tasks and steps (its data_pipeline_tasks tables) in the task store, idempotently")
    .requiredOption('--from <url>', "postgresql:// URL of the existing service's database holding data_pipeline_tasks and data_pipeline_task_steps")
    .option('--dry-run', 'say what would be imported, write nothing')
    .option('--json', 'print the report as JSON')
    .action(async (opts) => {
      const { importCommand } = await import('./commands/import.js');
      process.exitCode = await importCommand(await settingsProvider(), opts);
    });

  program
    .command('serve')
    .description('start the REST API and task runner (HOST, PORT, API_TOKEN, DP_STORE_URL…)')
    .option('--port <port>', 'port to listen on (default: PORT, 8084)')
    .option('--host <host>', 'address to bind (default: HOST, 127.0.0.1)')
    .action(async (opts) => {
      const { serveCommand } = await import('./commands/serve.js');
      process.exitCode = await serveCommand(await settingsProvider(), opts);
    });

  return program;
}

export async function main(argv: string[]): Promise<number> {
  // Settings (and zod, which checks them) are loaded by the commands that need them: --help stays quick.
  let settings: Promise<Settings> | undefined;
  const program = buildProgram(() => {
    settings ??= import('../config/settings.js').then(({ loadSettings }) => loadSettings());
    return settings;
  });
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT_OK;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version are not errors; usage errors exit 2, as Python's argparse did for the scripts that call us.
      return error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help' ? EXIT_OK : EXIT_FAILED;
    }
    if (error instanceof Error && error.name === 'SettingsError') {
      process.stderr.write(`${error.message}\n`);
      return EXIT_FAILED;
    }
    process.stderr.write(`data-pipeline: ${errorMessage(error)}\n`);
    return EXIT_FAILED;
  }
}

// Output piped into a command that stops reading early (`| head`) is not an error of ours.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});

process.exitCode = await main(process.argv);
