// Plain TypeScript with no imports beyond node:, so that `npm start` (script/lib/start) runs it directly with Node's
// type stripping, before anything is built.
import { connect, createServer } from 'node:net';

/**
 * Ports are picked below Linux's ephemeral range (ip_local_port_range, 32768–60999), at random: there no outgoing
 * connection and no other `listen(0)` is given one between our check and the server's bind — a nats-server of a test
 * cluster once failed with "address already in use" on a port `listen(0)` had just handed out. Never the same port
 * twice in one process.
 */
const LOW = 10_000;
const HIGH = 32_768;
const handedOut = new Set<number>();

function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

/** A TCP port that was free a moment ago on 127.0.0.1. */
export async function freePort(): Promise<number> {
  for (let tries = 0; tries < 1000; tries++) {
    const port = LOW + Math.floor(Math.random() * (HIGH - LOW));
    if (handedOut.has(port)) continue;
    handedOut.add(port);
    if (await bindable(port)) return port;
  }
  throw new Error(`no free TCP port found in ${LOW}–${HIGH - 1} on 127.0.0.1`);
}

/** Whether something accepts TCP connections on 127.0.0.1:port now. */
export function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}
