// The NATS side of `npm start`: is the configured server reachable, and if not, a local nats-server
// from the project's nats.conf with per-service passwords generated for this run.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
// One copy of these for the tests and `npm start`: the testkit's, dependency-free TypeScript that Node runs as it is.
import { NATS_USERS, natsPasswords } from '../../../packages/testkit/src/nats-users.ts';
import { freePort } from '../../../packages/testkit/src/ports.ts';

export { freePort, NATS_USERS, natsPasswords };

/** host and port of the first URL of a comma-separated NATS URL list. */
export function firstServer(urls) {
  const first = String(urls).split(',')[0].trim();
  const u = new URL(first.includes('://') ? first : `nats://${first}`);
  return { host: u.hostname || '127.0.0.1', port: Number(u.port || 4222) };
}

export function isLocalHost(host) {
  return host === 'localhost' || host === '127.0.0.1' || host === '::1' || host === '[::1]' || host === '0.0.0.0';
}

/** Whether something accepts TCP connections there (within timeoutMs). */
export function reachable({ host, port }, timeoutMs = 1000) {
  return new Promise((resolve) => {
    const s = connect({ host, port });
    const done = (ok) => {
      s.destroy();
      resolve(ok);
    };
    s.setTimeout(timeoutMs, () => done(false));
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
  });
}

export function portFree(port, host = '127.0.0.1') {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, host, () => srv.close(() => resolve(true)));
  });
}

function natsServerBinary(env) {
  for (const p of [
    env.NATS_SERVER_BIN,
    '/usr/sbin/nats-server',
    '/usr/bin/nats-server',
    '/usr/local/bin/nats-server',
  ]) {
    if (p && existsSync(p)) return p;
  }
  return 'nats-server'; // on PATH, or spawn fails with a clear ENOENT
}

/**
 * Starts nats-server -c nats.conf on host:port with JetStream in storeDir and monitoring on
 * monitorPort; resolves when it accepts connections. Returns the child process.
 */
export async function startLocalNats({ confFile, host, port, storeDir, monitorPort, passwords, env, onLine }) {
  mkdirSync(storeDir, { recursive: true });
  const bindHost = host === '0.0.0.0' ? '127.0.0.1' : host;
  const args = ['-c', confFile, '-a', bindHost, '-p', String(port), '-sd', storeDir, '-m', String(monitorPort)];
  // through guard.mjs: nats-server stops when this process dies without stopping it (stdin pipe ends)
  const guard = fileURLToPath(new URL('./guard.mjs', import.meta.url));
  const child = spawn(process.execPath, [guard, natsServerBinary(env), ...args], {
    env: { ...env, ...passwords },
    stdio: ['pipe', 'pipe', 'pipe'],
    detached: true,
  });
  let early = '';
  const relay = (d) => {
    const text = d.toString();
    if (early.length < 8000) early += text;
    for (const line of text.split('\n')) if (line.trim()) onLine(line);
  };
  child.stdout.on('data', relay);
  child.stderr.on('data', relay);
  const failed = new Promise((_, reject) => {
    child.once('close', (code) =>
      reject(
        new Error(
          code === 127
            ? `cannot run nats-server: install it (apt-get install nats-server) or set NATS_SERVER_BIN\n${early}`
            : `nats-server exited with status ${code}:\n${early}`,
        ),
      ),
    );
  });
  failed.catch(() => {});
  const deadline = Date.now() + 15_000;
  for (;;) {
    const ok = await Promise.race([reachable({ host: bindHost, port }, 500), failed]);
    if (ok) return child;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`nats-server did not accept connections on ${host}:${port} within 15 s:\n${early}`);
    }
    await sleep(200);
  }
}
