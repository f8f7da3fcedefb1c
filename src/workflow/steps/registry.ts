/**
 * The step registry's implementation half (see `catalog.ts` for what each step is): each step's
 * run function (its module loaded when the step runs), and how each kind of input is found in a task directory, from which every step's
 * prerequisites follow. Typed by the catalog's names, so a step listed there without a run
 * function here, or an input without its check, does not compile.
 */
import type { TaskDirectory } from '../../task-directory/task-dir.js';
import { newestPairFile, readTableFiles, TABLE_LIST_FILE } from '../../task-directory/task-files.js';
import type { StepFunction } from '../step-context.js';
import { stepInfo, type StepInput, type StepName } from './catalog.js';

/** Loads a step's module when the step runs (a run of one step does not load the others). */
type StepLoader = () => Promise<StepFunction>;

export const STEP_RUNNERS: Readonly<Record<StepName, StepLoader>> = {
  ddl_generation: async () => (await import('./ddl-generation.js')).ddlGeneration,
  qa_generation: async () => (await import('./qa-generation.js')).qaGeneration,
  sql_validation: async () => (await import('./sql-validation.js')).sqlValidation,
  training_load: async () => (await import('./training-load.js')).trainingLoad,
};

/** What a prerequisite check may depend on besides the directory. */
export interface InputOptions {
  /** Only the vector table operations were asked for: nothing needs to be loaded. */
  skip_training?: boolean;
}

/** Why an input is missing (what to do about it), or undefined when it is there. */
type InputCheck = (dir: TaskDirectory | undefined, options: InputOptions) => Promise<string | undefined>;

/** Tables listed in filename_mapping.txt whose .ddl and _detail.md are both present. */
async function documentedTables(dir: TaskDirectory): Promise<number> {
  let present = 0;
  for (const t of await readTableFiles(dir)) if ((await dir.exists(t.ddl)) && (await dir.exists(t.md))) present += 1;
  return present;
}

const NO_DIRECTORY = 'the task directory does not exist yet: run ddl_generation first';

const INPUT_CHECKS: Readonly<Record<StepInput, InputCheck>> = {
  table_list: async (dir) =>
    dir && (await dir.exists(TABLE_LIST_FILE)) ? undefined : `no ${TABLE_LIST_FILE}: upload one (POST …/upload-table-list) or send names (POST …/table-list)`,
  table_docs: async (dir) => {
    if (!dir) return NO_DIRECTORY;
    return (await documentedTables(dir)) > 0 ? undefined : 'no .ddl/_detail.md files listed in filename_mapping.txt: run ddl_generation first';
  },
  pair_file: async (dir) => {
    if (!dir) return NO_DIRECTORY;
    return (await newestPairFile(dir)) ? undefined : 'no qs_*_pair.json file: run qa_generation first';
  },
  training_documents: async (dir, options) => {
    // With skip_training only the vector table operations run: nothing needs to be there.
    if (options.skip_training) return undefined;
    if (!dir) return NO_DIRECTORY;
    const docs = (await documentedTables(dir)) > 0 || (await dir.fileNames((n) => n.endsWith('.ddl') || n.endsWith('.md'))).length > 0;
    return docs || (await newestPairFile(dir)) ? undefined : 'nothing to load: no .ddl, .md or qs_*_pair.json file; run the earlier steps first';
  },
};

/** The reasons `step` cannot run on `dir` yet (empty when it can): its inputs that are missing. */
export async function missingPrerequisites(dir: TaskDirectory | undefined, step: StepName, options: InputOptions = {}): Promise<string[]> {
  const missing: string[] = [];
  for (const input of stepInfo(step).inputs) {
    const reason = await INPUT_CHECKS[input](dir, options);
    if (reason) missing.push(reason);
  }
  return missing;
}
