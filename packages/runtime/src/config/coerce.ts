import { allKeys } from './keys/index.ts';
import type { KeySpec, KeyValue } from './spec.ts';

/** The key table by key. */
export const byKey: ReadonlyMap<string, KeySpec> = new Map(allKeys.map((k) => [k.key, k]));

/** A raw INI or environment value as the key's type, or undefined with the problem (naming `where`) pushed. */
export function coerce(spec: KeySpec, raw: unknown, where: string, problems: string[]): KeyValue | undefined {
  const s = typeof raw === 'string' ? raw.trim() : raw;
  const bad = (why: string) => {
    problems.push(`${where} ${spec.key}: ${why} (got ${JSON.stringify(raw)})`);
    return undefined;
  };
  switch (spec.type) {
    case 'string':
      if (typeof s !== 'string') return bad('expected text');
      return s;
    case 'boolean':
      if (typeof s === 'boolean') return s;
      if (typeof s === 'string' && /^(true|yes|on|1)$/i.test(s)) return true;
      if (typeof s === 'string' && /^(false|no|off|0)$/i.test(s)) return false;
      return bad('expected true or false');
    case 'enum':
      if (typeof s !== 'string' || !spec.values?.includes(s)) return bad(`expected one of ${spec.values?.join(', ')}`);
      return s;
    case 'number':
    case 'integer':
    case 'port': {
      const n = typeof s === 'number' ? s : typeof s === 'string' && s !== '' ? Number(s) : NaN;
      if (!Number.isFinite(n)) return bad('expected a number');
      if ((spec.type === 'integer' || spec.type === 'port') && !Number.isInteger(n))
        return bad('expected a whole number');
      const min = spec.type === 'port' ? 0 : spec.min;
      const max = spec.type === 'port' ? 65535 : spec.max;
      if (min !== undefined && n < min) return bad(`must be at least ${min}`);
      if (max !== undefined && n > max) return bad(`must be at most ${max}`);
      return n;
    }
  }
}

/** ` (did you mean "x"?)` for an unknown key close to a known one, else ''. */
export function suggest(key: string): string {
  const close = allKeys
    .map((k) => k.key)
    .find((k) => k !== key && (k.startsWith(key) || key.startsWith(k) || levenshtein(k, key) <= 2));
  return close ? ` (did you mean "${close}"?)` : '';
}

function levenshtein(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length]!;
}
