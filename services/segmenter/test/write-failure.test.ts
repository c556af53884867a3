import assert from 'node:assert/strict';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { waitFor } from '@isr/testkit';
import { pcmSignal, publishPcm, recordings, setup, wavSamples, type Harness, segmenterBacklog } from './harness.ts';

let h: Harness;
before(async () => {
  h = await setup((dir) => `[general]\noutput_directory = ${dir}/rec\nsplit_minutes = 60\ntimezone = UTC\n`);
});
after(async () => h.cleanup());

test('a file that cannot be created: chunks are given back, counted, and written once it can — nothing lost', async () => {
  // A plain file where the day directory must go makes every open fail (as a full or broken disk would).
  mkdirSync(`${h.dir}/rec/blocked`, { recursive: true });
  writeFileSync(`${h.dir}/rec/blocked/2026-11-24`, 'in the way');
  const { service, registry } = await h.start();
  const rate = 8000;
  const pcm = pcmSignal(rate * 3, 1, 4);
  await publishPcm(
    h.bus,
    {
      source: 'blocked',
      session: 'w1',
      sessionStartMs: Date.parse('2026-11-24T08:00:00Z'),
      sampleRate: rate,
      channels: 1,
    },
    pcm,
    800,
  );
  await waitFor(
    'write errors counted',
    async () => /isr_segmenter_write_errors_total\{[^}]*source="blocked"[^}]*\} [1-9]/.test(await registry.metrics()),
    20_000,
  );
  await sleep(500);
  rmSync(`${h.dir}/rec/blocked/2026-11-24`);
  await waitFor(
    'all acknowledged after redelivery',
    async () => {
      const ci = await segmenterBacklog(h.bus.jsm);
      return ci.num_ack_pending === 0 && ci.num_pending === 0;
    },
    30_000,
    200,
  );
  await service.close();
  const files = recordings(`${h.dir}/rec`, 'blocked', 'wav');
  assert.equal(files.length, 1);
  assert.ok(wavSamples(files[0]!).equals(pcm), 'the file holds every chunk once, in order');
});
