// Issue 16: the JetStream consumer deleted under a running segmenter (by hand, or lost with the server's
// store). It must not sit there healthy-looking while recording nothing: it re-creates the consumer where its
// files end and goes on, without losing or repeating a frame.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { waitFor } from '@isr/testkit';
import {
  pcmSignal,
  publishPcm,
  recordings,
  setup,
  wavSamples,
  type Harness,
  segmenterBacklog,
  segmenterConsumerOf,
} from './harness.ts';

let h: Harness;
before(async () => {
  h = await setup(
    (dir) => `[general]\noutput_directory = ${dir}/rec\nsplit_minutes = 0.05\ntimezone = UTC\nmin_free_mb = 0\n`,
  );
});
after(async () => h.cleanup());

test(
  'the consumer deleted under the segmenter is re-created at the first unwritten chunk; recording goes on',
  { timeout: 60_000 },
  async () => {
    const fatal: unknown[] = [];
    const { service } = await h.start({ onFatal: (err) => fatal.push(err) });
    const rate = 16000;
    const chunk = 1600;
    const pcm = pcmSignal(rate * 10, 1, 2);
    const s = {
      source: 'cons',
      session: 'c1',
      sessionStartMs: Date.parse('2026-11-24T09:00:00.500Z'),
      sampleRate: rate,
      channels: 1,
    };
    const third = rate * 3;
    await publishPcm(h.bus, s, pcm, chunk, 0, third);
    const drained = async () => {
      const ci = await segmenterBacklog(h.bus.jsm);
      return ci.num_pending === 0 && ci.num_ack_pending === 0;
    };
    await waitFor('the first third written and acknowledged', drained, 20_000, 100);

    const name = (await segmenterConsumerOf(h.bus.jsm, 'cons'))!;
    await h.bus.jsm.consumers.delete('ISR_AUDIO', name);
    await sleep(200);
    await publishPcm(h.bus, s, pcm, chunk, third, 2 * third);
    // Deleted again while chunks are in flight: what was delivered but not yet written must come again.
    await waitFor(
      'the consumer exists again',
      async () => (await segmenterConsumerOf(h.bus.jsm, 'cons')) === name,
      20_000,
      100,
    );
    await h.bus.jsm.consumers.delete('ISR_AUDIO', name);
    await publishPcm(h.bus, s, pcm, chunk, 2 * third);
    await waitFor(
      'the consumer re-created and everything acknowledged',
      async () => await drained().catch(() => false),
      30_000,
      200,
    );
    assert.ok(service.health().ok, 'healthy, and rightly so');
    assert.deepEqual(fatal, [], 'no fatal exit: the consumer was re-created');
    await service.close();

    const files = recordings(`${h.dir}/rec`, 'cons', 'wav');
    assert.ok(Buffer.concat(files.map(wavSamples)).equals(pcm), 'every frame once, in order, across the deletions');
  },
);

test(
  'a consumer that keeps disappearing (5 times in a minute) is fatal: onFatal (default: exit 1) and unhealthy',
  { timeout: 60_000 },
  async () => {
    const previous = await segmenterConsumerOf(h.bus.jsm, 'cons');
    await h.closeServices();
    const fatal: unknown[] = [];
    const { service } = await h.start({ onFatal: (err) => fatal.push(err) });
    // Deleted until it gives up: under load a deletion can land before the re-created consumer's first pull and is
    // then noticed only by missed heartbeats (10 s), so six deletions may not make five re-creations in a minute.
    for (let i = 0; i < 12 && !fatal.length; i++) {
      // the new owner's consumer (the previous run's may linger a moment)
      const current = async () => {
        const name = await segmenterConsumerOf(h.bus.jsm, 'cons');
        return name !== previous ? name : null;
      };
      const name = await waitFor(
        'the consumer exists',
        async () => (fatal.length > 0 ? 'fatal' : await current()),
        20_000,
        50,
      );
      if (fatal.length) break;
      await h.bus.jsm.consumers.delete('ISR_AUDIO', name).catch(() => false);
      await sleep(300);
    }
    await waitFor('onFatal called', () => fatal.length > 0, 20_000, 100);
    assert.match(String(fatal[0]), /keeps disappearing/);
    assert.equal(service.health().ok, false, 'health says so too');
  },
);
