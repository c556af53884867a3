/**
 * The Host allow-list (web_allowed_hosts) against DNS rebinding: a page on another site that makes its own
 * name resolve to the archive's LAN address still sends its own name as Host, so naming the hosts the archive
 * is reached by refuses it. Entries are `name` (any port) or `name:port`; loopback names always pass (a
 * rebinding site cannot be called localhost). Pure.
 */
export function hostAllowed(host: string | undefined, allowed: readonly string[]): boolean {
  if (allowed.length === 0) return true;
  if (!host) return false;
  const h = host.trim().toLowerCase();
  const m = /^(\[[0-9a-f:.]+\]|[^:[\]]+)(?::(\d{1,5}))?$/.exec(h);
  if (!m) return false;
  const name = m[1]!;
  if (name === 'localhost' || name === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(name)) return true;
  return allowed.includes(name) || (m[2] !== undefined && allowed.includes(`${name}:${m[2]}`));
}
