/**
 * A process that backs up a task directory and is killed (SIGKILL) somewhere along the way by
 * the crash test. Argument: the task directory. It reports "started" on stdout first.
 */
import { backupTaskDirectory } from '../../src/backup/file-backup.js';

const taskDir = process.argv[2];
if (!taskDir) throw new Error('usage: backup-child <task dir>');
process.stdout.write('started\n');
await backupTaskDirectory(taskDir, { taskId: 'crash_test', trigger: 'execute' });
process.stdout.write('done\n');
