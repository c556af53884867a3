import { resolve } from 'node:path';
import { byKey, coerce, suggest } from './coerce.ts';
import { allKeys } from './keys/index.ts';
import type { KeyValue } from './spec.ts';

export interface GeneralInput {
  /** The config file's name, for the problems. */
  file: string;
  /** [general]'s raw values ({} without the section). */
  raw: Record<string, unknown>;
  env: Readonly<Record<string, string | undefined>>;
  cwd: string;
  /** This service's metrics port key and the METRICS_PORT value that overrides it (not for web). */
  metricsPort?: { key: string; value: string };
}

/**
 * [general]: the table's defaults, the file's values, then the environment overrides (each key's `env`);
 * output_directory made absolute. Problems are pushed, naming file, section and key.
 */
export function generalSettings(g: GeneralInput, problems: string[]): Record<string, KeyValue> {
  const general: Record<string, KeyValue> = {};
  for (const spec of allKeys)
    if (spec.scope !== 'source' && spec.default !== undefined) general[spec.key] = spec.default;
  for (const [key, raw] of Object.entries(g.raw)) {
    const spec = byKey.get(key);
    if (!spec) problems.push(`${g.file} [general] ${key}: unknown key${suggest(key)}`);
    else if (spec.scope === 'source')
      problems.push(`${g.file} [general] ${key}: belongs in a source section, not [general]`);
    else {
      const v = coerce(spec, raw, `${g.file} [general]`, problems);
      if (v !== undefined) general[key] = v;
    }
  }
  for (const spec of allKeys) {
    const fromEnv = spec.env ? g.env[spec.env] : undefined;
    if (spec.scope !== 'source' && fromEnv !== undefined && fromEnv !== '') {
      const v = coerce(spec, fromEnv, `environment ${spec.env} →`, problems);
      if (v !== undefined) general[spec.key] = v;
    }
  }
  if (g.metricsPort) {
    const v = coerce(byKey.get(g.metricsPort.key)!, g.metricsPort.value, 'environment METRICS_PORT →', problems);
    if (v !== undefined) general[g.metricsPort.key] = v;
  }
  general.output_directory = resolve(g.cwd, String(general.output_directory));
  return general;
}
