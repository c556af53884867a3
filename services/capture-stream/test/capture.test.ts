import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Buckets, StreamNames, Subjects, type CodecInit, type MetadataEvent, type SourceStatus } from '@isr/contract';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { jetstream } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import {
  feedIcecast,
  freePort,
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
import {
  sessionProblem,
  startBadServer,
  startCapture,
  waitForAudioStream,
  writeConfig,
  type CaptureProcess,
} from './harness.ts';
import { decodeCheck, makeFixture } from './fixtures.ts';

// One capture-stream process against a real Icecast (fed by ffmpeg in MP3 and Ogg Opus) and nats-server,
// with three bad sources beside the good ones: nothing bad may stop the good ones.
let nats: NatsServerHandle;
let ice: IcecastHandle;
let feeds: IcecastFeed[] = [];
let bad: Awaited<ReturnType<typeof startBadServer>>;
let dir: Awaited<ReturnType<typeof tempDir>>;
let capture: CaptureProcess;
let svc: ServiceHandle;
let nc: NatsConnection;
let mp3: StreamTap;
let opus: StreamTap;
let meta: StreamTap;

before(async () => {
  dir = await tempDir('isr-cs-capture-');
  [nats, ice] = await Promise.all([startNatsServer(), startIcecast()]);
  bad = await startBadServer(
    [makeFixture(dir.path, 'mp3', 2, 440), makeFixture(dir.path, 'mp3', 2, 660)],
    ice.url('/live.mp3'),
  );
  feeds = await Promise.all([
    feedIcecast({ target: ice.sourceUrl('/live.mp3'), codec: 'mp3' }),
    feedIcecast({ target: ice.sourceUrl('/live.opus'), codec: 'opus' }),
  ]);
  const config = await writeConfig(dir.path, {
    mp3: { url: ice.url('/live.mp3') },
    opus: { url: ice.url('/live.opus') },
    unreachable: { url: `http://127.0.0.1:${await freePort()}/nothing` },
    html: { url: bad.html },
    noise: { url: bad.noise },
    stall: { url: bad.stall, stall_seconds: 2 },
    redirected: { url: bad.redirect },
  });
  capture = await startCapture(config, nats.url);
  svc = capture.svc;
  nc = await connect({ servers: nats.url });
  await waitForAudioStream(nats.url);
  [mp3, opus, meta] = await Promise.all([
    StreamTap.open(nats.url, StreamNames.audio, Subjects.audio('mp3')),
    StreamTap.open(nats.url, StreamNames.audio, Subjects.audio('opus')),
    StreamTap.open(nats.url, StreamNames.events, Subjects.metadata('mp3')),
  ]);
});

after(async () => {
  await Promise.all([mp3?.close(), opus?.close(), meta?.close()]);
  await nc?.close();
  const code = await svc?.stop();
  await Promise.all(feeds.map((f) => f.stop()));
  await Promise.all([ice?.stop(), bad?.close(), nats?.stop()]);
  await dir?.remove();
  assert.equal(code, 0, `capture-stream exit code; output:\n${svc?.output().slice(-3000)}`);
});

const status = async (source: string) => {
  const kv = await new Kvm(jetstream(nc)).open(Buckets.status);
  return (await kv.get(source))?.json<SourceStatus>();
};

describe('capture-stream against Icecast and NATS', () => {
  test('MP3: whole frames, contiguous seq, offsets in samples, headers that place every chunk', async () => {
    await waitFor('12 MP3 chunks', () => mp3.chunks.length >= 12, 30_000);
    const chunks = mp3.chunks.slice();
    assert.equal(sessionProblem(chunks), null);
    const m = chunks[0]!.meta;
    assert.deepEqual([m.format, m.codec, m.sampleRate, m.channels], ['mp3', 'mp3', 44100, 2]);
    for (const c of chunks) {
      assert.ok(
        c.meta.units!.every((u) => u.samples === 1152),
        'MP3 units are 1152-sample frames',
      );
      assert.ok(c.meta.frames / 44100 >= 0.25 && c.meta.frames / 44100 < 0.3, `chunk of ${c.meta.frames} samples`);
      let at = 0;
      for (const u of c.meta.units!) {
        assert.ok(
          c.data[at] === 0xff && (c.data[at + 1]! & 0xe0) === 0xe0,
          `frame sync at byte ${at} of seq ${c.meta.seq}`,
        );
        at += u.bytes;
      }
    }
    assert.ok(Math.abs(m.sessionStartMs - Date.now()) < 60_000, 'session anchored on the wall clock');
    const all = Buffer.concat(chunks.map((c) => c.data));
    const r = decodeCheck(dir.path, 'mp3-chunks.mp3', all);
    assert.equal(r.errors, '');
    const counted = chunks.reduce((n, c) => n + c.meta.frames, 0);
    assert.ok(Math.abs(r.samples - counted) <= 1152, `decoded ${r.samples}, headers say ${counted}`);
    const st = await status('mp3');
    assert.equal(st?.capture?.state, 'recording');
    assert.equal(st?.capture?.session, m.session);
  });

  test('Ogg Opus: whole pages, and the codec init in KV makes any later run of pages decodable', async () => {
    await waitFor('5 Opus chunks', () => opus.chunks.length >= 5, 30_000);
    const chunks = opus.chunks.slice();
    assert.equal(sessionProblem(chunks), null);
    const m = chunks[0]!.meta;
    assert.deepEqual([m.format, m.codec, m.sampleRate, m.channels], ['ogg', 'opus', 48000, 2]);
    for (const c of chunks)
      assert.equal(Buffer.from(c.data.subarray(0, 4)).toString('latin1'), 'OggS', 'a chunk starts with a page');
    const kv = await new Kvm(jetstream(nc)).open(Buckets.codec);
    const init = (await kv.get('opus'))!.json<CodecInit>();
    assert.equal(init.session, m.session);
    assert.deepEqual([init.format, init.codec, init.sampleRate, init.channels], ['ogg', 'opus', 48000, 2]);
    const head = Buffer.from(init.init, 'base64');
    assert.ok(
      head.includes('OpusHead') && head.includes('OpusTags'),
      'init holds the identification and comment headers',
    );
    const later = chunks.slice(2);
    const r = decodeCheck(dir.path, 'opus-later.opus', Buffer.concat([head, ...later.map((c) => c.data)]));
    assert.equal(r.errors, '');
    const counted = later.reduce((n, c) => n + c.meta.frames, 0);
    assert.ok(Math.abs(r.samples - counted) <= 960, `decoded ${r.samples}, headers say ${counted}`);
  });

  test('an ICY StreamTitle change becomes a metadata event at its audio position and shows in the status', async () => {
    await waitFor('MP3 audio', () => mp3.chunks.length > 0, 30_000);
    const title = `Test Song ${Date.now()}`;
    await ice.setTitle('/live.mp3', title);
    await waitFor(
      `metadata event "${title}"`,
      () => meta.raw.some((r) => (JSON.parse(Buffer.from(r.data).toString()) as MetadataEvent).title === title),
      20_000,
    );
    const ev = meta.raw
      .map((r) => JSON.parse(Buffer.from(r.data).toString()) as MetadataEvent)
      .find((e) => e.title === title)!;
    assert.equal(ev.source, 'mp3');
    assert.equal(ev.raw.StreamTitle, title);
    const chunk = mp3.chunks.find((c) => c.meta.session === ev.session);
    assert.ok(chunk, 'event belongs to the recording session');
    const published = mp3.chunks.reduce((n, c) => n + c.meta.frames, 0);
    assert.ok(
      ev.offset > 0 && ev.offset <= published + 44100,
      `offset ${ev.offset} within the recorded audio (${published})`,
    );
    assert.ok(
      Math.abs(Date.parse(ev.time) - (chunk.meta.sessionStartMs + (ev.offset * 1000) / 44100)) <= 1,
      'event time = session start + offset / rate',
    );
    await waitFor('title in status', async () => (await status('mp3'))?.capture?.title === title, 10_000);
  });

  test('bad sources: clear errors in log and status, retries, no crash, good sources keep recording', async () => {
    const expect: Record<string, RegExp> = {
      unreachable: /ECONNREFUSED/,
      html: /Content-Type "text\/html; charset=utf-8" is not audio/,
      noise: /no MP3 frames found in the first 65536 bytes/,
    };
    for (const [source, re] of Object.entries(expect)) {
      const st = await waitFor(
        `error status of ${source}`,
        async () => {
          const s = await status(source);
          return s?.capture?.state === 'error' && re.test(s.capture.message ?? '') ? s : null;
        },
        30_000,
      );
      assert.match(st.capture!.message!, /reconnecting in/);
      await waitFor(
        `an error log line for ${source}`,
        () => svc.logs().some((l) => l.source === source && (l.level as number) >= 40 && re.test(String(l.msg))),
        10_000,
      );
      await waitFor(
        `${source} retried`,
        () => svc.logs().filter((l) => l.source === source && /^connecting/.test(String(l.msg))).length >= 2,
        20_000,
      );
    }
    const before = mp3.chunks.length;
    await waitFor('MP3 keeps recording', () => mp3.chunks.length >= before + 8, 20_000);
    assert.equal(svc.child.exitCode, null, 'still running');
    assert.equal(sessionProblem(mp3.chunks.slice()), null, 'the good source never broke its session');
    const metrics = await capture.metrics();
    assert.match(metrics, /isr_capture_stream_up\{source="mp3"[^}]*\} 1/);
    assert.match(metrics, /isr_capture_stream_up\{source="noise"[^}]*\} 0/);
    assert.match(metrics, /isr_capture_stream_reconnects_total\{source="html",reason="content"[^}]*\} [1-9]/);
    assert.match(metrics, /isr_capture_stream_reconnects_total\{source="unreachable",reason="network"[^}]*\} [1-9]/);
    assert.match(metrics, /isr_capture_stream_chunks_published_total\{source="opus"[^}]*\} [1-9]/);
    assert.match(
      metrics,
      /isr_capture_stream_chunks_published_total\{source="redirected"[^}]*\} [1-9]/,
      'a redirect is followed',
    );
    const health = await fetch(`http://127.0.0.1:${capture.metricsPort}/healthz`);
    assert.equal(health.status, 200);
  });

  test('a stall (no bytes for stall_seconds) after audio reconnects as a new session', async () => {
    const re = /no bytes from .*\/stall for 2 s/;
    await waitFor(
      'a stall reconnect',
      async () => {
        const text = await capture.metrics();
        return /isr_capture_stream_reconnects_total\{source="stall",reason="stall"[^}]*\} [1-9]/.test(text);
      },
      30_000,
    );
    assert.ok(
      svc.logs().some((l) => l.source === 'stall' && re.test(String(l.msg))),
      'the stall is logged',
    );
    assert.ok(
      svc.logs().some((l) => l.source === 'stall' && l.msg === 'recording'),
      'the stalled source had recorded audio first',
    );
    const st = await waitFor(
      'stall status',
      async () => {
        const v = await status('stall');
        return v?.capture && re.test(v.capture.message ?? '') ? v : null;
      },
      10_000,
    );
    assert.equal(st.capture!.state, 'reconnecting');
    await waitFor(
      'a second session after the stall',
      () =>
        new Set(
          svc
            .logs()
            .filter((l) => l.source === 'stall' && l.msg === 'recording')
            .map((l) => l.session),
        ).size >= 2,
      20_000,
    );
    const retries = svc
      .logs()
      .filter((l) => l.source === 'stall' && l.reason === 'stall' && /^reconnecting/.test(String(l.msg)));
    assert.ok(
      retries.length >= 1 && retries.every((l) => l.attempt === 1 && l.delayMs === 500),
      'a session that delivered audio resets the backoff to reconnect_min_seconds',
    );
  });
});
