import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stopChild } from './child.ts';
import { natsServerBinary } from './nats-server.ts';
import { freePort, portOpen } from './ports.ts';
import { waitFor } from './wait.ts';

export interface NatsNodeHandle {
  name: string;
  port: number;
  url: string;
  storeDir: string;
  /** HTTP monitoring port (/varz, /jsz, /connz). */
  monitorPort: number;
  /** Whether the process is running. */
  readonly running: boolean;
  /** SIGKILL (default) or SIGTERM; resolves once it exited. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Starts it again on the same ports and store; resolves when it is back in the cluster with a meta leader. */
  start(): Promise<void>;
}

export interface NatsClusterHandle {
  nodes: NatsNodeHandle[];
  /** Every node's client URL. */
  urls: string[];
  /** `nats_url` for ISR: the nodes' URLs comma-separated. */
  url: string;
  /** Output of every node so far (for failure messages). */
  log(): string;
  /** Waits until every running node sees a JetStream meta leader. */
  ready(timeoutMs?: number): Promise<void>;
  /** The running node a client connection with this name (`isr-capture-alsa`, …) is connected to, if any. */
  nodeOf(connectionName: string): Promise<NatsNodeHandle | undefined>;
  stop(): Promise<void>;
}

interface JszMeta {
  meta_cluster?: { leader?: string; cluster_size?: number };
}

async function metaLeader(monitorPort: number): Promise<string | undefined> {
  const r = await fetch(`http://127.0.0.1:${monitorPort}/jsz`, { signal: AbortSignal.timeout(1000) });
  const j = (await r.json()) as JszMeta;
  return j.meta_cluster?.leader || undefined;
}

/**
 * Starts a JetStream cluster of `size` nats-servers on loopback (free client, route and monitoring ports; a temp
 * store per node; `--cluster_name`, `-n`, `-cluster`, `-routes` to every other node) and waits for a meta leader.
 */
export async function startNatsCluster(
  opts: {
    size?: number;
    name?: string;
    extraArgs?: string[];
    /** A config file (e.g. nats-cluster.conf); ports, store, name and routes are still given on the command line. */
    configFile?: string;
    /** Added to this process's environment for the servers (nats.conf's password variables). */
    env?: Record<string, string>;
  } = {},
): Promise<NatsClusterHandle> {
  const size = opts.size ?? 3;
  const clusterName = opts.name ?? 'isr-test';
  const ports = await Promise.all(
    Array.from({ length: size }, async () => ({
      client: await freePort(),
      route: await freePort(),
      monitor: await freePort(),
    })),
  );
  const root = await mkdtemp(join(tmpdir(), 'isr-nats-cluster-'));
  let output = '';
  const nodes: NatsNodeHandle[] = ports.map((p, i) => {
    const name = `n${i + 1}`;
    const storeDir = join(root, name);
    let child: ChildProcess | null = null;
    const routes = ports
      .filter((_, j) => j !== i)
      .map((q) => `nats://127.0.0.1:${q.route}`)
      .join(',');
    const node: NatsNodeHandle = {
      name,
      port: p.client,
      url: `nats://127.0.0.1:${p.client}`,
      storeDir,
      monitorPort: p.monitor,
      get running() {
        return child !== null && child.exitCode === null && child.signalCode === null;
      },
      async kill(signal = 'SIGKILL') {
        if (!child || child.exitCode !== null || child.signalCode !== null) return;
        const exited = new Promise((r) => child!.once('exit', r));
        if (signal === 'SIGKILL') child.kill('SIGKILL');
        else await stopChild(child);
        await exited;
      },
      async start() {
        const args = [
          ...(opts.configFile ? ['-c', opts.configFile] : ['-js']),
          '-sd',
          storeDir,
          '-a',
          '127.0.0.1',
          '-p',
          String(p.client),
          '-m',
          String(p.monitor),
          '-n',
          name,
          '--cluster_name',
          clusterName,
          '-cluster',
          `nats://127.0.0.1:${p.route}`,
          '-routes',
          routes,
          ...(opts.extraArgs ?? []),
        ];
        const c = spawn(natsServerBinary(), args, {
          stdio: ['ignore', 'pipe', 'pipe'],
          env: { ...process.env, ...opts.env },
        });
        child = c;
        const tag = (d: Buffer) => (output += d.toString().replace(/^(?=.)/gm, `[${name}] `));
        c.stdout!.on('data', tag);
        c.stderr!.on('data', tag);
        await waitFor(
          `nats-server ${name} on port ${p.client}`,
          async () => c.exitCode === null && (await portOpen(p.client)),
          10_000,
        ).catch((err: unknown) => {
          // Its own lines (the cluster's output is cut to its end): a port taken after all, a bad argument…
          const own = output
            .split('\n')
            .filter((l) => l.startsWith(`[${name}] `))
            .slice(-20)
            .join('\n');
          throw new Error(`${String(err)}; exit ${c.exitCode ?? c.signalCode ?? 'none yet'}; its output:\n${own}`);
        });
        await waitFor(`${name} to see a JetStream meta leader`, () => metaLeader(p.monitor), 20_000, 100);
      },
    };
    return node;
  });
  const cluster: NatsClusterHandle = {
    nodes,
    urls: nodes.map((n) => n.url),
    url: nodes.map((n) => n.url).join(','),
    log: () => output,
    async ready(timeoutMs = 20_000) {
      await Promise.all(
        nodes.map((n, i) =>
          n.running
            ? waitFor(`${n.name} to see a JetStream meta leader`, () => metaLeader(ports[i]!.monitor), timeoutMs, 100)
            : undefined,
        ),
      );
    },
    async nodeOf(connectionName) {
      for (const n of nodes) {
        if (!n.running) continue;
        const r = await fetch(`http://127.0.0.1:${n.monitorPort}/connz?limit=1024`, {
          signal: AbortSignal.timeout(1000),
        }).catch(() => null);
        const j = (await r?.json().catch(() => null)) as { connections?: { name?: string }[] } | null;
        if (j?.connections?.some((c) => c.name === connectionName)) return n;
      }
      return undefined;
    },
    async stop() {
      await Promise.all(nodes.map((n) => n.kill('SIGTERM')));
      await rm(root, { recursive: true, force: true });
    },
  };
  try {
    // All at once: a node alone cannot elect a meta leader, so each start() waits for its peers.
    await Promise.all(nodes.map((n) => n.start()));
  } catch (err) {
    await cluster.stop();
    throw new Error(`${(err as Error).message}\n${output.slice(-4000)}`, { cause: err });
  }
  return cluster;
}
