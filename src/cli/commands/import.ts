/**
 * `data-pipeline import --from <postgresql url>`: the existing service's tasks and steps (its
 * `data_pipeline_tasks` and `data_pipeline_task_steps` tables) recorded in the configured store.
 * Running it again imports nothing new and says so.
 */
import type { Settings } from '../../config/settings.js';
import { AppError, errorMessage } from '../../errors.js';
import { ImportSourceError, importIntoConfiguredStore, type ImportReport } from '../../services/import-tasks.js';
import { connectionUrlProblem } from '../../util/connection-url.js';
import { connectionSecrets, redactSecrets } from '../../util/redact.js';

const EXIT_OK = 0;
const EXIT_FAILED = 2;

export interface ImportFlags {
  from?: string;
  dryRun?: boolean;
  json?: boolean;
}

function describe(report: ImportReport): string {
  const verb = report.dry_run ? 'would import' : 'imported';
  const lines = [`${verb} ${report.imported.length}, already present ${report.already_present.length} (from ${report.source})`];
  if (report.imported.length > 0) lines.push(`  ${verb}: ${report.imported.join(', ')}`);
  if (report.already_present.length > 0) lines.push(`  already present (left as they are): ${report.already_present.join(', ')}`);
  for (const skipped of report.skipped) lines.push(`  skipped ${JSON.stringify(skipped.task_id)}: ${skipped.reason}`);
  if (report.files_cleaned.length > 0)
    lines.push(`  passwords masked in ${report.files_cleaned.length} file(s) of task folders found here: ${report.files_cleaned.join(', ')}`);
  if (report.dry_run) lines.push('  (dry run: nothing was written)');
  return `${lines.join('\n')}\n`;
}

export async function importCommand(settings: Settings, flags: ImportFlags): Promise<number> {
  const from = flags.from ?? '';
  const problem = connectionUrlProblem(from, { sample: false });
  if (problem) {
    process.stderr.write(
      `data-pipeline import: --from ${problem}; expected postgresql://user:password@host:5432/database, the existing service's database holding data_pipeline_tasks\n`,
    );
    return EXIT_FAILED;
  }
  try {
    const report = await importIntoConfiguredStore(settings, from, { dryRun: Boolean(flags.dryRun) });
    process.stdout.write(flags.json ? `${JSON.stringify(report)}\n` : describe(report));
    return EXIT_OK;
  } catch (error) {
    // Known failures say what to do; anything else is masked of the source's password before it is printed.
    const message = error instanceof ImportSourceError || error instanceof AppError ? error.message : errorMessage(error);
    process.stderr.write(`data-pipeline import: ${redactSecrets(message, connectionSecrets(from))}\n`);
    return EXIT_FAILED;
  }
}
