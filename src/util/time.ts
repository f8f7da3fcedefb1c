/** Timestamps in the formats existing tools expect in file names and logs (server local time). */
const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** `YYYYMMDD_HHMMSS`, used in file and task names. */
export function compactTimestamp(date = new Date()): string {
  return `${date.getFullYear()}${pad(date.getMonth() + 1)}${pad(date.getDate())}_${pad(date.getHours())}${pad(date.getMinutes())}${pad(date.getSeconds())}`;
}

/** `YYYY-MM-DD HH:MM:SS`, the task log's timestamp. */
export function logTimestamp(date = new Date()): string {
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
}

/** ISO 8601 local time with microseconds and no zone, as Python's `datetime.now().isoformat()`. */
export function isoLocalMicros(date = new Date()): string {
  return `${logTimestamp(date).replace(' ', 'T')}.${pad(date.getMilliseconds(), 3)}000`;
}

/** Seconds with millisecond precision, for human-readable durations. */
export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(3)}s`;
}

/** ISO 8601 date and time with a zone or without one (`2025-01-01T00:00:00`, `2025-01-01 00:00`, a date alone). */
const ISO_DATE_TIME = /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?))?(Z|z|[+-]\d{2}(?::?\d{2})?)?$/;

/**
 * The value as ISO 8601 with an explicit zone, keeping its digits: one without a zone is given this
 * process's offset at that local time (what the existing service's clients mean by it), `±HH` and
 * `±HHMM` become `±HH:MM`. Undefined when it is not a real date and time (month 13, February 30).
 */
export function zonedIsoDateTime(value: string): string | undefined {
  const match = ISO_DATE_TIME.exec(value);
  if (!match) return undefined;
  const [, date = '', time = '00:00:00', zone] = match;
  const [year, month, day] = date.split('-').map(Number) as [number, number, number];
  const check = new Date(Date.UTC(year, month - 1, day));
  if (check.getUTCFullYear() !== year || check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day) return undefined;
  const [hours = 0, minutes = 0] = time.split(':').map(Number);
  if (hours > 23 || minutes > 59 || Number(time.split(':')[2] ?? 0) >= 60) return undefined;
  const local = `${date}T${time}`;
  if (zone) {
    const offset = /^[zZ]$/.test(zone) ? 'Z' : zone.replace(/^([+-]\d{2})$/, '$1:00').replace(/^([+-]\d{2})(\d{2})$/, '$1:$2');
    return `${local}${offset}`;
  }
  // JavaScript reads a date-time without a zone as local time: its offset then is this process's.
  const minutesEast = -new Date(local).getTimezoneOffset();
  const sign = minutesEast < 0 ? '-' : '+';
  const abs = Math.abs(minutesEast);
  return `${local}${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}
