import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  assertContiguous,
  checkCounter,
  frameCount,
  hang,
  resume,
  startNatsServer,
  startService,
  tapAudio,
  tempDir,
  waitFor,
  writeFakeArecord,
  type NatsServerHandle,
  type StreamTap,
} from '@isr/testkit';
import { writeCaptureConfig } from './capture-config.ts';

let nats: NatsServerHandle;
before(async () => {
  nats = await startNatsServer();
});
after(async () => {
  await nats.stop();
});

test('NATS hangs for 4 s: audio is buffered and published in order without a gap; beyond buffer_seconds the oldest is dropped and counted', async () => {
  const dir = await tempDir();
  const fake = writeFakeArecord(dir.path, {});
  const { path: cfg, metricsPort } = await writeCaptureConfig(
    dir.path,
    nats.url,
    `arecord_path = ${fake}\nsample_rate = 8000\nchannels = 1`,
    {
      keep: 'buffer_seconds = 60',
      drop: 'buffer_seconds = 1',
    },
  );
  const svc = startService('capture-alsa', ['--config', cfg]);
  let keepTap: StreamTap | null = null;
  let dropTap: StreamTap | null = null;
  try {
    const keep = (keepTap = await tapAudio(nats.url, 'keep'));
    const drop = (dropTap = await tapAudio(nats.url, 'drop'));
    await waitFor('audio from both', () => keep.chunks.length >= 10 && drop.chunks.length >= 10, 15_000);
    await hang(nats); // publishes get no PubAck
    await sleep(4000);
    resume(nats);
    await waitFor(
      'the backlog published',
      async () => {
        const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
        return (
          /isr_capture_alsa_buffered_seconds\{source="keep"[^}]*\} 0(\.0\d*)?$/m.test(text) &&
          frameCount(keep.of(keep.sessions()[0]!)) >= 8000 * 6
        );
      },
      20_000,
      200,
    );

    const [k] = keep.sessions();
    assert.equal(keep.sessions().length, 1, 'no new session: arecord kept running');
    assert.equal(assertContiguous(keep.of(k!), 800), null);
    assert.equal(
      checkCounter(Buffer.concat(keep.of(k!).map((c) => c.data)), 1).firstMismatch,
      null,
      'nothing lost or repeated',
    );

    await waitFor(
      'drops counted',
      async () =>
        /isr_capture_alsa_dropped_frames_total\{source="drop"[^}]*\} [1-9]/.test(
          await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text(),
        ),
      10_000,
    );
    const d = drop.of(drop.sessions()[0]!);
    d.forEach((c, i) =>
      assert.equal(c.meta.seq, i + 1, 'seq has no holes: numbers are given when a chunk is first sent'),
    );
    const jump = d.findIndex((c, i) => i > 0 && c.meta.offset !== d[i - 1]!.meta.offset + d[i - 1]!.meta.frames);
    assert.ok(jump > 0, 'the dropped audio shows as an offset jump');
    assert.ok(svc.logs().some((l) => /dropping the oldest audio/.test(String(l.msg))));
  } finally {
    resume(nats);
    assert.equal(await svc.stop(), 0, svc.output());
    await keepTap?.close();
    await dropTap?.close();
    await dir.remove();
  }
});
