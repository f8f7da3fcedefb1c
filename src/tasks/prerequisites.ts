/** What must be in a task directory before a step can run; checked before an execute is accepted. */
import type { TaskDirectory } from '../workflow/task-dir.js';
import { newestPairFile, readTableFiles, TABLE_LIST_FILE } from '../workflow/task-files.js';
import type { StepName } from '../workflow/workflow-types.js';

/** The reasons `step` cannot run on `dir` yet (empty when it can). */
export async function missingPrerequisites(
  dir: TaskDirectory | undefined,
  step: StepName,
  options: { skipTraining?: boolean } = {},
): Promise<string[]> {
  const hasTableList = dir ? await dir.exists(TABLE_LIST_FILE) : false;
  if (step === 'ddl_generation') {
    return hasTableList ? [] : [`no ${TABLE_LIST_FILE}: upload one (POST …/upload-table-list) or send names (POST …/table-list)`];
  }
  if (!dir) return ['the task directory does not exist yet: run ddl_generation first'];
  const tables = await readTableFiles(dir);
  const presentTables = [];
  for (const t of tables) if ((await dir.exists(t.ddl)) && (await dir.exists(t.md))) presentTables.push(t);
  if (step === 'qa_generation') {
    return presentTables.length ? [] : ['no .ddl/_detail.md files listed in filename_mapping.txt: run ddl_generation first'];
  }
  if (step === 'sql_validation') {
    return (await newestPairFile(dir)) ? [] : ['no qs_*_pair.json file: run qa_generation first'];
  }
  // training_load: something to load, unless only the vector table operations were asked for.
  if (options.skipTraining) return [];
  const hasDocs = presentTables.length > 0 || (await dir.fileNames((n) => n.endsWith('.ddl') || n.endsWith('.md'))).length > 0;
  return hasDocs || (await newestPairFile(dir)) ? [] : ['nothing to load: no .ddl, .md or qs_*_pair.json file; run the earlier steps first'];
}
