/**
 * What the pipeline's steps are, in run order: the first half of the step registry, plain data
 * with no imports, so the API's schemas, the CLI's help and the web console can all read it. The
 * other half, `registry.ts`, binds each name to its run function and checks its inputs; the
 * compiler makes both halves name the same steps.
 *
 * Adding a step: an entry here, its implementation in `registry.ts` (the compiler asks for it), the
 * step's module in this folder, and its test. Orchestration, prerequisites, the task's status, the
 * store's step rows (existing tasks included), the API's enums and documentation, the CLI and the
 * console's labels all follow from these two lists.
 */

/** Something a step reads from the task directory; `registry.ts` knows how to check it is there. */
export type StepInput = 'table_list' | 'table_docs' | 'pair_file' | 'training_documents';

/** A run option that can leave a step out of a complete run. */
export type StepSwitch = 'enable_sql_validation' | 'enable_training_data_load';

export interface StepInfo {
  readonly name: string;
  /** What people read: the console's timeline and summaries; `short` for tight places (the task list's pills). */
  readonly labels: { readonly en: string; readonly zh: string; readonly short: string };
  readonly summary: string;
  /** What it needs in the task directory before it can run (its prerequisites). */
  readonly inputs: readonly StepInput[];
  /** The files it writes, as people see them in the task directory. */
  readonly outputs: readonly string[];
  /** The option that turns it off in a complete run; null: it always runs. */
  readonly switch: StepSwitch | null;
  /**
   * Its part in a task's status after single-step runs: a task is completed once every `required`
   * step and at least one `finishing` step have completed.
   */
  readonly role: 'required' | 'finishing';
}

export const STEP_CATALOG = [
  {
    name: 'ddl_generation',
    labels: { en: 'DDL and table docs', zh: 'DDL 与表文档', short: 'DDL' },
    summary: 'for each listed table, a .ddl file and a _detail.md document with generated comments',
    inputs: ['table_list'],
    outputs: ['<table>.ddl', '<table>_detail.md', 'filename_mapping.txt', 'comments.sql'],
    switch: null,
    role: 'required',
  },
  {
    name: 'qa_generation',
    labels: { en: 'Question/SQL pairs', zh: '问答对生成', short: 'Q&A' },
    summary: 'analysis themes, then question/SQL pairs per theme, and the metadata files',
    inputs: ['table_docs'],
    outputs: ['qs_<db>_<ts>_pair.json', 'metadata.txt', 'metadata_detail.md', 'db_query_decision_prompt.txt'],
    switch: null,
    role: 'required',
  },
  {
    name: 'sql_validation',
    labels: { en: 'SQL validation and repair', zh: 'SQL 验证与修复', short: 'SQL' },
    summary: 'every SQL checked against the database (EXPLAIN, read-only), failures repaired by the LLM',
    inputs: ['pair_file'],
    outputs: ['sql_validation_<ts>_summary.log', 'sql_validation_<ts>_report.json', '<pair file>.backup', 'file_modifications_<ts>.log'],
    switch: 'enable_sql_validation',
    role: 'finishing',
  },
  {
    name: 'training_load',
    labels: { en: 'Vector store load', zh: '向量库加载', short: 'Load' },
    summary: 'DDL, documentation and pairs embedded and loaded into the pgvector store',
    inputs: ['training_documents'],
    outputs: ['training_load_<ts>.log', 'vector_bak/'],
    switch: 'enable_training_data_load',
    role: 'finishing',
  },
] as const satisfies readonly StepInfo[];

export type StepName = (typeof STEP_CATALOG)[number]['name'];

export const STEP_NAMES: readonly StepName[] = STEP_CATALOG.map((step) => step.name);

export function isStepName(value: string): value is StepName {
  return (STEP_NAMES as readonly string[]).includes(value);
}

export function stepInfo(name: StepName): StepInfo {
  return STEP_CATALOG.find((step) => step.name === name) as StepInfo;
}

/** The steps a complete run executes, in order: all but those switched off. */
export function stepsOfCompleteRun(switches: Record<StepSwitch, boolean>): StepName[] {
  return STEP_CATALOG.filter((step) => step.switch === null || switches[step.switch]).map((step) => step.name);
}
