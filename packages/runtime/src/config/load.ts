import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { IsrError, redactUrl, sourceNameProblem } from '@isr/contract';
import { parse as parseIni } from 'ini';
import { parseServiceArgs, type ServiceArgs } from './args.ts';
import { allKeys } from './keys/index.ts';
import type { KeySpec, KeyValue } from './spec.ts';

export type ServiceName = 'capture-stream' | 'capture-alsa' | 'segmenter' | 'analyzer' | 'web';
export type SourceType = 'stream' | 'soundcard' | 'tone';
const SOURCE_TYPES: readonly SourceType[] = ['stream', 'soundcard', 'tone'];
export type Settings = Readonly<Record<string, KeyValue>>;

export interface SourceConfig {
  readonly name: string;
  readonly type: SourceType;
  /** [general] values (and defaults) merged with this section's; output_directory is absolute. */
  readonly settings: Settings;
}

export interface IsrConfig {
  /** Absolute path of the INI file read. */
  readonly file: string;
  /** [general] values with defaults and environment overrides applied; output_directory is absolute. */
  readonly general: Settings;
  readonly sources: readonly SourceConfig[];
  readonly nats: { readonly servers: readonly string[]; readonly user?: string; readonly pass?: string; readonly token?: string };
  /** Port of this service's /metrics and /healthz. */
  readonly metricsPort: number;
}

/** Every problem of a configuration at once, each naming file, section and key. */
export class ConfigError extends IsrError {
  readonly problems: readonly string[];
  constructor(problems: string[]) {
    super('ISR_CONFIG', `invalid configuration:\n  ${problems.join('\n  ')}`);
    this.problems = problems;
  }
}

const PORT_KEYS: Record<ServiceName, string> = {
  'capture-stream': 'capture_stream_metrics_port',
  'capture-alsa': 'capture_alsa_metrics_port',
  segmenter: 'segmenter_metrics_port',
  analyzer: 'analyzer_metrics_port',
  web: 'web_port',
};

export interface LoadOptions {
  service: ServiceName;
  /** The command line, parsed strictly with the common options only (a service with flags of its own passes `args`). */
  argv?: readonly string[];
  /** The command line as parseServiceArgs parsed it (wins over argv). */
  args?: ServiceArgs;
  env?: Readonly<Record<string, string | undefined>>;
  cwd?: string;
  /** The secrets file ($ISR_SECRETS_FILE) as read by loadConfig: its path and text. */
  secrets?: { file: string; text: string };
}

/**
 * Keys the secrets file ($ISR_SECRETS_FILE) may set: the stream URLs, which may carry credentials. Compose gives
 * that file to capture-stream alone, so config.ini, read by every service, need hold none; a missing one is an
 * error only for the service that uses it.
 */
const SECRET_KEYS: Readonly<Record<string, ServiceName>> = { url: 'capture-stream' };

/**
 * Where the config file is: `--config FILE` or the positional argument (parsed args), else ISR_CONFIG, else
 * ./config.ini. Given a raw argv (a tool with flags of its own), only `--config FILE` / `--config=FILE` is looked for.
 */
export function configPath(args: readonly string[] | Pick<ServiceArgs, 'config'>, env: Readonly<Record<string, string | undefined>>, cwd: string): string {
  let fromArg: string | undefined;
  if (isArgv(args)) {
    const i = args.indexOf('--config');
    fromArg = i >= 0 ? args[i + 1] : args.find((a) => a.startsWith('--config='))?.slice('--config='.length);
  } else fromArg = args.config;
  return resolve(cwd, fromArg ?? (env.ISR_CONFIG || 'config.ini'));
}

const isArgv = (a: readonly string[] | Pick<ServiceArgs, 'config'>): a is readonly string[] => Array.isArray(a);

/** The parsed command line of LoadOptions: `args`, else `argv` parsed strictly (throws ArgsError). */
function argsOf(opts: LoadOptions): ServiceArgs {
  return opts.args ?? parseServiceArgs(opts.argv ?? []);
}

/** Reads, validates and freezes the configuration. The only place that reads process.env. */
export function loadConfig(opts: LoadOptions): IsrConfig {
  const env = opts.env ?? process.env;
  const cwd = opts.cwd ?? process.cwd();
  const args = opts.args ?? parseServiceArgs(opts.argv ?? process.argv.slice(2));
  const file = configPath(args, env, cwd);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (cause) {
    throw new ConfigError([`${file}: cannot read the configuration file (${(cause as NodeJS.ErrnoException).code ?? String(cause)}); pass --config FILE or set ISR_CONFIG`]);
  }
  let secrets: LoadOptions['secrets'];
  if (env.ISR_SECRETS_FILE) {
    const secretsFile = resolve(cwd, env.ISR_SECRETS_FILE);
    try {
      secrets = { file: secretsFile, text: readFileSync(secretsFile, 'utf8') };
    } catch (cause) {
      throw new ConfigError([`${secretsFile}: cannot read the secrets file (${(cause as NodeJS.ErrnoException).code ?? String(cause)}); ISR_SECRETS_FILE names it`]);
    }
  }
  return parseConfig(text, { ...opts, args, env, cwd, file, ...(secrets ? { secrets } : {}) });
}

const byKey = new Map(allKeys.map((k) => [k.key, k]));

function coerce(spec: KeySpec, raw: unknown, where: string, problems: string[]): KeyValue | undefined {
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
      if ((spec.type === 'integer' || spec.type === 'port') && !Number.isInteger(n)) return bad('expected a whole number');
      const min = spec.type === 'port' ? 0 : spec.min;
      const max = spec.type === 'port' ? 65535 : spec.max;
      if (min !== undefined && n < min) return bad(`must be at least ${min}`);
      if (max !== undefined && n > max) return bad(`must be at most ${max}`);
      return n;
    }
  }
}

/** Lays the secrets file's keys over the sections of config.ini; its problems name the secrets file, never a value. */
function mergeSecrets(sections: [string, Record<string, unknown>][], secrets: { file: string; text: string }, configFile: string): string[] {
  const problems: string[] = [];
  let doc: Record<string, unknown>;
  try {
    doc = parseIni(secrets.text) as Record<string, unknown>;
  } catch {
    return [`${secrets.file}: not a valid INI file`];
  }
  for (const [name, value] of Object.entries(doc)) {
    const target = sections.find(([n]) => n === name)?.[1];
    if (value === null || typeof value !== 'object' || Array.isArray(value)) problems.push(`${secrets.file}: key "${name}" is outside any [section]`);
    else if (!target || name === 'general') problems.push(`${secrets.file} [${name}]: no such source section in ${configFile}`);
    else {
      for (const [key, v] of Object.entries(value)) {
        if (key in SECRET_KEYS) target[key] = v;
        else problems.push(`${secrets.file} [${name}] ${key}: only ${Object.keys(SECRET_KEYS).join(', ')} can be set in the secrets file`);
      }
    }
  }
  return problems;
}

export function parseConfig(text: string, opts: LoadOptions & { file: string }): IsrConfig {
  const env = opts.env ?? {};
  const cwd = opts.cwd ?? process.cwd();
  const file = opts.file;
  const problems: string[] = [];
  let doc: Record<string, unknown>;
  try {
    doc = parseIni(text) as Record<string, unknown>;
  } catch (cause) {
    throw new ConfigError([`${file}: not a valid INI file (${String(cause)})`]);
  }
  // ini puts keys before the first section at the top level: those are a mistake in an ISR config.
  const sections: [string, Record<string, unknown>][] = [];
  for (const [name, value] of Object.entries(doc)) {
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) sections.push([name, value as Record<string, unknown>]);
    else problems.push(`${file}: key "${name}" is outside any [section]; put it under [general] or a source section`);
  }
  if (opts.secrets) problems.push(...mergeSecrets(sections, opts.secrets, file));
  const generalRaw = sections.find(([n]) => n === 'general')?.[1] ?? {};

  const general: Record<string, KeyValue> = {};
  for (const spec of allKeys) if (spec.scope !== 'source' && spec.default !== undefined) general[spec.key] = spec.default;
  for (const [key, raw] of Object.entries(generalRaw)) {
    const spec = byKey.get(key);
    if (!spec) problems.push(`${file} [general] ${key}: unknown key${suggest(key)}`);
    else if (spec.scope === 'source') problems.push(`${file} [general] ${key}: belongs in a source section, not [general]`);
    else {
      const v = coerce(spec, raw, `${file} [general]`, problems);
      if (v !== undefined) general[key] = v;
    }
  }
  for (const spec of allKeys) {
    const fromEnv = spec.env ? env[spec.env] : undefined;
    if (spec.scope !== 'source' && fromEnv !== undefined && fromEnv !== '') {
      const v = coerce(spec, fromEnv, `environment ${spec.env} →`, problems);
      if (v !== undefined) general[spec.key] = v;
    }
  }
  const portKey = PORT_KEYS[opts.service];
  if (env.METRICS_PORT && opts.service !== 'web') {
    const v = coerce(byKey.get(portKey)!, env.METRICS_PORT, 'environment METRICS_PORT →', problems);
    if (v !== undefined) general[portKey] = v;
  }
  general.output_directory = resolve(cwd, String(general.output_directory));

  const sources: SourceConfig[] = [];
  for (const [name, raw] of sections) {
    if (name === 'general') continue;
    const where = `${file} [${name}]`;
    const nameProblem = sourceNameProblem(name);
    if (nameProblem) {
      problems.push(`${where}: source name ${nameProblem}`);
      continue;
    }
    const rawType = raw.type;
    if (!SOURCE_TYPES.includes(rawType as SourceType)) {
      const expected = SOURCE_TYPES.join(', ');
      problems.push(rawType === undefined ? `${where} type: required key is missing (${expected})` : `${where} type: unknown source type ${JSON.stringify(rawType)}; expected one of ${expected}`);
      continue;
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
      else if (spec.types && !spec.types.includes(type)) problems.push(`${where} ${key}: does not apply to type = ${type}`);
      else {
        const v = coerce(spec, value, where, problems);
        if (v !== undefined) settings[key] = v;
      }
    }
    for (const spec of allKeys) {
      const usedBy = SECRET_KEYS[spec.key];
      if (usedBy && usedBy !== opts.service) continue;
      if (spec.required && spec.scope === 'source' && (!spec.types || spec.types.includes(type)) && settings[spec.key] === undefined && raw[spec.key] === undefined) {
        problems.push(`${where} ${spec.key}: required key is missing`);
      }
    }
    if (typeof settings.url === 'string' && type === 'stream' && !/^https?:\/\//i.test(settings.url)) {
      problems.push(`${where} url: must be an http:// or https:// URL (got ${JSON.stringify(redactUrl(settings.url))})`);
    }
    if (type === 'tone') problems.push(...toneProblems(settings, where));
    settings.output_directory = resolve(cwd, String(settings.output_directory));
    // Paths on the bus, in KV and in the web's URLs are relative to [general]'s directory; web and analyzer look
    // there only, so a source recording elsewhere would make files nobody lists, analyses or plays.
    if (raw.output_directory !== undefined && settings.output_directory !== general.output_directory) {
      problems.push(`${where} output_directory: a source cannot have its own recordings directory (${String(settings.output_directory)}); web and analyzer find every recording under [general]'s output_directory (${String(general.output_directory)}). Remove the key from [${name}] (its files go to ${join(String(general.output_directory), name)}/)`);
    }
    sources.push(Object.freeze({ name, type, settings: Object.freeze(settings) }));
  }
  const only = selectedSources(argsOf(opts), env);
  if (only) {
    const unknown = only.filter((n) => !sources.some((s) => s.name === n));
    if (unknown.length) problems.push(`--sources: no section ${unknown.map((n) => `[${n}]`).join(', ')} in ${file}`);
  }
  if (problems.length) throw new ConfigError(problems);

  const servers = String(general.nats_url).split(',').map((s) => s.trim()).filter(Boolean);
  return deepFreeze({
    file,
    general,
    sources: only ? sources.filter((s) => only.includes(s.name)) : sources,
    nats: { servers, user: env.NATS_USER || undefined, pass: env.NATS_PASSWORD || undefined, token: env.NATS_TOKEN || undefined },
    metricsPort: Number(general[portKey]),
  });
}

/**
 * The sources this instance records: `--sources a,b` (or `--sources=a,b`, or ISR_SOURCES), else all. One
 * config.ini serves every host; each capture instance is given its share, and two instances given the same
 * source take turns through its lease (one active, the other standby).
 */
function selectedSources(args: ServiceArgs, env: Readonly<Record<string, string | undefined>>): string[] | null {
  const raw = args.sources ?? env.ISR_SOURCES;
  if (raw === undefined || raw.trim() === '') return null;
  return raw.split(',').map((n) => n.trim()).filter(Boolean);
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

function suggest(key: string): string {
  const close = allKeys.map((k) => k.key).find((k) => k !== key && (k.startsWith(key) || key.startsWith(k) || levenshtein(k, key) <= 2));
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

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object' && !Object.isFrozen(o)) {
    Object.freeze(o);
    for (const v of Object.values(o)) deepFreeze(v);
  }
  return o;
}

/** Typed reads of settings; the key table guarantees the type, these make it visible to TypeScript. */
export function str(s: Settings, key: string): string {
  const v = s[key];
  if (typeof v !== 'string') throw new Error(`setting ${key} is not text`);
  return v;
}
export function num(s: Settings, key: string): number {
  const v = s[key];
  if (typeof v !== 'number') throw new Error(`setting ${key} is not a number`);
  return v;
}
export function bool(s: Settings, key: string): boolean {
  const v = s[key];
  if (typeof v !== 'boolean') throw new Error(`setting ${key} is not true/false`);
  return v;
}
