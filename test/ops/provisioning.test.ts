// Who provisions the bus: the segmenter (the only user nats.conf lets create streams); the others bind,
// waiting for it when they start first; without credentials (a development server) everyone provisions.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { StreamNames } from '@isr/contract';
import { bindBus, connectBus, parseConfig, provisionBus, PROVISIONERS, shouldProvision, type NatsConnection } from '@isr/runtime';
import type { NatsServerHandle } from '@isr/testkit';
import pino from 'pino';
import { natsPasswords, NATS_USERS, startSecuredNats, type NatsUser } from './nats-conf.ts';

const log = pino({ level: 'silent' });
const passwords = natsPasswords();
let server: NatsServerHandle;
const open: NatsConnection[] = [];
before(async () => { server = await startSecuredNats(passwords); });
after(async () => {
  await Promise.all(open.map((nc) => nc.close().catch(() => {})));
  await server?.stop();
});

const cfg = (user: Exclude<NatsUser, 'ops'>, creds = true) => parseConfig('[general]\n', {
  service: user, file: 't.ini',
  env: { NATS_URL: server.url, ...(creds ? { NATS_USER: user, NATS_PASSWORD: passwords[NATS_USERS[user]] } : {}) },
});

test('the segmenter provisions; the others provision only without credentials', () => {
  assert.deepEqual(PROVISIONERS, ['segmenter']);
  assert.equal(shouldProvision('segmenter', cfg('segmenter')), true);
  for (const s of ['capture-stream', 'capture-alsa', 'analyzer', 'web'] as const) {
    assert.equal(shouldProvision(s, cfg(s)), false, `${s} with credentials binds`);
    assert.equal(shouldProvision(s, cfg(s, false)), true, `${s} without credentials provisions (development server)`);
  }
  assert.equal(shouldProvision('web', cfg('web'), true), true, 'RunOptions.provision overrides');
});

test('a service that starts before the segmenter waits for the streams, then binds', async () => {
  const webNc = await connectBus(cfg('web'), 'test-web', log);
  open.push(webNc);
  await assert.rejects(bindBus(webNc, { timeoutMs: 300, intervalMs: 50 }), /stream ISR_AUDIO does not exist: start the provisioner/);
  let bound = false;
  const binding = bindBus(webNc, { intervalMs: 100 }).then((b) => { bound = true; return b; });
  await new Promise((r) => setTimeout(r, 500));
  assert.equal(bound, false, 'still waiting: nothing provisioned yet');
  const segNc = await connectBus(cfg('segmenter'), 'test-seg', log);
  open.push(segNc);
  await provisionBus(segNc, cfg('segmenter'));
  const bus = await binding;
  assert.equal((await bus.jsm.streams.info(StreamNames.events)).config.name, StreamNames.events);
  await bus.kv.status.get('nothing'); // the bound buckets are usable (a get on a missing key is null)
});
