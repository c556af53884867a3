// Helpers shared by the ops tests: the repository's nats.conf with test passwords, and per-service configs.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { after, before } from 'node:test';
import {
  freePort,
  NATS_USERS,
  natsPasswords,
  natsServerBinary,
  repoRoot,
  startNatsServer,
  type NatsServerHandle,
  type NatsUser,
} from '@isr/testkit';

export const NATS_CONF = join(repoRoot, 'nats.conf');

/** `nats-server -t -c nats.conf` with the given environment: exit status and output. */
export function checkNatsConf(env: Record<string, string>): { status: number | null; output: string } {
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('ISR_NATS_')));
  const r = spawnSync(natsServerBinary(), ['-t', '-c', NATS_CONF], { env: { ...base, ...env }, encoding: 'utf8' });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

/** A real nats-server started from the repository's nats.conf (free port, temp store) with these passwords. */
async function startSecuredNats(passwords: Record<string, string>): Promise<NatsServerHandle> {
  // -m: nats.conf's monitoring port 8222 would collide between parallel tests.
  return startNatsServer({ configFile: NATS_CONF, extraArgs: ['-m', String(await freePort())], env: passwords });
}

/**
 * For a test file: a nats-server from nats.conf with fresh passwords, started before its tests and stopped
 * after them, closing every connection handed to keep() first.
 */
export function useSecuredNats() {
  const passwords = natsPasswords();
  const open: { close(): Promise<void> }[] = [];
  let server: NatsServerHandle | undefined;
  before(async () => {
    server = await startSecuredNats(passwords);
  });
  after(async () => {
    await Promise.all(open.map((nc) => nc.close().catch(() => {})));
    await server?.stop();
  });
  const url = () => server!.url;
  return {
    passwords,
    url,
    /** NATS_URL, NATS_USER and NATS_PASSWORD of a nats.conf user. */
    env: (user: NatsUser) => ({ NATS_URL: url(), NATS_USER: user, NATS_PASSWORD: passwords[NATS_USERS[user]]! }),
    keep: <T extends { close(): Promise<void> }>(nc: T): T => {
      open.push(nc);
      return nc;
    },
  };
}
