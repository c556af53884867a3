import { createHash, timingSafeEqual } from 'node:crypto';

/** Credentials that unlock DELETE. None configured = deleting is disabled. */
export interface Credentials {
  token?: string;
  user?: string;
  password?: string;
}

export function deleteEnabled(c: Credentials): boolean {
  return Boolean(c.token) || Boolean(c.user && c.password);
}

/**
 * SHA-256 of a whole credential with its scheme: `user:password` for Basic, the token for Bearer. Comparing
 * these 32-byte digests with timingSafeEqual takes the same time whatever the lengths and wherever the
 * first difference is, so a timing leaks neither the secret's length nor whether the user or the password
 * was wrong.
 */
export function credentialDigest(scheme: 'basic' | 'bearer', credential: string): Buffer {
  return createHash('sha256').update(scheme).update('\0').update(credential, 'utf8').digest();
}

/** Who an (authorized) Authorization header names: the Basic-auth user, or 'token' for a bearer token. */
export function credentialUser(header: string | undefined): string {
  const m = /^basic\s+(\S+)\s*$/i.exec(header ?? '');
  if (!m) return 'token';
  const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
  return decoded.slice(0, Math.max(0, decoded.indexOf(':'))) || 'token';
}

/** Does an Authorization header carry the configured token (`Bearer …`) or user/password (`Basic …`)? Pure. */
export function authorized(header: string | undefined, c: Credentials): boolean {
  if (!header || !deleteEnabled(c)) return false;
  const m = /^(\w+)\s+(\S+)\s*$/.exec(header);
  if (!m) return false;
  const scheme = m[1]!.toLowerCase();
  if (scheme !== 'basic' && scheme !== 'bearer') return false;
  const given = credentialDigest(scheme, scheme === 'basic' ? Buffer.from(m[2]!, 'base64').toString('utf8') : m[2]!);
  // Both configured credentials are compared every time (an unset one against a digest nothing matches).
  const token = credentialDigest('bearer', c.token ?? '');
  const pair = credentialDigest('basic', c.user && c.password ? `${c.user}:${c.password}` : '');
  const tokenOk = timingSafeEqual(given, token) && Boolean(c.token);
  const pairOk = timingSafeEqual(given, pair) && Boolean(c.user && c.password);
  return tokenOk || pairOk;
}
