// Who provisions the bus: the segmenter (the only user nats.conf lets create streams); the others bind,
// waiting for it when they start first; without credentials (a development server) everyone provisions.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { StreamNames } from '@isr/contract';
import { bindBus, connectBus, parseConfig, provisionBus, PROVISIONERS, shouldProvision } from '@isr/runtime';
import pino from 'pino';
import type { NatsUser } from '@isr/testkit';
import { useSecuredNats } from './nats-conf.ts';

const log = pino({ level: 'silent' });
const nats = useSecuredNats();

const cfg = (user: Exclude<NatsUser, 'ops'>, creds = true) =>
  parseConfig('[general]\n', {
    service: user,
    file: 't.ini',
    env: creds ? nats.env(user) : { NATS_URL: nats.url() },
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
  const webNc = nats.keep(await connectBus(cfg('web'), 'test-web', log));
  await assert.rejects(
    bindBus(webNc, { timeoutMs: 300, intervalMs: 50 }),
    /stream ISR_AUDIO does not exist: start the provisioner/,
  );
  let bound = false;
  const binding = bindBus(webNc, { intervalMs: 100 }).then((b) => {
    bound = true;
    return b;
  });
  await sleep(500);
  assert.equal(bound, false, 'still waiting: nothing provisioned yet');
  const segNc = nats.keep(await connectBus(cfg('segmenter'), 'test-seg', log));
  await provisionBus(segNc, cfg('segmenter'));
  const bus = await binding;
  assert.equal((await bus.jsm.streams.info(StreamNames.events)).config.name, StreamNames.events);
  await bus.kv.status.get('nothing'); // the bound buckets are usable (a get on a missing key is null)
});
