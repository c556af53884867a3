import { iniEntries, type RawSection } from './ini-sections.ts';
import type { ServiceName } from './load.ts';

/**
 * Keys the secrets file ($ISR_SECRETS_FILE) may set: the stream URLs, which may carry credentials. Compose gives
 * that file to capture-stream alone, so config.ini, read by every service, need hold none; a missing one is an
 * error only for the service that uses it.
 */
export const SECRET_KEYS: Readonly<Record<string, ServiceName>> = { url: 'capture-stream' };

/** Lays the secrets file's keys over the sections of config.ini; its problems name the secrets file, never a value. */
export function mergeSecrets(
  sections: readonly RawSection[],
  secrets: { file: string; text: string },
  configFile: string,
): string[] {
  const problems: string[] = [];
  let entries: ReturnType<typeof iniEntries>;
  try {
    entries = iniEntries(secrets.text);
  } catch {
    return [`${secrets.file}: not a valid INI file`];
  }
  for (const [name, value] of entries) {
    const target = sections.find(([n]) => n === name)?.[1];
    if (!value) problems.push(`${secrets.file}: key "${name}" is outside any [section]`);
    else if (!target || name === 'general')
      problems.push(`${secrets.file} [${name}]: no such source section in ${configFile}`);
    else {
      for (const [key, v] of Object.entries(value)) {
        if (key in SECRET_KEYS) target[key] = v;
        else
          problems.push(
            `${secrets.file} [${name}] ${key}: only ${Object.keys(SECRET_KEYS).join(', ')} can be set in the secrets file`,
          );
      }
    }
  }
  return problems;
}
