import { num, str, type IsrConfig } from '@isr/runtime';
import { resolve } from 'node:path';
import type { Credentials } from './auth.ts';

/** The seed web.py flags web keeps: --dir, --port, --threshold (each also as --flag=value). */
export interface WebArgs {
  dir?: string;
  port?: number;
  threshold?: number;
}

export class WebArgsError extends Error {}

/** Parses web's own flags from argv (other flags, e.g. --config, are left to the config loader). Pure. */
export function parseWebArgs(argv: readonly string[]): WebArgs {
  const out: WebArgs = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const m = /^--(dir|port|threshold)(?:=(.*))?$/.exec(a);
    if (!m) continue;
    const value = m[2] ?? argv[++i];
    if (value === undefined || value === '') throw new WebArgsError(`--${m[1]} needs a value`);
    if (m[1] === 'dir') out.dir = value;
    else {
      const n = Number(value);
      if (!Number.isFinite(n)) throw new WebArgsError(`--${m[1]} must be a number (got ${JSON.stringify(value)})`);
      if (m[1] === 'port' && (!Number.isInteger(n) || n < 0 || n > 65535)) throw new WebArgsError(`--port must be 0…65535 (got ${value})`);
      if (m[1] === 'port') out.port = n;
      else out.threshold = n;
    }
  }
  return out;
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
    allowedHosts: str(g, 'web_allowed_hosts').split(',').map((h) => h.trim().toLowerCase()).filter(Boolean),
  };
}
