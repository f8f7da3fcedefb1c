/** `data-pipeline run`: script mode. Writes into `<output-dir>/<task_id>`, never backs up. */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Settings } from '../../config/settings.js';
import { decodeText } from '../../util/text-encoding.js';
import { parseTableList, tableListTooLong } from '../../source/table-list.js';
import { compactTimestamp } from '../../util/time.js';
import { connectionUrlProblem } from '../../util/connection-url.js';
import { assertTaskId, TaskDirectory } from '../../task-directory/task-dir.js';
import { TABLE_LIST_FILE } from '../../task-directory/task-files.js';
import { workflowOptions, type RunOptionValues } from '../../workflow/run-options.js';
import { EXIT, runAndReport, storeHeldProblem } from '../run-and-report.js';

/** The flags of `run` besides the run options (those come from the options schema). */
export interface RunFlags {
  db: string;
  tableList: string;
  businessContext: string;
  outputDir?: string;
  taskId?: string;
  dbName?: string;
  vectorDb?: string;
  json?: boolean;
  verbose?: boolean;
  /** Where the run's log lines are appended too (`--log-file`). */
  logFile?: string;
}

/**
 * Why `--db` / `--vector-db` cannot be used, or undefined. Checked before anything is written: a
 * connection string that does not parse would be written to task_config.json with a password
 * that masking cannot find. The message never quotes the value.
 */
export function connectionFlagsProblem(flags: Pick<RunFlags, 'db' | 'vectorDb'>): string | undefined {
  const db = connectionUrlProblem(flags.db, { sample: true, hostParameter: true });
  if (db) return `--db ${db}`;
  const vector = flags.vectorDb === undefined ? undefined : connectionUrlProblem(flags.vectorDb, { sample: false, hostParameter: true });
  return vector ? `--vector-db ${vector}` : undefined;
}

export async function runCommand(settings: Settings, flags: RunFlags, optionValues: Partial<RunOptionValues>): Promise<number> {
  const connectionProblem = connectionFlagsProblem(flags);
  if (connectionProblem) {
    process.stderr.write(`data-pipeline: ${connectionProblem}\n`);
    return EXIT.failed;
  }
  let listBytes: Buffer;
  try {
    listBytes = await fs.readFile(flags.tableList);
  } catch (error) {
    process.stderr.write(`data-pipeline: cannot read the table list ${flags.tableList}: ${(error as Error).message}\n`);
    return EXIT.lowRateOrNoTableList;
  }
  const listText = decodeText(listBytes).text;
  const tooLong = tableListTooLong(parseTableList(listText), settings.maxTables);
  if (tooLong) {
    process.stderr.write(`data-pipeline: the table list ${flags.tableList} ${tooLong}\n`);
    return EXIT.lowRateOrNoTableList;
  }
  const taskId = flags.taskId ?? `manual_${compactTimestamp()}`;
  assertTaskId(taskId);
  const options = workflowOptions({
    task_id: taskId,
    db_connection: flags.db,
    db_name: flags.dbName,
    business_context: flags.businessContext,
    vector_db: flags.vectorDb,
    ...optionValues,
  });
  // training_load comes last: an embedded store another process holds (a running server) is said
  // now, before the other steps' work, not when the run reaches it.
  const held = await storeHeldProblem(settings, options);
  if (held) {
    process.stderr.write(`data-pipeline: ${held}; or run with --no-training\n`);
    return EXIT.failed;
  }
  const outputDir = path.resolve(flags.outputDir ?? settings.trainingDataDir);
  const dir = await TaskDirectory.open(path.join(outputDir, taskId), { create: true });
  await dir.writeFile(TABLE_LIST_FILE, listText);
  return runAndReport({
    dir,
    settings,
    options,
    mode: 'complete',
    output: { json: Boolean(flags.json), verbose: Boolean(flags.verbose) },
    ...(flags.logFile !== undefined ? { logFile: flags.logFile } : {}),
  });
}
