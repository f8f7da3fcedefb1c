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

/**
 * `YYYY-MM-DD[ HH:MM[:SS]]` (the log's local time; `T` also accepted, `H:MM` too) or ISO 8601 with a zone →
 * epoch ms; undefined when unparsable or out of range (month 13, 25:00, February 30).
 */
export function parseTime(text: string): number | undefined {
  const value = text.trim();
  const local = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?$/.exec(value);
  if (local) {
    // Missing time parts are 0 (Number(undefined) would be NaN).
    const [y, mo, d, h, mi, s] = local.slice(1).map((part) => Number(part ?? 0)) as [number, number, number, number, number, number];
    const date = new Date(y, mo - 1, d, h, mi, s);
    const exact =
      date.getFullYear() === y &&
      date.getMonth() === mo - 1 &&
      date.getDate() === d &&
      date.getHours() === h &&
      date.getMinutes() === mi &&
      date.getSeconds() === s;
    return exact ? date.getTime() : undefined;
  }
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})$/i.test(value)) return undefined;
  const parsed = Date.parse(value);
  return Number.isNaN(parsed) ? undefined : parsed;
}

/**
 * A date and time that PostgreSQL reads as the instant meant: a value with a zone as it was sent
 * (all its digits), one without (`2025-01-01T00:00:00`, as the existing service's clients send
 * them) as that local time of this process, to the second, as `parseTime` reads it. Undefined
 * when it is no date and time (month 13, February 30).
 */
export function zonedIsoDateTime(value: string): string | undefined {
  const at = parseTime(value);
  if (at === undefined) return undefined;
  return /(?:Z|[+-]\d{2}:?\d{2})$/i.test(value.trim()) ? value.trim() : new Date(at).toISOString();
}
