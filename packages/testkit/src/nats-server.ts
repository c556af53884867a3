import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stopChild } from './child.ts';
import { freePort, portOpen } from './ports.ts';
import { waitFor } from './wait.ts';

export interface NatsServerHandle {
  url: string;
  port: number;
  storeDir: string;
  process: ChildProcess;
  /** Output of the server so far (for failure messages). */
  log(): string;
  stop(): Promise<void>;
  /** Stop and start again on the same port and store (a NATS outage). */
  restart(): Promise<void>;
}

export function natsServerBinary(): string {
  for (const p of [
    process.env.NATS_SERVER_BIN,
    '/usr/sbin/nats-server',
    '/usr/bin/nats-server',
    '/usr/local/bin/nats-server',
  ]) {
    if (p && existsSync(p)) return p;
  }
  throw new Error('nats-server not found: install it (apt-get install -y nats-server) or set NATS_SERVER_BIN');
}

/** Starts a private nats-server with JetStream on a free port and a temp store dir. */
export async function startNatsServer(
  opts: {
    configFile?: string;
    extraArgs?: string[];
    /** Added to this process's environment for the server (e.g. nats.conf's password variables). */ env?: Record<
      string,
      string
    >;
  } = {},
): Promise<NatsServerHandle> {
  const port = await freePort();
  const storeDir = await mkdtemp(join(tmpdir(), 'isr-nats-'));
  let output = '';
  let child: ChildProcess;
  const launch = async () => {
    const args = opts.configFile
      ? ['-c', opts.configFile, '-a', '127.0.0.1', '-p', String(port), '-sd', storeDir, ...(opts.extraArgs ?? [])]
      : ['-js', '-a', '127.0.0.1', '-p', String(port), '-sd', storeDir, ...(opts.extraArgs ?? [])];
    child = spawn(natsServerBinary(), args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...opts.env },
    });
    child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    await waitFor(
      `nats-server on port ${port}\n${output}`,
      async () => child.exitCode === null && (await portOpen(port)),
      10_000,
    );
  };
  await launch();
  return {
    url: `nats://127.0.0.1:${port}`,
    port,
    storeDir,
    get process() {
      return child;
    },
    log: () => output,
    async stop() {
      await stopChild(child);
      await rm(storeDir, { recursive: true, force: true });
    },
    async restart() {
      await stopChild(child);
      await launch();
    },
  };
}
