/**
 * The shape of a connection string we accept from a person (`--db`, `DP_DEFAULT_DB_URL`): `sample`,
 * or a `postgresql://` URL that parses and names its host. The problems never quote the value: it
 * may hold a password that masking cannot find in a string that does not parse.
 */

export interface ConnectionUrlRule {
  /** Whether `sample` (the bundled sample database) is accepted. */
  sample: boolean;
  /** Whether a `host=` parameter may name the host instead of the authority (`postgresql:///db?host=/run/postgresql`). */
  hostParameter?: boolean;
}

const ENCODE_HINT = 'percent-encode "@", "/", "?", "#" and ":" in the user name and password (%40, %2F, %3F, %23, %3A)';

/** Why `value` is not an accepted connection, or undefined; never quotes the value. */
export function connectionUrlProblem(value: string, rule: ConnectionUrlRule): string | undefined {
  if (rule.sample && value === 'sample') return undefined;
  const accepted = rule.sample ? 'must be "sample" or a postgresql:// URL' : 'must be a postgresql:// URL';
  if (!/^postgres(ql)?:\/\//i.test(value)) return accepted;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return `${accepted}, and this one does not parse: ${ENCODE_HINT}`;
  }
  // An `@` past the authority as a URL parser reads it: a password holding an unencoded `/`, `?` or
  // `#`, whose rest a driver would take for the host or the path.
  const authorityEnd = value.slice(value.indexOf('//') + 2).search(/[/?#]/);
  if (authorityEnd >= 0 && value.indexOf('@', value.indexOf('//') + 2 + authorityEnd) >= 0) {
    return `${accepted} with no "@" after its host: ${ENCODE_HINT}`;
  }
  const host = url.hostname || (rule.hostParameter ? (url.searchParams.get('host') ?? '') : '');
  if (!host) return `${accepted} naming its host (postgresql://host:5432/database)`;
  // The driver reads an unknown sslmode as "require" and then reports the server's refusal of SSL.
  const sslmode = url.searchParams.get('sslmode');
  if (sslmode !== null && !SSL_MODES.includes(sslmode)) return `has sslmode=${sslmode}; accepted: ${SSL_MODES.join(', ')}`;
  return undefined;
}

/** The sslmode values PostgreSQL's clients know (and `no-verify`, the node driver's own). */
const SSL_MODES = ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full', 'no-verify'];
