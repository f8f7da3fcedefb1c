/** Task records for tests that use the store directly (no HTTP). */
import type { NewTask } from '../../src/tasks/store/task-store.js';
import { defaultRunOptions, executionOptionsOf, taskOptionsOf } from '../../src/workflow/run-options.js';

/** A task on the sample database with the default parameters. */
export function newTask(id: string): NewTask {
  return {
    task_id: id,
    task_name: id,
    db_connection: 'sample',
    db_name: 'x',
    business_context: 'x',
    created_by: null,
    parameters: { ...taskOptionsOf(defaultRunOptions()), table_list_file: null },
  };
}

/** Run options with every vector operation off. */
export const PLAIN_RUN_OPTIONS = executionOptionsOf(defaultRunOptions());
