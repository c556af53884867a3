import { join, resolve } from 'node:path';
import { redactUrl, sourceNameProblem } from '@isr/contract';
import { byKey, coerce, suggest } from './coerce.ts';
import { allKeys } from './keys/index.ts';
import type { ServiceName, SourceConfig, SourceType } from './load.ts';
import { SECRET_KEYS } from './secrets.ts';
import type { KeyValue } from './spec.ts';

const SOURCE_TYPES: readonly SourceType[] = ['stream', 'soundcard', 'tone'];

export interface SourceInput {
  /** The config file's name, for the problems. */
  file: string;
  name: string;
  raw: Record<string, unknown>;
  /** [general] as generalSettings made it: inherited keys' values. */
  general: Readonly<Record<string, KeyValue>>;
  service: ServiceName;
  cwd: string;
}

/**
 * One source section: its name and type checked, the table's defaults and [general]'s inherited values under the
 * section's own, required keys, the checks across keys. Null (with the problems pushed) when the section cannot
 * be a source at all; a source with problems in its keys is returned too, so every problem is named at once.
 */
export function sourceConfig(s: SourceInput, problems: string[]): SourceConfig | null {
  const { raw, general } = s;
  const where = `${s.file} [${s.name}]`;
  const nameProblem = sourceNameProblem(s.name);
  if (nameProblem) {
    problems.push(`${where}: source name ${nameProblem}`);
    return null;
  }
  const rawType = raw.type;
  if (!SOURCE_TYPES.includes(rawType as SourceType)) {
    const expected = SOURCE_TYPES.join(', ');
    problems.push(
      rawType === undefined
        ? `${where} type: required key is missing (${expected})`
        : `${where} type: unknown source type ${JSON.stringify(rawType)}; expected one of ${expected}`,
    );
    return null;
  }
  const type = rawType as SourceType;
  const settings: Record<string, KeyValue> = {};
  for (const spec of allKeys) {
    if (spec.scope === 'general') continue;
    if (spec.types && !spec.types.includes(type)) continue;
    const inherited = spec.scope === 'inherited' ? general[spec.key] : undefined;
    const v = inherited ?? spec.default;
    if (v !== undefined) settings[spec.key] = v;
  }
  for (const [key, value] of Object.entries(raw)) {
    const spec = byKey.get(key);
    if (!spec) problems.push(`${where} ${key}: unknown key${suggest(key)}`);
    else if (spec.scope === 'general') problems.push(`${where} ${key}: can only be set in [general]`);
    else if (spec.types && !spec.types.includes(type))
      problems.push(`${where} ${key}: does not apply to type = ${type}`);
    else {
      const v = coerce(spec, value, where, problems);
      if (v !== undefined) settings[key] = v;
    }
  }
  for (const spec of allKeys) {
    const usedBy = SECRET_KEYS[spec.key];
    if (usedBy && usedBy !== s.service) continue;
    if (
      spec.required &&
      spec.scope === 'source' &&
      (!spec.types || spec.types.includes(type)) &&
      settings[spec.key] === undefined &&
      raw[spec.key] === undefined
    ) {
      problems.push(`${where} ${spec.key}: required key is missing`);
    }
  }
  if (typeof settings.url === 'string' && type === 'stream' && !/^https?:\/\//i.test(settings.url)) {
    problems.push(`${where} url: must be an http:// or https:// URL (got ${JSON.stringify(redactUrl(settings.url))})`);
  }
  if (type === 'tone') problems.push(...toneProblems(settings, where));
  settings.output_directory = resolve(s.cwd, String(settings.output_directory));
  // Paths on the bus, in KV and in the web's URLs are relative to [general]'s directory; web and analyzer look
  // there only, so a source recording elsewhere would make files nobody lists, analyzes or plays.
  if (raw.output_directory !== undefined && settings.output_directory !== general.output_directory) {
    problems.push(
      `${where} output_directory: a source cannot have its own recordings directory (${String(settings.output_directory)}); web and analyzer find every recording under [general]'s output_directory (${String(general.output_directory)}). Remove the key from [${s.name}] (its files go to ${join(String(general.output_directory), s.name)}/)`,
    );
  }
  return Object.freeze({ name: s.name, type, settings: Object.freeze(settings) });
}

/** What single keys cannot say about a tone section: the silence fits in the period, the sine below Nyquist. */
function toneProblems(s: Record<string, KeyValue>, where: string): string[] {
  const out: string[] = [];
  const { tone_silence_seconds: silence, tone_period_seconds: period, tone_frequency: freq, sample_rate: rate } = s;
  if (typeof silence === 'number' && typeof period === 'number' && silence >= period) {
    out.push(`${where} tone_silence_seconds: must be less than tone_period_seconds (${period}) (got ${silence})`);
  }
  if (typeof freq === 'number' && typeof rate === 'number' && freq >= rate / 2) {
    out.push(`${where} tone_frequency: must be below half the sample_rate (${rate / 2} Hz) (got ${freq})`);
  }
  return out;
}
