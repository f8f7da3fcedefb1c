/**
 * What a task id is: the name of its directory under the data root. Plain rules with no file
 * access, shared by the API's schemas and the console.
 */
import { PathConfinementError } from '../errors.js';

export const TASK_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
export const TASK_ID_FORM = '1-64 letters, digits, "_" or "-"';

/** The data root's own directory of vector table backups (and each task's): never a task id. */
export const VECTOR_BACKUP_DIR = 'vector_bak';

/** Names the data root uses for itself: its `vector_bak/` holds the global vector table backups. */
const RESERVED_TASK_IDS: ReadonlySet<string> = new Set([VECTOR_BACKUP_DIR]);

export function assertTaskId(taskId: string): void {
  if (!TASK_ID_PATTERN.test(taskId)) {
    throw new PathConfinementError('task_id', taskId, `is invalid: use ${TASK_ID_FORM}`);
  }
  if (RESERVED_TASK_IDS.has(taskId)) {
    throw new PathConfinementError('task_id', taskId, 'is reserved: the data root keeps its vector table backups there; use another id');
  }
}

/** Whether a name in the data root can be a task's directory. */
export function isTaskId(name: string): boolean {
  return TASK_ID_PATTERN.test(name) && !RESERVED_TASK_IDS.has(name);
}
