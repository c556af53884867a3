import { createServer, connect as tcpConnect, type Server, type Socket } from 'node:net';
import { freePort } from './ports.ts';

export interface LossyProxy {
  /** `nats://127.0.0.1:<port>`: connect a client here instead of to the server. */
  url: string;
  /** From now on, the server-to-client bytes of every connection are held back (the client sees nothing). */
  hold(): void;
  /** What the server sent since `hold` (as text). */
  held(): string;
  /** Drops the held bytes and every connection; new connections pass everything again. */
  cut(): void;
  /** Stops listening; resolves once the clients' connections are closed too. */
  close(): Promise<void>;
}

/**
 * A TCP proxy in front of the server whose server-to-client bytes can be held back, then thrown away with the
 * connection: what a client sees when the node it is connected to dies with a delivery still in its socket (or
 * when nats-server cuts a slow consumer off with deliveries in flight).
 */
export async function lossyProxy(upstreamPort: number): Promise<LossyProxy> {
  const port = await freePort();
  const pairs: { client: Socket; upstream: Socket; held: Buffer[] }[] = [];
  let holding = false;
  const proxy: Server = createServer((client) => {
    const upstream = tcpConnect(upstreamPort, '127.0.0.1');
    const pair = { client, upstream, held: [] as Buffer[] };
    pairs.push(pair);
    client.on('data', (d) => upstream.write(d));
    upstream.on('data', (d: Buffer) => (holding ? pair.held.push(d) : client.write(d)));
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
  });
  await new Promise<void>((r) => proxy.listen(port, '127.0.0.1', r));
  return {
    url: `nats://127.0.0.1:${port}`,
    hold() {
      holding = true;
    },
    held: () => Buffer.concat(pairs.flatMap((p) => p.held)).toString('latin1'),
    cut() {
      holding = false;
      for (const p of pairs.splice(0)) {
        p.client.destroy();
        p.upstream.destroy();
      }
    },
    close: () => new Promise<void>((r) => proxy.close(() => r())),
  };
}
