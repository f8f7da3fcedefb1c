/**
 * The task log `data_pipeline.log`, one line per record in the format existing log readers parse:
 * `YYYY-MM-DD HH:MM:SS [LEVEL] <logger>: [<step>] <message>`. Secrets are masked on the way in:
 * connection strings always, and by value only the secrets of the log's own run (its connection's
 * password), never those of other tasks.
 */
import { constants as fsConstants, promises as fs } from 'node:fs';
import { secretMasker } from '../util/redact.js';
import { logTimestamp } from '../util/time.js';
import type { TaskDirectory } from './task-dir.js';
import { STEP_NAMES } from '../workflow/steps/catalog.js';
import type { LogLevel, LogRecord } from '../workflow/workflow-types.js';

export const TASK_LOG_FILE = 'data_pipeline.log';

export function formatLogLine(record: LogRecord): string {
  return `${record.timestamp} [${record.level}] ${record.logger}: [${record.step}] ${record.message}`;
}

/** A line: time, level, logger, then the rest (our `[<step>]` tag and the message). */
const LINE = /^(\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}) \[(DEBUG|INFO|WARNING|ERROR|CRITICAL)\] ([^:]+): (.*)$/;
/**
 * The step tags we write (a step, the workflow, the backup before a run, or none). The existing
 * service's lines have no tag, and a message of theirs starting `[theme]` or `[3/10]` is no step.
 */
const OUR_STEP_TAGS = new Set<string>(['', ...STEP_NAMES, 'workflow', 'backup']);
const STEP_TAG = /^\[([^\]]*)\] /;

/** The existing service's loggers and the step each wrote for (its log readers mapped them so). */
const STEP_OF_EXISTING_LOGGER: Readonly<Record<string, string>> = {
  DDLGenerator: 'ddl_generation',
  QAGenerator: 'qa_generation',
  QSGenerator: 'qa_generation',
  SQLValidator: 'sql_validation',
  TrainingDataLoader: 'training_load',
  VannaTrainer: 'training_load',
};

/**
 * Reads one line back; undefined for lines in neither format (written by something else). A line
 * of the existing service's log (adopted task folders) gets the step its logger wrote for, else none.
 */
export function parseLogLine(line: string): LogRecord | undefined {
  const m = LINE.exec(line);
  if (!m) return undefined;
  const logger = m[3] as string;
  const rest = m[4] as string;
  const tag = STEP_TAG.exec(rest);
  if (tag && OUR_STEP_TAGS.has(tag[1] as string)) {
    return { timestamp: m[1] as string, level: m[2] as LogLevel, logger, step: tag[1] as string, message: rest.slice(tag[0].length) };
  }
  const step = STEP_OF_EXISTING_LOGGER[logger.slice(logger.lastIndexOf('.') + 1)] ?? '';
  return { timestamp: m[1] as string, level: m[2] as LogLevel, logger, step, message: rest };
}

/** A record stamped now, its message masked and on one line: the log is read back line by line. */
function logRecord(level: LogLevel, logger: string, step: string, message: string, mask: (text: string) => string): LogRecord {
  return { timestamp: logTimestamp(), level, logger, step, message: mask(message).replace(/\s*\r?\n\s*/g, ' | ') };
}

/**
 * Appends one record to the log of a task that no run is writing (a run's end recorded after its
 * process died), on a line of its own even when the log ends in a line cut short. Refuses a link.
 */
export async function appendLogRecord(
  dir: TaskDirectory,
  level: LogLevel,
  logger: string,
  step: string,
  message: string,
  secrets: readonly string[] = [],
): Promise<void> {
  const flags = fsConstants.O_RDWR | fsConstants.O_APPEND | fsConstants.O_CREAT | fsConstants.O_NOFOLLOW;
  const handle = await fs.open(dir.filePath(TASK_LOG_FILE), flags, 0o644);
  try {
    const { size } = await handle.stat();
    const last = Buffer.alloc(1);
    if (size > 0) await handle.read(last, 0, 1, size - 1);
    const separator = size > 0 && last[0] !== 0x0a ? '\n' : '';
    await handle.appendFile(`${separator}${formatLogLine(logRecord(level, logger, step, message, secretMasker(secrets)))}\n`, 'utf8');
  } finally {
    await handle.close();
  }
}

export interface StepLogger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export class TaskLog {
  /** Lines waiting for the write in flight: one append per burst, not per line. */
  private buffered: string[] = [];
  private flushing: Promise<void> | undefined;

  private readonly mask: (text: string) => string;

  private constructor(
    private readonly handle: fs.FileHandle | undefined,
    private readonly sink: ((record: LogRecord) => void) | undefined,
    secrets: readonly string[],
  ) {
    this.mask = secretMasker(secrets);
  }

  /**
   * Opens the log for appending; a symlink in its place is refused (O_NOFOLLOW). `secrets` are the
   * run's own (its connection's password in every form): masked by value in every record.
   */
  static async open(dir: TaskDirectory, sink?: (record: LogRecord) => void, secrets: readonly string[] = []): Promise<TaskLog> {
    const flags = fsConstants.O_WRONLY | fsConstants.O_APPEND | fsConstants.O_CREAT | fsConstants.O_NOFOLLOW;
    const handle = await fs.open(dir.filePath(TASK_LOG_FILE), flags, 0o644);
    return new TaskLog(handle, sink, secrets);
  }

  /** A log that only forwards records (no file), for callers without a task directory. */
  static detached(sink?: (record: LogRecord) => void, secrets: readonly string[] = []): TaskLog {
    return new TaskLog(undefined, sink, secrets);
  }

  write(level: LogLevel, logger: string, step: string, message: string): void {
    const record = logRecord(level, logger, step, message, this.mask);
    this.sink?.(record);
    if (!this.handle) return;
    this.buffered.push(`${formatLogLine(record)}\n`);
    this.flushing ??= this.flush();
  }

  private async flush(): Promise<void> {
    while (this.buffered.length > 0 && this.handle) {
      const chunk = this.buffered.join('');
      this.buffered = [];
      await this.handle.appendFile(chunk, 'utf8').catch(() => undefined);
    }
    this.flushing = undefined;
  }

  forStep(step: string, logger = `data_pipeline.${step}`): StepLogger {
    return {
      debug: (m) => this.write('DEBUG', logger, step, m),
      info: (m) => this.write('INFO', logger, step, m),
      warn: (m) => this.write('WARNING', logger, step, m),
      error: (m) => this.write('ERROR', logger, step, m),
    };
  }

  async close(): Promise<void> {
    await this.flushing;
    await this.handle?.close();
  }
}
