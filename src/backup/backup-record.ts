/**
 * `backup_info.json`, the record of one backup directory: exactly the fields the specification
 * names, with their types, plus additive fields of ours.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { BACKUP_NAME } from './backup-names.js';

export const BACKUP_RECORD_FILE = 'backup_info.json';
/** Written before the first move, removed after the record: its presence means "interrupted". */
export const BACKUP_JOURNAL_FILE = '.backup_journal.json';
/** The one file a backup never moves (the user's input), matched exactly by name. */
export const EXCLUDED_FILE = 'table_list.txt';

export type BackupTrigger = 'execute' | 'restore';
export type BackupStatus = 'completed' | 'partial' | 'failed';

export const backupRecordSchema = z.object({
  // The specification's fields.
  backup_time: z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}$/),
  backup_directory: z.string().regex(BACKUP_NAME),
  moved_files: z.array(z.string()),
  failed_files: z.array(z.object({ file: z.string(), error: z.string() })),
  task_id: z.string(),
  // Ours.
  copied_files: z.array(z.string()),
  total_bytes: z.number().int().nonnegative(),
  duration_ms: z.number().int().nonnegative(),
  trigger: z.enum(['execute', 'restore']),
  status: z.enum(['completed', 'partial', 'failed']),
});

export type BackupRecord = z.infer<typeof backupRecordSchema>;

export const journalSchema = z.object({
  task_id: z.string(),
  backup_directory: z.string(),
  trigger: z.enum(['execute', 'restore']),
  backup_time: z.string(),
  started_at_ms: z.number(),
  /** Names of the files to move, in order. */
  planned: z.array(z.string()),
});

export type BackupJournal = z.infer<typeof journalSchema>;

/** A JSON file of a backup directory checked against `schema`; undefined when missing or invalid. */
function readValid<T>(file: string, schema: z.ZodType<T>): T | undefined {
  try {
    const parsed = schema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** The record of a backup directory, or undefined when it is missing or not a valid record. */
export function readBackupRecord(backupDir: string): BackupRecord | undefined {
  return readValid(path.join(backupDir, BACKUP_RECORD_FILE), backupRecordSchema);
}

export function readJournal(backupDir: string): BackupJournal | undefined {
  return readValid(path.join(backupDir, BACKUP_JOURNAL_FILE), journalSchema);
}

export function statusOf(record: Pick<BackupRecord, 'moved_files' | 'copied_files' | 'failed_files'>): BackupStatus {
  if (record.failed_files.length === 0) return 'completed';
  return record.moved_files.length + record.copied_files.length > 0 ? 'partial' : 'failed';
}
