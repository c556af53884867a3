import { parse as parseIni } from 'ini';

/** One `[name]` section of an INI file with its raw values. */
export type RawSection = [name: string, values: Record<string, unknown>];

/**
 * The top level of an INI text in file order: each `[section]` with its raw values, or null for a key outside any
 * section (ini puts keys before the first section at the top level: a mistake in an ISR file). Throws what the INI
 * parser throws.
 */
export function iniEntries(text: string): [name: string, values: Record<string, unknown> | null][] {
  const doc = parseIni(text) as Record<string, unknown>;
  return Object.entries(doc).map(([name, value]) => [
    name,
    value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : null,
  ]);
}
