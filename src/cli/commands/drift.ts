/**
 * `data-pipeline drift --task-dir D [--db URL]`: what changed in the source database since the
 * task's files were made. Exit 0: no drift; 1: drift; 2: it could not be told.
 */
import type { Settings } from '../../config/settings.js';
import { errorMessage } from '../../errors.js';
import { openSource } from '../../source/source-database.js';
import { TaskDirectory } from '../../task-directory/task-dir.js';
import { TASK_CONFIG_FILE } from '../../task-directory/task-files.js';
import { detectDrift, type DriftReport } from '../../workflow/incremental/drift.js';
import { readStoredParameters } from '../task-config.js';

const EXIT_NO_DRIFT = 0;
const EXIT_DRIFT = 1;
const EXIT_FAILED = 2;

export interface DriftFlags {
  taskDir: string;
  db?: string;
  json?: boolean;
}

const shown = (text: string | null) => (text === null ? '(none)' : JSON.stringify(text));

/** The report as a person reads it: one block per table, + added, - removed, ~ changed. */
export function formatDrift(report: DriftReport, database: string): string {
  const since = `${report.compared_with.file}${report.compared_with.from === '.' ? '' : ` in ${report.compared_with.from}`}, written ${report.compared_with.written_at}`;
  const missing = report.tables_listed_missing.length
    ? `\nListed but not in the database (not documented then either): ${report.tables_listed_missing.join(', ')}\n`
    : '';
  if (!report.drifted) return `No drift: the ${report.tables_checked} documented table(s) of ${database} are as documented (${since}).\n${missing.trimStart()}`;
  const lines = [`Drift in ${database} since the task's files were made (${since}):`];
  for (const table of report.tables_added) lines.push(`  + table ${table} (listed, now present, not documented)`);
  for (const table of report.tables_removed) lines.push(`  - table ${table} (documented, no longer in the database)`);
  for (const t of report.tables_changed) {
    lines.push(`  ~ table ${t.table}`);
    if (t.kind_changed) lines.push(`      kind: ${t.kind_changed.before} → ${t.kind_changed.after}`);
    if (t.comment_changed) lines.push(`      comment: ${shown(t.comment_changed.before)} → ${shown(t.comment_changed.after)}`);
    for (const c of t.columns_added) lines.push(`      + column ${c.name} ${c.type}${c.not_null ? ' NOT NULL' : ''}`);
    for (const c of t.columns_removed) lines.push(`      - column ${c}`);
    for (const c of t.columns_changed) {
      const describe = (s: { type: string; not_null: boolean; default: string | null }) =>
        `${s.type}${s.not_null ? ' NOT NULL' : ''}${s.default ? ` DEFAULT ${s.default}` : ''}`;
      lines.push(`      ~ column ${c.column}: ${describe(c.before)} → ${describe(c.after)}`);
    }
    for (const c of t.column_comments_changed) lines.push(`      ~ comment of ${c.column}: ${shown(c.before)} → ${shown(c.after)}`);
    if (t.constraints_changed) lines.push('      ~ keys, constraints or view definition changed');
  }
  lines.push('Run the complete workflow again to bring the training data up to date (only what changed is regenerated).');
  return `${lines.join('\n')}\n${missing.trimStart()}`;
}

export async function driftCommand(settings: Settings, flags: DriftFlags): Promise<number> {
  let dir: TaskDirectory;
  try {
    dir = await TaskDirectory.open(flags.taskDir);
  } catch {
    process.stderr.write(`data-pipeline drift: --task-dir ${flags.taskDir}: no such task directory\n`);
    return EXIT_FAILED;
  }
  const stored = await readStoredParameters(dir);
  const db = flags.db ?? stored.connection('db_connection');
  if (!db) {
    process.stderr.write(`data-pipeline drift: no source database: pass --db (the task directory's ${TASK_CONFIG_FILE} names none)\n`);
    return EXIT_FAILED;
  }
  try {
    const source = await openSource(db, { cacheDir: settings.cacheDir, statementTimeoutMs: settings.statementTimeoutMs, maxConnections: 1 });
    try {
      const report = await detectDrift(dir, source.db, { statementTimeoutMs: settings.statementTimeoutMs });
      process.stdout.write(flags.json ? `${JSON.stringify({ database: source.displayUrl, ...report }, null, 2)}\n` : formatDrift(report, source.displayUrl));
      return report.drifted ? EXIT_DRIFT : EXIT_NO_DRIFT;
    } finally {
      await source.close();
    }
  } catch (error) {
    process.stderr.write(`data-pipeline drift: ${errorMessage(error)}\n`);
    // With --json a script reads the failure on standard output too.
    if (flags.json) process.stdout.write(`${JSON.stringify({ error: errorMessage(error) })}\n`);
    return EXIT_FAILED;
  }
}
