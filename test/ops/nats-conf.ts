// Helpers shared by the ops tests: the repository's nats.conf with test passwords, and per-service configs.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { encodeAudioHeaders } from '@isr/contract';
import { connectBus, parseConfig, toHeaders, type NatsConnection } from '@isr/runtime';
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
import pino from 'pino';

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
  /** NATS_URL, NATS_USER and NATS_PASSWORD of a nats.conf user. */
  const env = (user: NatsUser) => ({ NATS_URL: url(), NATS_USER: user, NATS_PASSWORD: passwords[NATS_USERS[user]]! });
  const keep = <T extends { close(): Promise<void> }>(nc: T): T => {
    open.push(nc);
    return nc;
  };
  /** A user's config (ISR_AUDIO kept 5 minutes; `ops` reads it as the web does) against this server. */
  const configFor = (user: NatsUser) =>
    parseConfig('[general]\naudio_retention_minutes = 5\n', {
      service: user === 'ops' ? 'web' : user,
      file: 'test.ini',
      env: env(user),
    });
  return {
    passwords,
    url,
    env,
    keep,
    configFor,
    /** A connection as this user (closed after the tests). */
    connectAs: async (user: NatsUser): Promise<NatsConnection> =>
      keep(await connectBus(configFor(user), `test-${user}`, silent)),
  };
}

const silent = pino({ level: 'silent' });

/** The server refuses a publish: a request to `subject` fails with a permissions violation (not a timeout). */
export async function assertPublishRefused(nc: NatsConnection, subject: string, body = 'x'): Promise<void> {
  await assert.rejects(
    nc.request(subject, body, { timeout: 3000 }),
    (err: Error) => {
      assert.match(String(err), /permissions violation/i, `publishing to ${subject}: ${String(err)}`);
      return true;
    },
    `publishing to ${subject} must be refused`,
  );
}

/** Headers of a 100 ms 48 kHz stereo PCM chunk of `source` (number `seq` of one session), as a capture sends them. */
export const pcmHeaders = (source: string, seq: number) =>
  toHeaders(
    encodeAudioHeaders({
      source,
      format: 'pcm',
      codec: 'pcm_s16le',
      sampleRate: 48000,
      channels: 2,
      session: 'sess1',
      sessionStartMs: 0,
      seq,
      offset: (seq - 1) * 4800,
      frames: 4800,
    }),
  );
