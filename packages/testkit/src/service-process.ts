import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serviceNodeOptions } from '@isr/runtime';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

export interface ServiceHandle {
  child: ChildProcess;
  /** Everything it printed so far. */
  output(): string;
  /** Parsed JSON log lines so far. */
  logs(): Record<string, unknown>[];
  /** SIGTERM (default) and wait for exit; returns the exit code. */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<number | null>;
  exited: Promise<number | null>;
}

/** Runs a built service exactly as users do: `node services/<name>/dist/main.js --config FILE`. */
export function startService(
  name: string,
  args: string[],
  env: Record<string, string | undefined> = {},
): ServiceHandle {
  const main = join(repoRoot, 'services', name, 'dist', 'main.js');
  const child = spawn(process.execPath, [main, ...args], {
    env: {
      ...process.env,
      LOG_LEVEL: 'debug',
      ...env,
      NODE_OPTIONS: serviceNodeOptions(env.NODE_OPTIONS ?? process.env.NODE_OPTIONS),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return {
    child,
    output: () => out,
    logs: () =>
      out
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .flatMap((l) => {
          try {
            return [JSON.parse(l) as Record<string, unknown>];
          } catch {
            return [];
          }
        }),
    exited,
    async stop(signal = 'SIGTERM', timeoutMs = 30_000) {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill(signal);
      const t = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      const code = await exited;
      clearTimeout(t);
      return code;
    },
  };
}
