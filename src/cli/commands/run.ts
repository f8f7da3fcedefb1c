/** `data-pipeline run`: the reference's script mode. Writes into `<output-dir>/<task_id>`, never backs up. */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Settings } from '../../config/settings.js';
import { decodeText } from '../../util/text-encoding.js';
import { parseTableList, tableListTooLong } from '../../source/table-list.js';
import { compactTimestamp } from '../../util/time.js';
import { assertTaskId, TaskDirectory } from '../../workflow/task-dir.js';
import { TABLE_LIST_FILE } from '../../workflow/task-files.js';
import { workflowOptions, type WorkflowOptions } from '../../workflow/workflow-types.js';
import { EXIT, runAndReport } from '../run-and-report.js';

export interface RunFlags {
  db: string;
  tableList: string;
  businessContext: string;
  outputDir?: string;
  taskId?: string;
  dbName?: string;
  skipValidation?: boolean;
  disableLlmRepair?: boolean;
  modifyFile: boolean;
  executeCheck?: boolean;
  overwriteComments?: boolean;
  backupVectorTables?: boolean;
  truncateVectorTables?: boolean;
  skipTraining?: boolean;
  training: boolean;
  vectorDb?: string;
  language: 'en' | 'zh';
  json?: boolean;
  verbose?: boolean;
}

export function workflowOptionsFromFlags(taskId: string, flags: Omit<RunFlags, 'tableList' | 'outputDir' | 'taskId'>): WorkflowOptions {
  return workflowOptions({
    taskId,
    dbConnection: flags.db,
    dbName: flags.dbName,
    businessContext: flags.businessContext,
    language: flags.language,
    overwriteComments: Boolean(flags.overwriteComments),
    enableSqlValidation: !flags.skipValidation,
    enableLlmRepair: !flags.disableLlmRepair,
    modifyOriginalFile: flags.modifyFile,
    executeCheck: Boolean(flags.executeCheck),
    enableTrainingDataLoad: flags.training,
    backupVectorTables: Boolean(flags.backupVectorTables),
    truncateVectorTables: Boolean(flags.truncateVectorTables),
    skipTraining: Boolean(flags.skipTraining),
    vectorDb: flags.vectorDb,
  });
}

export async function runCommand(settings: Settings, flags: RunFlags): Promise<number> {
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
  const outputDir = path.resolve(flags.outputDir ?? settings.trainingDataDir);
  const dir = await TaskDirectory.open(path.join(outputDir, taskId), { create: true });
  await dir.writeFile(TABLE_LIST_FILE, listText);
  return runAndReport({
    dir,
    settings,
    options: workflowOptionsFromFlags(taskId, flags),
    mode: 'complete',
    output: { json: Boolean(flags.json), verbose: Boolean(flags.verbose) },
  });
}
