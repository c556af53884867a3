import { ArgsError, num, parseServiceArgs, str, type ExtraValues, type IsrConfig } from '@isr/runtime';
import { resolve } from 'node:path';
import type { ParseArgsOptionsConfig } from 'node:util';
import type { Credentials } from './auth.ts';

/** The seed web.py flags web keeps: --dir, --port, --threshold (each also as --flag=value), as node:util parseArgs options. */
export const WEB_FLAGS = {
  dir: { type: 'string' },
  port: { type: 'string' },
  threshold: { type: 'string' },
} as const satisfies ParseArgsOptionsConfig;

export interface WebArgs {
  dir?: string;
  port?: number;
  threshold?: number;
}

/** A web flag with a value it cannot use (exit 2, like any bad command line). */
export class WebArgsError extends ArgsError {}

/** Web's flags from the parsed command line, checked: --port 0…65535, --threshold a linear level 0…1 (the seed's). Pure. */
export function webArgsOf(values: ExtraValues): WebArgs {
  const out: WebArgs = {};
  if (typeof values.dir === 'string') out.dir = values.dir;
  const number = (name: 'port' | 'threshold'): number | undefined => {
    const v = values[name];
    if (typeof v !== 'string') return undefined;
    const n = v.trim() === '' ? NaN : Number(v);
    if (!Number.isFinite(n)) throw new WebArgsError(`--${name} must be a number (got ${JSON.stringify(v)})`);
    return n;
  };
  const port = number('port');
  if (port !== undefined) {
    if (!Number.isInteger(port) || port < 0 || port > 65535)
      throw new WebArgsError(`--port must be a whole number 0…65535 (got ${values.port as string})`);
    out.port = port;
  }
  const threshold = number('threshold');
  if (threshold !== undefined) {
    if (threshold < 0 || threshold > 1)
      throw new WebArgsError(
        `--threshold must be a linear RMS level 0…1, like the seed's (default 0.05 ≈ −26 dBFS) (got ${values.threshold as string})`,
      );
    out.threshold = threshold;
  }
  return out;
}

/** Parses a whole web command line (the common options too; anything unknown is refused). Pure. */
export function parseWebArgs(argv: readonly string[]): WebArgs {
  return webArgsOf(parseServiceArgs(argv, WEB_FLAGS).values);
}

export interface WebOptions {
  root: string;
  port: number;
  host: string;
  threshold: number | null;
  clipMaxMinutes: number;
  clipMaxConcurrent: number;
  analyzeWaitMs: number;
  credentials: Credentials;
  deleteMaxFailures: number;
  sseMaxConnections: number;
  sseMaxPerIp: number;
  /** Host names (or host:port) the app answers to; empty = any. */
  allowedHosts: string[];
}

/** Config (INI + env) with the seed's flags on top: --dir overrides output_directory, --port web_port. */
export function webOptions(config: IsrConfig, args: WebArgs, cwd: string): WebOptions {
  const g = config.general;
  const t = g.web_threshold;
  return {
    root: args.dir ? resolve(cwd, args.dir) : str(g, 'output_directory'),
    port: args.port ?? num(g, 'web_port'),
    host: str(g, 'web_host'),
    threshold: args.threshold ?? (typeof t === 'number' ? t : null),
    clipMaxMinutes: num(g, 'clip_max_minutes'),
    clipMaxConcurrent: num(g, 'clip_max_concurrent'),
    analyzeWaitMs: num(g, 'web_analyze_wait_seconds') * 1000,
    credentials: {
      token: str(g, 'web_delete_token') || undefined,
      user: str(g, 'web_delete_user') || undefined,
      password: str(g, 'web_delete_password') || undefined,
    },
    deleteMaxFailures: num(g, 'web_delete_max_failures'),
    sseMaxConnections: num(g, 'web_sse_max_connections'),
    sseMaxPerIp: num(g, 'web_sse_max_per_ip'),
    allowedHosts: str(g, 'web_allowed_hosts')
      .split(',')
      .map((h) => h.trim().toLowerCase())
      .filter(Boolean),
  };
}
