/**
 * A task's creation parameters as the existing service (or our own `task_config.json`) records
 * them, read into our record's fields: the connection to run with, the database name, the
 * business context, the task options. Shared by folder adoption and `data-pipeline import`.
 */
import { SAMPLE_DB_NAME } from '../source/sample/sample-names.js';
import { databaseNameOf, SAMPLE_SOURCE } from '../source/source-database.js';
import { connectionUrlProblem } from '../util/connection-url.js';
import { withoutMaskedSecrets } from '../util/redact.js';
import { zonedIsoDateTime } from '../util/time.js';
import { DEFAULT_BUSINESS_CONTEXT, resolveRunOptions, taskOptionsFromRecord, taskOptionsOf } from '../workflow/run-options.js';
import type { NewTask } from './store/task-store.js';

export type TaskFields = Omit<NewTask, 'task_id' | 'created_by'>;

const text = (value: unknown): string | null => (typeof value === 'string' && value.trim() !== '' ? value.trim() : null);

/** A JSON object, or undefined for anything else. */
export function objectOf(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

/**
 * The connection a recorded `db_connection` gives: `sample`; a full URL as is; a URL whose password
 * was masked (`***`, as our files and redacted ones hold it) without that password, so the
 * connection takes it from PGPASSWORD or ~/.pgpass; undefined when there is no usable one.
 */
export function usableConnection(value: unknown): string | undefined {
  const given = text(value);
  if (!given) return undefined;
  if (given === SAMPLE_SOURCE) return given;
  const url = withoutMaskedSecrets(given);
  return connectionUrlProblem(url, { sample: false }) ? undefined : url;
}

/**
 * Our record's fields from the recorded parameters; `defaultConnection` (the server's default
 * database) when they name no usable connection.
 */
export function taskFieldsFromParameters(parameters: Record<string, unknown>, defaultConnection: string, taskName: unknown = null): TaskFields {
  const connection = usableConnection(parameters.db_connection) ?? defaultConnection;
  return {
    task_name: text(taskName) ?? text(parameters.task_name),
    db_connection: connection,
    db_name: text(parameters.db_name) ?? (connection === SAMPLE_SOURCE ? SAMPLE_DB_NAME : databaseNameOf(connection)),
    business_context: text(parameters.business_context) ?? DEFAULT_BUSINESS_CONTEXT,
    parameters: {
      ...taskOptionsOf(resolveRunOptions(taskOptionsFromRecord(parameters))),
      table_list_file: text(parameters.table_list_file),
    },
  };
}

/**
 * An instant as ISO 8601 from a recorded time: one without a zone (the existing service wrote
 * local time, `2025-06-27T14:30:52.123456`) is read in this process's time zone; null when absent
 * or not a time.
 */
export function recordedInstant(value: unknown): string | null {
  const given = text(value);
  return given ? (zonedIsoDateTime(given) ?? null) : null;
}
