import { createServer, type Server } from 'node:http';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { StreamNames } from '@isr/contract';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { freePort, startService, waitFor, type ServiceHandle, type TappedChunk } from '@isr/testkit';

/**
 * A tiny HTTP server for bad sources: an HTML page, endless random bytes labelled audio/mpeg, or (`/stall`)
 * real MP3 bytes once (alternating between `stallBodies`) and then silence on an open connection.
 */
export async function startBadServer(
  stallBodies: Uint8Array[] = [],
  redirectTo = 'http://127.0.0.1:1/',
): Promise<{ port: number; html: string; noise: string; stall: string; redirect: string; close(): Promise<void> }> {
  const port = await freePort();
  const timers = new Set<NodeJS.Timeout>();
  let stallCount = 0;
  const server: Server = createServer((req, res) => {
    if (req.url === '/redirect') {
      res.writeHead(302, { location: redirectTo }).end();
      return;
    }
    if (req.url === '/page') {
      res
        .writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
        .end('<!DOCTYPE html><html><body><h1>Welcome to our radio!</h1></body></html>');
      return;
    }
    res.writeHead(200, { 'content-type': 'audio/mpeg' });
    if (req.url === '/stall') {
      // Different audio on each connection (the same bytes again would be recognised as a replay).
      res.write(stallBodies[stallCount++ % stallBodies.length] ?? new Uint8Array(0));
      return;
    }
    let s = 12345;
    const t = setInterval(() => {
      const b = Buffer.alloc(16_000);
      for (let i = 0; i < b.length; i++) b[i] = ((s = (s * 1103515245 + 12345) & 0x7fffffff) >> 16) & 0xff;
      res.write(b);
    }, 100);
    timers.add(t);
    res.on('close', () => {
      clearInterval(t);
      timers.delete(t);
    });
  });
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', () => r()));
  return {
    port,
    html: `http://127.0.0.1:${port}/page`,
    noise: `http://127.0.0.1:${port}/noise`,
    stall: `http://127.0.0.1:${port}/stall`,
    redirect: `http://127.0.0.1:${port}/redirect`,
    async close() {
      for (const t of timers) clearInterval(t);
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}

export interface CaptureProcess {
  svc: ServiceHandle;
  metricsPort: number;
  /** The /metrics page as text. */
  metrics(): Promise<string>;
  /** One sample of `name{source="…"}`; NaN when absent. */
  metric(name: string, source: string): Promise<number>;
}

/** The built capture-stream on `config` against `natsUrl`, its metrics on a free port. */
export async function startCapture(config: string, natsUrl: string): Promise<CaptureProcess> {
  const metricsPort = await freePort();
  const svc = startService('capture-stream', ['--config', config], {
    NATS_URL: natsUrl,
    METRICS_PORT: String(metricsPort),
  });
  const metrics = async () => (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
  return {
    svc,
    metricsPort,
    metrics,
    async metric(name, source) {
      const m = new RegExp(`^${name}\\{source="${source}"[^}]*\\} (\\S+)$`, 'm').exec(await metrics());
      return m ? Number(m[1]) : NaN;
    },
  };
}

/** Waits until the service has provisioned ISR_AUDIO. */
export async function waitForAudioStream(natsUrl: string): Promise<void> {
  const nc = await connect({ servers: natsUrl });
  try {
    await waitFor(
      'the service to provision the bus',
      async () =>
        (await jetstreamManager(nc)).streams.info(StreamNames.audio).then(
          () => true,
          () => false,
        ),
      20_000,
    );
  } finally {
    await nc.close();
  }
}

export async function writeConfig(
  dir: string,
  sources: Record<string, Record<string, string | number>>,
): Promise<string> {
  const lines = [
    '[general]',
    `output_directory = ${join(dir, 'rec')}`,
    'reconnect_min_seconds = 0.5',
    'reconnect_max_seconds = 2',
    'stall_seconds = 4',
  ];
  for (const [name, keys] of Object.entries(sources)) {
    lines.push('', `[${name}]`, 'type = stream');
    for (const [k, v] of Object.entries(keys)) lines.push(`${k} = ${v}`);
  }
  const file = join(dir, 'config.ini');
  await writeFile(file, lines.join('\n') + '\n');
  return file;
}

/** Asserts the chunks of one session: seq 1…n without holes, offsets continuous, units covering the bytes. Returns a problem or null. */
export function sessionProblem(chunks: readonly TappedChunk[]): string | null {
  for (let i = 0; i < chunks.length; i++) {
    const m = chunks[i]!.meta;
    if (m.seq !== i + 1) return `chunk ${i} has seq ${m.seq}`;
    if (i > 0) {
      const p = chunks[i - 1]!.meta;
      if (m.offset !== p.offset + p.frames) return `seq ${m.seq} offset ${m.offset} ≠ ${p.offset} + ${p.frames}`;
      if (m.session !== p.session || m.sessionStartMs !== p.sessionStartMs) return `seq ${m.seq} changes the session`;
    } else if (m.offset !== 0) return `first chunk offset ${m.offset}`;
    const units = m.units ?? [];
    if (units.reduce((n, u) => n + u.bytes, 0) !== chunks[i]!.data.length)
      return `seq ${m.seq}: units do not cover the ${chunks[i]!.data.length} bytes`;
    if (units.reduce((n, u) => n + u.samples, 0) !== m.frames) return `seq ${m.seq}: unit samples ≠ Isr-Frames`;
  }
  return null;
}
