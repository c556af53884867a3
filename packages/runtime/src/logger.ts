import { openSync } from 'node:fs';
import { redactSecrets } from '@isr/contract';
import pino, { type Logger } from 'pino';

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
      method.apply(
        this,
        args.map((a: unknown) => (typeof a === 'string' ? redactSecrets(a) : a)) as Parameters<pino.LogFn>,
      );
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

/**
 * Where console lines go: a terminal gets pino-pretty as a transport (a worker thread formats them, as pino's
 * docs/pretty.md advises; flushed at exit), anything else JSON lines on stdout.
 */
function consoleDestination(pretty: boolean): pino.DestinationStream {
  if (!pretty) return pino.destination({ dest: 1, sync: true });
  return pino.transport({
    target: 'pino-pretty',
    options: { colorize: true, translateTime: 'SYS:standard', destination: 1 },
  }) as pino.DestinationStream;
}

/**
 * One pino logger per service, bound to `service`; JSON unless on a terminal; credentials redacted. `file` (the
 * seed's log_file) gets the same JSON lines appended through pino.destination, whose buffer is written out when
 * the process exits, so the last lines before a `process.exit` (a fatal error) are in the file too.
 */
export function createLogger(opts: LoggerOptions): Logger {
  const level = (opts.level ?? 'info') as pino.Level;
  const consoleStream = opts.stream ?? consoleDestination(opts.pretty ?? Boolean(process.stdout.isTTY));
  const streams: pino.StreamEntry[] = [{ level, stream: consoleStream }];
  // Opened here, not by sonic-boom in the background: a process that exits at once still has a file to flush to.
  if (opts.file) streams.push({ level, stream: pino.destination({ fd: openSync(opts.file, 'a'), sync: false }) });
  return pino(
    { level, base: { service: opts.service }, timestamp: pino.stdTimeFunctions.isoTime, ...redaction },
    pino.multistream(streams),
  );
}
