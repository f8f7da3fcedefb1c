/**
 * `--log-file <path>` of the script commands (the existing scripts' flag): every log line of the
 * run is appended to that file as well, in the task log's format. The lines are the task log's
 * records, already masked, so no password reaches the file. The path is the user's choice on
 * their own command line: anywhere they may write.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { formatLogLine } from '../task-directory/task-log.js';
import type { LogRecord } from '../workflow/workflow-types.js';

export class LogFile {
  private constructor(private fd: number | undefined) {}

  /** Opens the file for appending (created when missing, as a log is); throws with the reason when it cannot. */
  static open(file: string): LogFile {
    return new LogFile(openSync(file, 'a', 0o644));
  }

  /** Writes synchronously, so lines keep their order and none is lost when the process exits. */
  write(record: LogRecord): void {
    if (this.fd !== undefined) writeSync(this.fd, `${formatLogLine(record)}\n`);
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}
