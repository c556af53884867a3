import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, test } from 'node:test';
import { StreamNames, Subjects } from '@isr/contract';
import {
  feedIcecast,
  startIcecast,
  startNatsServer,
  StreamTap,
  tempDir,
  waitFor,
  type IcecastFeed,
  type IcecastHandle,
  type NatsServerHandle,
  type ServiceHandle,
} from '@isr/testkit';
import { sessionProblem, startCapture, writeConfig, type CaptureProcess } from './harness.ts';

// Icecast with its default-like burst-on-connect (64 KiB replayed to every new listener): when capture-stream
// reconnects, the replayed frames it already published must not be published again.
let nats: NatsServerHandle;
let ice: IcecastHandle;
let feed: IcecastFeed;
let dir: Awaited<ReturnType<typeof tempDir>>;
let capture: CaptureProcess;
let svc: ServiceHandle;

before(async () => {
  [nats, ice, dir] = await Promise.all([
    startNatsServer(),
    startIcecast({ burstMounts: { '/burst.mp3': 65536 } }),
    tempDir('isr-cs-burst-'),
  ]);
  // Pink noise: no two MP3 frames are alike, so a repeated frame can only be a replay.
  feed = await feedIcecast({
    target: ice.sourceUrl('/burst.mp3'),
    codec: 'mp3',
    lavfi: 'anoisesrc=color=pink:sample_rate=44100:amplitude=0.3',
  });
  const config = await writeConfig(dir.path, { burst: { url: ice.url('/burst.mp3') } });
  capture = await startCapture(config, nats.url);
  svc = capture.svc;
});

after(async () => {
  const code = await svc?.stop();
  await feed?.stop();
  await Promise.all([ice?.stop(), nats?.stop()]);
  await dir?.remove();
  assert.equal(code, 0, `capture-stream exit code; output:\n${svc?.output().slice(-3000)}`);
});

test('a reconnect to a server that bursts old audio publishes every frame once', async (t) => {
  const chunks = await waitFor(
    'the audio stream',
    async () => StreamTap.open(nats.url, StreamNames.audio, Subjects.audio('burst')).catch(() => null),
    20_000,
  );
  try {
    await waitFor('5 s of audio', () => chunks.chunks.length >= 20, 30_000);
    assert.equal(await ice.kickListeners('/burst.mp3'), 1);
    await waitFor(
      'a second session with 3 s of audio',
      () => {
        const first = chunks.chunks[0]!.meta.session;
        return chunks.chunks.filter((c) => c.meta.session !== first).length >= 12;
      },
      30_000,
    );
    const dropped = await capture.metric('isr_capture_stream_replayed_units_dropped_total', 'burst');
    t.diagnostic(`${dropped} replayed frames recognised and dropped`);
    assert.ok(dropped > 50, `the 64 KiB burst (~150 frames) was recognised: ${dropped}`);

    const seen = new Map<string, string>();
    const sessions = [...new Set(chunks.chunks.map((c) => c.meta.session))];
    for (const s of sessions) assert.equal(sessionProblem(chunks.chunks.filter((c) => c.meta.session === s)), null);
    for (const c of chunks.chunks) {
      let at = 0;
      for (const u of c.meta.units!) {
        const h = createHash('sha1')
          .update(c.data.subarray(at, at + u.bytes))
          .digest('hex');
        at += u.bytes;
        const where = `${c.meta.session.slice(0, 8)}#${c.meta.seq}`;
        assert.ok(!seen.has(h), `frame in ${where} was already published in ${seen.get(h)}`);
        seen.set(h, where);
      }
    }
  } finally {
    await chunks.close();
  }
});
