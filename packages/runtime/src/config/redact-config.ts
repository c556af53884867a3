import { REDACTED, redactSecrets } from '@isr/contract';
import { allKeys } from './keys/index.ts';
import type { IsrConfig, Settings, SourceType } from './load.ts';
import type { KeyValue } from './spec.ts';

/** The effective configuration as it may be shown (the web's /api/config): every secret replaced by `***`. */
export interface RedactedConfig {
  file: string;
  general: Record<string, KeyValue>;
  sources: { name: string; type: SourceType; settings: Record<string, KeyValue> }[];
}

const secretOf = new Map(allKeys.filter((k) => k.secret).map((k) => [k.key, k.secret]));

/**
 * A key the table marks `secret: 'value'` (a password, a token) shows `***` when set and '' when not; `secret:
 * 'url'` keeps the URL readable with its credentials redacted (user:pass@, token-like parameters). Every other
 * text value also goes through redactSecrets, so a URL in an unexpected key cannot leak a credential either.
 * NATS credentials from the environment (NATS_USER/NATS_PASSWORD/NATS_TOKEN) are not part of it at all.
 */
export function redactedConfig(config: IsrConfig): RedactedConfig {
  return {
    file: config.file,
    general: redactSettings(config.general),
    sources: config.sources.map((s) => ({ name: s.name, type: s.type, settings: redactSettings(s.settings) })),
  };
}

function redactSettings(s: Settings): Record<string, KeyValue> {
  const out: Record<string, KeyValue> = {};
  for (const [key, v] of Object.entries(s)) {
    if (typeof v !== 'string') out[key] = v;
    else if (secretOf.get(key) === 'value') out[key] = v === '' ? '' : REDACTED;
    else out[key] = redactSecrets(v);
  }
  return out;
}
