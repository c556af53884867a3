import { createWriteStream } from 'node:fs';
import { redactSecrets } from '@isr/contract';
import pino, { type Logger } from 'pino';
import pretty from 'pino-pretty';

export type { Logger };

export interface LoggerOptions {
  service: string;
  level?: string;
  /** Also append JSON lines here (the seed's log_file). */
  file?: string;
  /** Human-readable output; default: when stdout is a terminal. */
  pretty?: boolean;
  /** Where console output goes (tests pass a sink). */
  stream?: NodeJS.WritableStream;
}

/** Strings anywhere in a (serialized) value with the credentials of their URLs redacted; depth-bounded. */
function redactDeep(v: unknown, depth = 0): unknown {
  if (typeof v === 'string') return redactSecrets(v);
  if (depth > 4 || v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) return v.map((x) => redactDeep(x, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) out[k] = redactDeep(x, depth + 1);
  return out;
}

/**
 * What keeps credentials out of every log line (a stream URL with user:pass@ or ?token=…): the message text,
 * the top-level string fields (`url`, `server`, `detail`, …) and the serialized error (message, stack, causes)
 * have every URL in them redacted (@isr/contract's redactSecrets).
 */
const redaction = {
  hooks: {
    logMethod(this: Logger, args: Parameters<pino.LogFn>, method: pino.LogFn) {
      method.apply(this, args.map((a: unknown) => (typeof a === 'string' ? redactSecrets(a) : a)) as Parameters<pino.LogFn>);
    },
  },
  formatters: {
    log(obj: Record<string, unknown>) {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(obj)) out[k] = typeof v === 'string' ? redactSecrets(v) : v;
      return out;
    },
  },
  serializers: { err: (e: Error) => redactDeep(pino.stdSerializers.err(e)) },
} satisfies pino.LoggerOptions;

/** One pino logger per service, bound to `service`; JSON unless on a terminal; credentials redacted. */
export function createLogger(opts: LoggerOptions): Logger {
  const level = opts.level ?? 'info';
  const usePretty = opts.pretty ?? Boolean(process.stdout.isTTY);
  const consoleStream = opts.stream ?? (usePretty ? pretty({ colorize: true, sync: true, translateTime: 'SYS:standard' }) : process.stdout);
  const streams: pino.StreamEntry[] = [{ level: level as pino.Level, stream: consoleStream }];
  if (opts.file) streams.push({ level: level as pino.Level, stream: createWriteStream(opts.file, { flags: 'a' }) });
  return pino({ level, base: { service: opts.service }, timestamp: pino.stdTimeFunctions.isoTime, ...redaction }, pino.multistream(streams));
}
