import { createWriteStream } from 'node:fs';
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

/** One pino logger per service, bound to `service`; JSON unless on a terminal. */
export function createLogger(opts: LoggerOptions): Logger {
  const level = opts.level ?? 'info';
  const usePretty = opts.pretty ?? Boolean(process.stdout.isTTY);
  const consoleStream = opts.stream ?? (usePretty ? pretty({ colorize: true, sync: true, translateTime: 'SYS:standard' }) : process.stdout);
  const streams: pino.StreamEntry[] = [{ level: level as pino.Level, stream: consoleStream }];
  if (opts.file) streams.push({ level: level as pino.Level, stream: createWriteStream(opts.file, { flags: 'a' }) });
  return pino({ level, base: { service: opts.service }, timestamp: pino.stdTimeFunctions.isoTime }, pino.multistream(streams));
}
