/**
 * Secrets (database passwords, API keys) are registered once when they enter the process and
 * replaced by `***` in every log line, error message and file we write.
 */
const secrets = new Set<string>();
const MASK = '***';

/** Registers a secret; strings shorter than 4 characters are ignored (they would mask noise). */
export function registerSecret(secret: string | undefined | null): void {
  if (secret && secret.length >= 4) {
    secrets.add(secret);
    // The URL-encoded form appears in connection strings.
    const encoded = encodeURIComponent(secret);
    if (encoded !== secret) secrets.add(encoded);
  }
}

/** Registers the password of a connection URL (if any) and returns the URL with it masked. */
export function registerUrlSecret(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) registerSecret(decodeURIComponent(parsed.password));
  } catch {
    // Not a URL: nothing to register.
  }
  return redactUrl(url);
}

/** The URL with its password replaced by `***`. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (!parsed.password) return url;
    parsed.password = MASK;
    return parsed.toString().replace(`:${encodeURIComponent(MASK)}@`, `:${MASK}@`);
  } catch {
    return redactSecrets(url);
  }
}

/** Replaces every registered secret, and any password in a URL, in free text. */
export function redactSecrets(text: string): string {
  let out = text.replace(/(postgres(?:ql)?:\/\/[^:/@\s]+:)([^@\s]+)@/gi, `$1${MASK}@`);
  for (const secret of secrets) {
    if (out.includes(secret)) out = out.split(secret).join(MASK);
  }
  return out;
}
