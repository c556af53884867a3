import { parseArgs, type ParseArgsOptionsConfig } from 'node:util';
import { IsrError } from '@isr/contract';
import { RuntimeErrorCodes } from '../errors.ts';

/**
 * The command line of every service, parsed in one place with node:util parseArgs (strict): the config file as
 * `--config FILE` or as the one positional argument (the seed's `isr.py myconfig.ini`), `--sources a,b`, and the
 * service's own flags (web: `--dir --port --threshold`, capture-alsa: `--list-devices`). Anything else — an
 * unknown flag, a second positional, a flag without its value — is refused, never silently ignored.
 */

/** What every service accepts. */
const COMMON_OPTIONS = {
  config: { type: 'string' },
  sources: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies ParseArgsOptionsConfig;

export type ExtraValues = Readonly<Record<string, string | boolean | undefined>>;

export interface ServiceArgs {
  /** The config file as given (`--config FILE` or the positional argument), not resolved. */
  readonly config?: string;
  /** `--sources a,b` as given. */
  readonly sources?: string;
  readonly help: boolean;
  /** The service's own flags, by name. */
  readonly values: ExtraValues;
}

/** A command line the service cannot run with; the message says what was wrong and how to call it. */
export class ArgsError extends IsrError {
  constructor(message: string) {
    super(RuntimeErrorCodes.args, message);
  }
}

/** One usage line: `isr-web [CONFIG] [--config FILE] [--sources a,b] [--dir DIR] …`. */
export function usage(command: string, options: ParseArgsOptionsConfig = {}): string {
  const own = Object.entries(options).map(([name, o]) =>
    o.type === 'boolean' ? `[--${name}]` : `[--${name} ${name.toUpperCase()}]`,
  );
  return `usage: ${command} [CONFIG.ini] [--config FILE] [--sources a,b]${own.length ? ` ${own.join(' ')}` : ''}`;
}

/** Parses argv (without node and the script) strictly; `options` are the service's own flags. */
export function parseServiceArgs(argv: readonly string[], options: ParseArgsOptionsConfig = {}): ServiceArgs {
  for (const name of Object.keys(options)) {
    if (name in COMMON_OPTIONS) throw new Error(`--${name} is a common option; a service cannot redefine it`);
  }
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: [...argv],
      options: { ...COMMON_OPTIONS, ...options },
      allowPositionals: true,
      strict: true,
    });
  } catch (err) {
    throw new ArgsError(argsMessage(err as Error & { code?: string }));
  }
  const { values, positionals } = parsed;
  if (positionals.length > 1)
    throw new ArgsError(
      `one configuration file only, got ${positionals.length} arguments: ${positionals.map((p) => JSON.stringify(p)).join(' ')}`,
    );
  const config = values.config as string | undefined;
  if (positionals.length === 1 && config !== undefined)
    throw new ArgsError(
      `the configuration file is given twice: --config ${JSON.stringify(config)} and ${JSON.stringify(positionals[0])}; give one`,
    );
  for (const [name, v] of Object.entries(values)) {
    if (v === '' && (options[name]?.type ?? COMMON_OPTIONS[name as keyof typeof COMMON_OPTIONS]?.type) === 'string')
      throw new ArgsError(`--${name} needs a value`);
  }
  const own: Record<string, string | boolean | undefined> = {};
  for (const name of Object.keys(options)) own[name] = values[name] as string | boolean | undefined;
  const file = config ?? positionals[0];
  const sources = values.sources as string | undefined;
  return Object.freeze({
    ...(file !== undefined ? { config: file } : {}),
    ...(sources !== undefined ? { sources } : {}),
    help: values.help === true,
    values: Object.freeze(own),
  });
}

/** parseArgs' messages name the fix for a script author; ours name it for the operator. */
function argsMessage(err: Error & { code?: string }): string {
  const quoted = /'(-[^']*)'/.exec(err.message)?.[1]?.split(/[ ,]+/) ?? [];
  const option = quoted.find((t) => t.startsWith('--')) ?? quoted[0];
  switch (err.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return `unknown option ${option ?? err.message}`;
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      if (/ambiguous/.test(err.message))
        return `${option ?? 'an option'} needs a value (a value that starts with "-" is written ${option ?? '--option'}=-VALUE)`;
      return /argument missing/.test(err.message)
        ? `${option ?? 'an option'} needs a value`
        : `${option ?? 'an option'} takes no value`;
    default:
      return err.message;
  }
}
