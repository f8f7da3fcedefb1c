/**
 * `data-pipeline`: the command line. `run` is the reference's script mode, `step` runs one step on
 * an existing task directory, `demo` runs everything on the bundled sample database.
 */
import { Command, CommanderError, Option } from 'commander';
import { loadSettings, SettingsError, type Settings } from '../config/settings.js';

/** The reference's exit codes (also in run-and-report.ts, which loads the engine). */
const EXIT_OK = 0;
const EXIT_FAILED = 2;

export function buildProgram(settingsProvider: () => Settings): Command {
  const program = new Command('data-pipeline')
    .description('Turn a PostgreSQL database into text-to-SQL training data: DDL and docs, question/SQL pairs, validated SQL, vectors.')
    .version('0.1.0')
    .showHelpAfterError()
    .exitOverride();

  const language = () => new Option('--language <language>', 'language of comments, docs and questions').choices(['en', 'zh']).default('en');

  program
    .command('run')
    .description('run the complete workflow for a table list (script mode; never backs up task files)')
    .requiredOption('--db <url|sample>', 'source database: a postgresql:// URL, or "sample" for the bundled sample database')
    .requiredOption('--table-list <file>', 'file with the tables to process (one or more per line, comma-separated)')
    .requiredOption('--business-context <text>', 'what the database is about, given to the LLM')
    .option('--output-dir <dir>', 'where task directories go (default: DP_TRAINING_DATA_DIR)')
    .option('--task-id <id>', 'task id (default: manual_YYYYMMDD_HHMMSS)')
    .option('--db-name <name>', 'database name used in file names (default: from the URL)')
    .option('--skip-validation', 'do not run sql_validation')
    .option('--disable-llm-repair', 'validate SQL but do not ask the LLM to repair failures')
    .option('--no-modify-file', 'leave the pair file unchanged after validation')
    .option('--execute-check', 'also run each valid SQL with LIMIT 1 and flag empty results')
    .option('--overwrite-comments', 'replace existing database comments with generated ones')
    .option('--backup-vector-tables', 'back up the vector tables to vector_bak/ before loading')
    .option('--truncate-vector-tables', 'empty langchain_pg_embedding before loading (implies the backup)')
    .option('--skip-training', 'only the vector table operations, no loading')
    .option('--no-training', 'do not run training_load at all')
    .option('--vector-db <url>', 'postgresql:// URL of a pgvector database (default: the configured store)')
    .addOption(language())
    .option('--json', 'print the final summary as JSON')
    .option('--verbose', 'print every log line')
    .action(async (opts) => {
      // Commands load the engine on demand, so `--help` stays quick.
      const { runCommand } = await import('./commands/run.js');
      process.exitCode = await runCommand(settingsProvider(), opts);
    });

  program
    .command('step')
    .description('run one step on an existing task directory')
    .argument('<step_name>', 'ddl_generation | qa_generation | sql_validation | training_load')
    .requiredOption('--task-dir <dir>', 'the task directory')
    .option('--db <url|sample>', 'source database (default: from task_config.json)')
    .option('--business-context <text>', 'business context (default: from task_config.json)')
    .option('--db-name <name>', 'database name used in file names')
    .option('--disable-llm-repair', 'validate SQL but do not repair')
    .option('--no-modify-file', 'leave the pair file unchanged')
    .option('--execute-check', 'also run each valid SQL with LIMIT 1')
    .option('--overwrite-comments', 'replace existing database comments')
    .option('--backup-vector-tables', 'back up the vector tables first')
    .option('--truncate-vector-tables', 'empty langchain_pg_embedding first (implies the backup)')
    .option('--skip-training', 'only the vector table operations')
    .option('--vector-db <url>', 'postgresql:// URL of a pgvector database')
    .addOption(new Option('--language <language>', 'output language (default: from task_config.json, else en)').choices(['en', 'zh']))
    .option('--json', 'print the result as JSON')
    .option('--verbose', 'print every log line')
    .action(async (stepName: string, opts) => {
      const { stepCommand } = await import('./commands/step.js');
      process.exitCode = await stepCommand(settingsProvider(), stepName, opts);
    });

  program
    .command('demo')
    .description('run the complete workflow on the bundled sample database with the embedded defaults')
    .option('--output-dir <dir>', 'where the task directory goes (default: DP_TRAINING_DATA_DIR)')
    .addOption(language())
    .option('--json', 'print the final summary as JSON')
    .option('--verbose', 'print every log line')
    .action(async (opts) => {
      const { demoCommand } = await import('./commands/demo.js');
      process.exitCode = await demoCommand(settingsProvider(), opts);
    });

  program
    .command('backups')
    .description("the file backups of a task directory (file_bak_*): list, show, diff, restore, delete")
    .argument('<action>', 'list | show | diff | restore | delete')
    .argument('[backup_name]', 'file_bak_YYYYMMDD_HHMMSS[_N] (all actions but list)')
    .requiredOption('--task-dir <dir>', 'the task directory')
    .option('--json', 'print the result as JSON')
    .option('--yes', 'confirm a delete')
    .addHelpText(
      'after',
      '\nrestore first backs up the current files (trigger "restore"), then copies the backup back; the backup stays.\nUse it on a directory no server is running a task in (through the API, restores wait for the run).',
    )
    .action(async (action: string, backupName: string | undefined, opts) => {
      const { backupsCommand } = await import('./commands/backups.js');
      process.exitCode = await backupsCommand(action, backupName, opts);
    });

  program
    .command('serve')
    .description('start the REST API and task runner (HOST, PORT, API_TOKEN, DP_STORE_URL…)')
    .option('--port <port>', 'port to listen on (default: PORT, 8084)')
    .option('--host <host>', 'address to bind (default: HOST, 127.0.0.1)')
    .action(async (opts) => {
      const { serveCommand } = await import('./commands/serve.js');
      process.exitCode = await serveCommand(settingsProvider(), opts);
    });

  return program;
}

export async function main(argv: string[]): Promise<number> {
  let settings: Settings | undefined;
  const program = buildProgram(() => {
    settings ??= loadSettings();
    return settings;
  });
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT_OK;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version are not errors; usage errors exit 2 like the reference's argparse.
      return error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help' ? EXIT_OK : EXIT_FAILED;
    }
    if (error instanceof SettingsError) {
      process.stderr.write(`${error.message}\n`);
      return EXIT_FAILED;
    }
    process.stderr.write(`data-pipeline: ${error instanceof Error ? error.message : String(error)}\n`);
    return EXIT_FAILED;
  }
}

process.exitCode = await main(process.argv);
