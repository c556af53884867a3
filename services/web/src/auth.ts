import { timingSafeEqual } from 'node:crypto';

/** Credentials that unlock DELETE. None configured = deleting is disabled. */
export interface Credentials {
  token?: string;
  user?: string;
  password?: string;
}

export function deleteEnabled(c: Credentials): boolean {
  return Boolean(c.token) || Boolean(c.user && c.password);
}

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
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
  const value = m[2]!;
  if (scheme === 'bearer' && c.token) return same(value, c.token);
  if (scheme === 'basic' && c.user && c.password) {
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    const i = decoded.indexOf(':');
    if (i < 0) return false;
    return same(decoded.slice(0, i), c.user) && same(decoded.slice(i + 1), c.password);
  }
  return false;
}
