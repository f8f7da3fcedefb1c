/**
 * A process that backs up a task directory and is killed (SIGKILL) somewhere along the way by
 * the crash test. Arguments: the task directory, then optionally a pause in milliseconds after each
 * move, which stretches the backup so that kills spread over time land inside it on any machine.
 * It reports "started" on stdout first and "done" when the backup returned.
 */
import { backupTaskDirectory } from '../../src/backup/file-backup.js';
import { defaultFileOps, type FileOps } from '../../src/backup/file-ops.js';

const taskDir = process.argv[2];
const pauseMs = Number(process.argv[3] ?? 0);
if (!taskDir) throw new Error('usage: backup-child <task dir> [pause ms per move]');
const sleeper = new Int32Array(new SharedArrayBuffer(4));
const ops: FileOps = {
  ...defaultFileOps,
  rename: (from, to) => {
    defaultFileOps.rename(from, to);
    if (pauseMs > 0) Atomics.wait(sleeper, 0, 0, pauseMs);
  },
};
process.stdout.write('started\n');
await backupTaskDirectory(taskDir, { taskId: 'crash_test', trigger: 'execute', ops });
process.stdout.write('done\n');
