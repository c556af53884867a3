import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { IsrError } from '@isr/contract';
import { RuntimeErrorCodes } from '../errors.ts';
import { parseServiceArgs, type ServiceArgs } from './args.ts';
import { generalSettings } from './general-section.ts';
import { iniEntries, type RawSection } from './ini-sections.ts';
import { mergeSecrets } from './secrets.ts';
import { sourceConfig } from './source-section.ts';
import type { KeyValue } from './spec.ts';

export type ServiceName = 'capture-stream' | 'capture-alsa' | 'segmenter' | 'analyzer' | 'web';
export type SourceType = 'stream' | 'soundcard' | 'tone';
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
  readonly nats: {
    readonly servers: readonly string[];
    readonly user?: string;
    readonly pass?: string;
    readonly token?: string;
  };
  /** Port of this service's /metrics and /healthz. */
  readonly metricsPort: number;
}

/** Every problem of a configuration at once, each naming file, section and key. */
export class ConfigError extends IsrError {
  readonly problems: readonly string[];
  constructor(problems: string[]) {
    super(RuntimeErrorCodes.config, `invalid configuration:\n  ${problems.join('\n  ')}`);
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
 * Where the config file is: `--config FILE` or the positional argument (parsed args), else ISR_CONFIG, else
 * ./config.ini. Given a raw argv (a tool with flags of its own), only `--config FILE` / `--config=FILE` is looked for.
 */
export function configPath(
  args: readonly string[] | Pick<ServiceArgs, 'config'>,
  env: Readonly<Record<string, string | undefined>>,
  cwd: string,
): string {
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
    throw new ConfigError([
      `${file}: cannot read the configuration file (${(cause as NodeJS.ErrnoException).code ?? String(cause)}); pass --config FILE or set ISR_CONFIG`,
    ]);
  }
  let secrets: LoadOptions['secrets'];
  if (env.ISR_SECRETS_FILE) {
    const secretsFile = resolve(cwd, env.ISR_SECRETS_FILE);
    try {
      secrets = { file: secretsFile, text: readFileSync(secretsFile, 'utf8') };
    } catch (cause) {
      throw new ConfigError([
        `${secretsFile}: cannot read the secrets file (${(cause as NodeJS.ErrnoException).code ?? String(cause)}); ISR_SECRETS_FILE names it`,
      ]);
    }
  }
  return parseConfig(text, { ...opts, args, env, cwd, file, ...(secrets ? { secrets } : {}) });
}

/** Validates and freezes a configuration's text: the INI sections, the secrets laid over them, [general], each source. */
export function parseConfig(text: string, opts: LoadOptions & { file: string }): IsrConfig {
  const env = opts.env ?? {};
  const cwd = opts.cwd ?? process.cwd();
  const file = opts.file;
  const problems: string[] = [];
  let entries: ReturnType<typeof iniEntries>;
  try {
    entries = iniEntries(text);
  } catch (cause) {
    throw new ConfigError([`${file}: not a valid INI file (${String(cause)})`]);
  }
  const sections: RawSection[] = [];
  for (const [name, values] of entries) {
    if (values) sections.push([name, values]);
    else problems.push(`${file}: key "${name}" is outside any [section]; put it under [general] or a source section`);
  }
  if (opts.secrets) problems.push(...mergeSecrets(sections, opts.secrets, file));
  const portKey = PORT_KEYS[opts.service];
  const general = generalSettings(
    {
      file,
      raw: sections.find(([n]) => n === 'general')?.[1] ?? {},
      env,
      cwd,
      ...(env.METRICS_PORT && opts.service !== 'web' ? { metricsPort: { key: portKey, value: env.METRICS_PORT } } : {}),
    },
    problems,
  );
  const sources: SourceConfig[] = [];
  for (const [name, raw] of sections) {
    if (name === 'general') continue;
    const source = sourceConfig({ file, name, raw, general, service: opts.service, cwd }, problems);
    if (source) sources.push(source);
  }
  const only = selectedSources(argsOf(opts), env);
  if (only) {
    const unknown = only.filter((n) => !sources.some((s) => s.name === n));
    if (unknown.length) problems.push(`--sources: no section ${unknown.map((n) => `[${n}]`).join(', ')} in ${file}`);
  }
  if (problems.length) throw new ConfigError(problems);

  const servers = String(general.nats_url)
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  return deepFreeze({
    file,
    general,
    sources: only ? sources.filter((s) => only.includes(s.name)) : sources,
    nats: {
      servers,
      user: env.NATS_USER || undefined,
      pass: env.NATS_PASSWORD || undefined,
      token: env.NATS_TOKEN || undefined,
    },
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
  return raw
    .split(',')
    .map((n) => n.trim())
    .filter(Boolean);
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
