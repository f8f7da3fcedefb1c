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
