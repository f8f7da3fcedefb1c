/** Requests and responses of a task's file backups (`file_bak_*`). */
import { Type } from '@sinclair/typebox';
import { BACKUP_NAME_FORM, BACKUP_NAME_PATTERN } from '../../services/catalog.js';
import { Closed, envelope, Nullable, StringEnum, TaskId, TaskIdParams, Time } from './common.js';
import { BackupStatsView } from './tasks.js';

export const BackupParams = Type.Object({
  task_id: TaskIdParams.properties.task_id,
  backup_name: Type.String({ pattern: BACKUP_NAME_PATTERN, description: BACKUP_NAME_FORM }),
});

const BackupSummary = Closed({
  name: Type.String(),
  time: Type.String({ description: 'backup_time of the record (local ISO time), else the time in the name' }),
  trigger: Nullable(Type.String()),
  file_count: Type.Integer(),
  bytes: Type.Integer(),
  status: StringEnum(['completed', 'partial', 'failed', 'interrupted', 'invalid'] as const),
  valid: Type.Boolean(),
});

const BackupRecord = Closed({
  backup_time: Type.String(),
  backup_directory: Type.String(),
  moved_files: Type.Array(Type.String()),
  failed_files: Type.Array(Closed({ file: Type.String(), error: Type.String() })),
  task_id: Type.String(),
  copied_files: Type.Array(Type.String()),
  total_bytes: Type.Integer(),
  duration_ms: Type.Integer(),
  trigger: StringEnum(['execute', 'restore'] as const),
  status: StringEnum(['completed', 'partial', 'failed'] as const),
});

const BackupFile = Closed({ name: Type.String(), size: Type.Integer(), modified_at: Time, is_link: Type.Boolean() });

export const BackupListResponse = envelope({ task_id: TaskId, backups: Type.Array(BackupSummary), total: Type.Integer() });

export const BackupShowResponse = envelope({ task_id: TaskId, name: Type.String(), record: Nullable(BackupRecord), files: Type.Array(BackupFile) });

export const BackupDiffResponse = envelope({
  task_id: TaskId,
  backup: Type.String(),
  added: Type.Array(Type.String()),
  removed: Type.Array(Type.String()),
  changed: Type.Array(Type.String()),
  unchanged: Type.Array(Type.String()),
  pair_files: Type.Array(Closed({ file: Type.String(), backup_pairs: Nullable(Type.Integer()), current_pairs: Nullable(Type.Integer()) })),
  pairs: Nullable(
    Closed(
      {
        backup_file: Type.String(),
        current_file: Type.String(),
        added: Type.Array(Type.String(), { description: 'questions the current pairs have and the backup does not' }),
        removed: Type.Array(Type.String()),
        changed: Type.Array(Closed({ question: Type.String(), backup_sql: Type.String(), current_sql: Type.String() })),
        review_changed: Type.Array(
          Closed({
            question: Type.String(),
            backup_review: Nullable(StringEnum(['approved', 'rejected'] as const)),
            current_review: Nullable(StringEnum(['approved', 'rejected'] as const)),
          }),
          { description: 'the same question and SQL, reviewed differently (null: not reviewed)' },
        ),
        unchanged: Type.Integer(),
      },
      { description: 'the newest pair file on each side compared by question; null when a side has none' },
    ),
  ),
});

export const BackupFileParams = Type.Object({
  task_id: TaskIdParams.properties.task_id,
  backup_name: Type.String({ pattern: BACKUP_NAME_PATTERN, description: BACKUP_NAME_FORM }),
  file_name: Type.String({ minLength: 1, maxLength: 255 }),
});

export const BackupFileDiffResponse = envelope({
  task_id: TaskId,
  backup: Type.String(),
  file: Type.String(),
  in_backup: Type.Boolean(),
  in_current: Type.Boolean(),
  diff: Type.String({ description: 'a unified diff from the backup to now; empty when the file is the same' }),
});

export const RestoreResponse = envelope({
  task_id: TaskId,
  backup: Type.String(),
  restored_files: Type.Array(Type.String()),
  skipped_files: Type.Array(Closed({ file: Type.String(), reason: Type.String() })),
  pre_restore_backup: BackupStatsView,
});

export const BackupDeleteResponse = envelope({ task_id: TaskId, deleted: Type.String() });
