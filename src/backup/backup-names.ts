/**
 * How file backup directories are named — the one place: the backup creates names with
 * `backupName`, and the catalog, the API's path parameter and the CLI recognise them with
 * `BACKUP_NAME` / `BACKUP_NAME_PATTERN`. Change the form here and everything follows.
 */

export const BACKUP_PREFIX = 'file_bak_';
/** The prefix, then `YYYYMMDD_HHMMSS`, with `_N` when that second already had one. */
export const BACKUP_NAME_PATTERN = `^${BACKUP_PREFIX.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(\\d{4})(\\d{2})(\\d{2})_(\\d{2})(\\d{2})(\\d{2})(?:_\\d+)?$`;
export const BACKUP_NAME = new RegExp(BACKUP_NAME_PATTERN);
/** The form, as messages and help texts show it. */
export const BACKUP_NAME_FORM = `${BACKUP_PREFIX}YYYYMMDD_HHMMSS[_N]`;

/** The name of a backup made at `compactTimestamp` (YYYYMMDD_HHMMSS); `attempt` > 0 when the plain one is taken. */
export function backupName(compactTimestamp: string, attempt = 0): string {
  const base = `${BACKUP_PREFIX}${compactTimestamp}`;
  return attempt === 0 ? base : `${base}_${attempt}`;
}

export function isBackupName(name: string): boolean {
  return BACKUP_NAME.test(name);
}

/** `file_bak_20250121_094400_1` → `2025-01-21T09:44:00.000000`, the form of `backup_time`; '' when not a backup name. */
export function backupTimeOf(name: string): string {
  const m = BACKUP_NAME.exec(name);
  return m ? `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}.000000` : '';
}
