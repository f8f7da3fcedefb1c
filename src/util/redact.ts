/**
 * Masking of secrets (database passwords, API keys) in what we log, show and write. Two kinds,
 * and no process-wide list of secrets:
 *
 * - **Structural, always**: a connection string carries its password in any of the forms `pg`
 *   accepts — the userinfo (`postgresql://user:pw@host/db`, percent-encoded or not), a `password=`
 *   or `sslpassword=` parameter (percent-encoded too, in its name or value) — and every one of them
 *   is masked wherever a connection string appears, in free text too, as are `password=value`
 *   pairs of keyword/value connection strings. A password holding an unencoded `/`, `?`, `#` or
 *   `@` is masked whole: everything from the first `:` after `//` to the last `@` is taken as the
 *   password (over-masking rather than leaking).
 * - **By value, only where the secret belongs**: a run's log masks its own connection's password
 *   (`redactSecrets(text, secrets)`), a connection error the URL it was given, an API client its key.
 *   Masking every secret ever seen in all later text made each log an oracle (a table name equal
 *   to another task's password came back as `***`) and masked common words (`public`, `orders`).
 */
const MASK = '***';

/** Secrets shorter than this are not masked by value: they would mask noise (structural masking still applies). */
const MIN_SECRET_LENGTH = 4;
/**
 * A secret of letters only (`postgres`, `admin`, `customers`) is a word: masked by value it would
 * rewrite every `postgresql://`, table name and question holding it (a task folder's files, a log).
 * It is masked structurally only, where it stands as a password.
 */
const WORD_LIKE = /^\p{L}+$/u;

/** Parameters of a connection string whose value is a secret (pg reads them by exact name; we mask any case). */
const SECRET_PARAMETERS = new Set(['password', 'sslpassword']);

function decodeOrKeep(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return text;
  }
}

/** Where the secret parts of a connection string are. */
interface UrlParts {
  /** The userinfo's password as [start, end), or undefined. */
  password: [number, number] | undefined;
  /** Where the `name=value` pieces may start: each index is a `?` or `#` (both readings are masked). */
  parameterStarts: number[];
}

function urlParts(url: string): UrlParts {
  const scheme = /^[a-z][a-z0-9+.-]*:\/\//i.exec(url);
  const firstMark = (from: number) => {
    const i = url.slice(from).search(/[?#]/);
    return i < 0 ? url.length : from + i;
  };
  if (!scheme) return { password: undefined, parameterStarts: [firstMark(0)] };
  const authorityStart = scheme[0].length;
  // The userinfo ends at the last `@` of the string, not of the authority as a URL parser reads it:
  // a password may hold an unencoded `/`, `?`, `#` or `@`, and a parser would leave the rest of it
  // in the host or the path. Over-masks when a parameter holds an `@`, never leaks.
  const at = url.lastIndexOf('@');
  const colon = url.indexOf(':', authorityStart);
  const password: [number, number] | undefined = at > authorityStart && colon >= 0 && colon < at ? [colon + 1, at] : undefined;
  // Parameters as a URL parser reads them (after the first `?`/`#`) and after the userinfo.
  const starts = new Set([firstMark(authorityStart)]);
  if (at > authorityStart) starts.add(firstMark(at));
  return { password, parameterStarts: [...starts] };
}

/**
 * The `name=value` pieces after `from` (a `?` or `#`), with their positions. Pieces end at `&` only,
 * as URLSearchParams reads them; a `#` inside a value is kept in it, so a password holding one is
 * masked whole (the part after it never reaches the server, but it is still part of the secret).
 */
function* parameters(url: string, from: number): Generator<{ name: string; pieceStart: number; valueStart: number; valueEnd: number }> {
  let start = from + 1;
  while (start <= url.length && from < url.length) {
    let end = url.indexOf('&', start);
    if (end < 0) end = url.length;
    const piece = url.slice(start, end);
    const eq = piece.indexOf('=');
    if (eq >= 0) yield { name: decodeOrKeep(piece.slice(0, eq)).trim().toLowerCase(), pieceStart: start, valueStart: start + eq + 1, valueEnd: end };
    start = end + 1;
  }
}

/** The [start, end) ranges of a connection string that hold a password, merged and in order. */
function secretRanges(url: string): [number, number][] {
  const { password, parameterStarts } = urlParts(url);
  const ranges: [number, number][] = [];
  if (password && password[1] > password[0]) ranges.push(password);
  for (const from of parameterStarts) {
    for (const p of parameters(url, from)) {
      if (SECRET_PARAMETERS.has(p.name) && p.valueEnd > p.valueStart) ranges.push([p.valueStart, p.valueEnd]);
    }
  }
  ranges.sort((a, b) => a[0] - b[0]);
  const merged: [number, number][] = [];
  for (const [start, end] of ranges) {
    const last = merged[merged.length - 1];
    if (last && start <= last[1]) last[1] = Math.max(last[1], end);
    else merged.push([start, end]);
  }
  return merged;
}

/** The password(s) a connection string carries, raw and decoded as `pg` decodes them (empty when none). */
export function connectionSecrets(url: string | undefined | null): string[] {
  if (!url) return [];
  const found: string[] = [];
  for (const [start, end] of secretRanges(url)) {
    const raw = url.slice(start, end);
    found.push(raw, decodeOrKeep(raw));
  }
  return [...new Set(found)];
}

/** The connection string with every password it carries (userinfo, `password=`, `sslpassword=`) replaced by `***`. */
export function redactUrl(url: string): string {
  let out = url;
  // From the end, so earlier positions stay valid.
  for (const [start, end] of secretRanges(url).reverse()) out = `${out.slice(0, start)}${MASK}${out.slice(end)}`;
  return out;
}

/**
 * Kept for callers of the former process-wide registry: registers nothing (secrets are masked
 * where they belong, see the top of this file) and returns the URL with its passwords masked.
 * @deprecated use redactUrl, and connectionSecrets where a context masks its own secrets.
 */
export function registerUrlSecret(url: string): string {
  return redactUrl(url);
}

/**
 * A masked connection string made usable again: the masked password parts removed, so the
 * connection takes its password from PGPASSWORD or ~/.pgpass instead.
 */
export function withoutMaskedSecrets(url: string): string {
  const { password, parameterStarts } = urlParts(url);
  const parametersStart = Math.min(...parameterStarts);
  let head = url.slice(0, parametersStart);
  if (password && password[1] <= parametersStart && url.slice(password[0], password[1]) === MASK) {
    head = `${url.slice(0, password[0] - 1)}${url.slice(password[1], parametersStart)}`;
  }
  const pieces: string[] = [];
  for (const p of parameters(url, parametersStart)) {
    if (SECRET_PARAMETERS.has(p.name) && url.slice(p.valueStart, p.valueEnd) === MASK) continue;
    pieces.push(url.slice(p.pieceStart, p.valueEnd));
  }
  return pieces.length > 0 ? `${head}?${pieces.join('&')}` : head;
}

/** A connection string in free text: from its scheme to the next white space. */
const URL_IN_TEXT = /[a-z][a-z0-9+.-]*:\/\/\S*/gi;
/** `password=value` / `sslpassword='va lue'` of a keyword/value connection string (or a stray URL parameter). */
const PASSWORD_PAIR = /(^|[?&;#\s,(])((?:ssl)?password\s*=\s*)('(?:[^'\\]|\\.)*'|[^&\s]+)/gi;

/** Every form in which a secret may be written (as given, percent-encoded), longest first. */
function secretForms(secrets: Iterable<string | undefined | null>): string[] {
  const forms = new Set<string>();
  for (const secret of secrets) {
    if (!secret || secret.length < MIN_SECRET_LENGTH || WORD_LIKE.test(secret)) continue;
    forms.add(secret);
    for (const encoded of [encodeURIComponent(secret), encodeURI(secret)]) forms.add(encoded);
  }
  // Longest first: a form holding another one is replaced whole.
  return [...forms].sort((a, b) => b.length - a.length);
}

/**
 * A function masking text for one context: structurally (connection strings and `password=`
 * pairs), and by value the given secrets only (those of the context: its own connection's
 * password, its own API key). Secrets shorter than 4 characters, and those of letters only (words),
 * are masked structurally only.
 */
export function secretMasker(secrets: Iterable<string | undefined | null> = []): (text: string) => string {
  const forms = secretForms(secrets);
  return (text) => {
    let out = text.replace(URL_IN_TEXT, (url) => redactUrl(url)).replace(PASSWORD_PAIR, `$1$2${MASK}`);
    for (const form of forms) if (out.includes(form)) out = out.split(form).join(MASK);
    return out;
  };
}

/**
 * Masks every password a connection string in the text carries, `password=` pairs, and by value
 * the `secrets` given (those of the caller's own context), nothing else.
 */
export function redactSecrets(text: string, secrets: Iterable<string | undefined | null> = []): string {
  return secretMasker(secrets)(text);
}
