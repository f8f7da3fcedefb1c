/**
 * Secrets (database passwords, API keys) are registered once when they enter the process and
 * replaced by `***` in every log line, error message and file we write.
 *
 * A connection string carries its password in any of the forms `pg` accepts: the userinfo
 * (`postgresql://user:pw@host/db`, percent-encoded or not), or a `password=` / `sslpassword=`
 * parameter (also percent-encoded, in its name or value). All of them are masked structurally,
 * and their decoded values registered, so a message quoting them is masked too.
 */
const secrets = new Set<string>();
const MASK = '***';

/** Parameters of a connection string whose value is a secret (pg reads them by exact name; we mask any case). */
const SECRET_PARAMETERS = new Set(['password', 'sslpassword']);

/** Registers a secret; strings shorter than 4 characters are ignored (they would mask noise). */
export function registerSecret(secret: string | undefined | null): void {
  if (secret && secret.length >= 4) {
    secrets.add(secret);
    // The URL-encoded forms appear in connection strings.
    for (const encoded of [encodeURIComponent(secret), encodeURI(secret)]) if (encoded !== secret) secrets.add(encoded);
  }
}

function decodeOrKeep(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return text;
  }
}

/** Where the parts of a connection string are, read as the WHATWG URL parser (and so `pg`) reads them. */
interface UrlParts {
  /** Index just after `scheme://`, or -1 when there is no authority. */
  authorityStart: number;
  /** Index of the `@` ending the userinfo, or -1. */
  userinfoEnd: number;
  /** Index of the first `?` or `#` (parameters and fragment), or the length. */
  parametersStart: number;
}

function urlParts(url: string): UrlParts {
  const scheme = /^[a-z][a-z0-9+.-]*:\/\//i.exec(url);
  const authorityStart = scheme ? scheme[0].length : -1;
  let authorityEnd = url.length;
  for (let i = Math.max(authorityStart, 0); i < url.length; i += 1) {
    const c = url[i];
    if ((authorityStart >= 0 && c === '/') || c === '?' || c === '#') {
      authorityEnd = i;
      break;
    }
  }
  const parametersStart = (() => {
    const q = url.search(/[?#]/);
    return q < 0 ? url.length : q;
  })();
  // The userinfo ends at the authority's last `@` (an unencoded `@` in a password is taken as part of it).
  const userinfoEnd = authorityStart >= 0 ? url.lastIndexOf('@', authorityEnd - 1) : -1;
  return { authorityStart, userinfoEnd: userinfoEnd >= authorityStart ? userinfoEnd : -1, parametersStart };
}

/**
 * The `name=value` pieces after the first `?` or `#`, with their positions. Pieces end at `&` only,
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

/** The password(s) a connection string carries, decoded as `pg` decodes them (empty when none). */
export function connectionSecrets(url: string): string[] {
  const found: string[] = [];
  const { authorityStart, userinfoEnd, parametersStart } = urlParts(url);
  if (userinfoEnd > authorityStart) {
    const userinfo = url.slice(authorityStart, userinfoEnd);
    const colon = userinfo.indexOf(':');
    if (colon >= 0 && colon < userinfo.length - 1) {
      const raw = userinfo.slice(colon + 1);
      found.push(raw, decodeOrKeep(raw));
    }
  }
  for (const p of parameters(url, parametersStart)) {
    if (!SECRET_PARAMETERS.has(p.name) || p.valueEnd <= p.valueStart) continue;
    const raw = url.slice(p.valueStart, p.valueEnd);
    found.push(raw, decodeOrKeep(raw));
  }
  return [...new Set(found)];
}

/** Registers the password(s) of a connection URL (if any) and returns the URL with them masked. */
export function registerUrlSecret(url: string): string {
  for (const secret of connectionSecrets(url)) registerSecret(secret);
  return redactUrl(url);
}

/** The connection string with every password it carries (userinfo, `password=`, `sslpassword=`) replaced by `***`. */
export function redactUrl(url: string): string {
  const { authorityStart, userinfoEnd, parametersStart } = urlParts(url);
  const cuts: [number, number][] = [];
  if (userinfoEnd > authorityStart) {
    const colon = url.indexOf(':', authorityStart);
    if (colon >= 0 && colon < userinfoEnd - 1) cuts.push([colon + 1, userinfoEnd]);
  }
  for (const p of parameters(url, parametersStart)) {
    if (SECRET_PARAMETERS.has(p.name) && p.valueEnd > p.valueStart) cuts.push([p.valueStart, p.valueEnd]);
  }
  let out = url;
  // From the end, so earlier positions stay valid.
  for (const [start, end] of cuts.sort((a, b) => b[0] - a[0])) out = `${out.slice(0, start)}${MASK}${out.slice(end)}`;
  return out;
}

/**
 * A masked connection string made usable again: the masked password parts removed, so the
 * connection takes its password from PGPASSWORD or ~/.pgpass instead.
 */
export function withoutMaskedSecrets(url: string): string {
  const { authorityStart, userinfoEnd, parametersStart } = urlParts(url);
  let head = url.slice(0, parametersStart);
  if (userinfoEnd > authorityStart && url.slice(authorityStart, userinfoEnd).endsWith(`:${MASK}`)) {
    head = `${url.slice(0, userinfoEnd - MASK.length - 1)}${url.slice(userinfoEnd, parametersStart)}`;
  }
  const pieces: string[] = [];
  for (const p of parameters(url, parametersStart)) {
    if (SECRET_PARAMETERS.has(p.name) && url.slice(p.valueStart, p.valueEnd) === MASK) continue;
    pieces.push(url.slice(p.pieceStart, p.valueEnd));
  }
  return pieces.length > 0 ? `${head}?${pieces.join('&')}` : head;
}

/** Replaces every registered secret, and any password in a URL or a `password=` parameter, in free text. */
export function redactSecrets(text: string): string {
  let out = text
    .replace(/(postgres(?:ql)?:\/\/[^:/@\s]+:)([^@\s]+)@/gi, `$1${MASK}@`)
    .replace(/([?&;#\s](?:ssl)?password=)([^&\s]+)/gi, `$1${MASK}`);
  for (const secret of secrets) {
    if (out.includes(secret)) out = out.split(secret).join(MASK);
  }
  return out;
}
