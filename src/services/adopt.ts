/**
 * Adoption of task folders that have no record: folders under the data root made by the existing
 * service or by our own `data-pipeline run`. Such a folder becomes a task of the store (origin
 * `folder`) the first time it is seen — when the task list is read, or when its id is looked up —
 * with the status its files tell; from then on it is a task like any other (listed, served, run).
 * Recording it once, instead of merging folders into every query, keeps one source for the list's
 * filters, sort, pages and total, and gives runs the record (claims, steps) they need.
 */
import { isBackupName } from '../backup/backup-names.js';
import { isTaskId } from '../task-directory/task-dir.js';
import { maskFolderSecrets, maskJson } from '../tasks/folder-secrets.js';
import { isTaskFolder, readFolderTask } from '../tasks/folder-task.js';
import type { TaskRecord } from '../tasks/store/task-store.js';
import { secretMasker } from '../util/redact.js';
import type { ServiceContext } from './context.js';

/** Whether a name in the data root can be a task folder to adopt (file backups are not tasks). */
const adoptableName = (name: string) => isTaskId(name) && !isBackupName(name);

/**
 * Records the folder `taskId` as a task, unless it has a record already, is no task folder (a
 * link, a file, a folder without any task file) or is gone. Its files are cleaned of passwords
 * first (`maskFolderSecrets`), so the record is only made once nothing in the folder can leak one.
 * Safe in several processes at once: a record made meanwhile by another one wins.
 */
export async function adoptFolder(ctx: ServiceContext, taskId: string): Promise<TaskRecord | undefined> {
  if (!adoptableName(taskId) || !(await ctx.dataRoot.exists(taskId))) return undefined;
  const known = await ctx.store.getTask(taskId);
  if (known) return known;
  const dir = await ctx.dataRoot.taskDir(taskId).catch(() => undefined);
  if (!dir || !(await isTaskFolder(dir))) return undefined;
  const { task, secrets } = await readFolderTask(dir, ctx.settings.server.defaultDbUrl);
  await maskFolderSecrets(dir, secrets);
  // What the record takes from the files (errors, parameters) is masked like the files; only the
  // connection keeps its password, in the store, to run the task.
  const masked = maskJson(task, secretMasker(secrets)) as typeof task;
  await ctx.store.recordTask({ ...masked, db_connection: task.db_connection, origin: 'folder' });
  return ctx.store.getTask(taskId);
}

/** The scan in progress, per context: concurrent list requests share one. */
const scans = new WeakMap<ServiceContext, Promise<string[]>>();

/**
 * Adopts every task folder of the data root that has no record; returns the ids adopted. Costs a
 * directory listing and one query when there is nothing new. Concurrent callers share one scan.
 */
export function adoptUnknownFolders(ctx: ServiceContext): Promise<string[]> {
  const running = scans.get(ctx);
  if (running) return running;
  const scan = (async () => {
    const ids = (await ctx.dataRoot.taskIds()).filter(adoptableName);
    const known = await ctx.store.knownTaskIds(ids);
    const adopted: string[] = [];
    for (const id of ids) {
      if (known.has(id)) continue;
      // One folder that cannot be read (removed meanwhile, unreadable) leaves the others listed.
      const task = await adoptFolder(ctx, id).catch(() => undefined);
      if (task?.origin === 'folder') adopted.push(id);
    }
    return adopted;
  })().finally(() => scans.delete(ctx));
  scans.set(ctx, scan);
  return scan;
}
