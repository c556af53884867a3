// A `type = tone` source end to end: the BUILT capture-alsa generates it, the segmenter writes it and the analyzer
// measures it, all as real processes on a private nats-server. Over a minute the frames published keep pace with
// the wall clock to within one chunk, and the analyzer finds the configured levels of tone and silence.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { ANALYSIS_SIDECAR_SUFFIX, decodeAudioHeaders, Subjects, type AnalysisRecord } from '@isr/contract';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import {
  freePort,
  recordingFiles,
  startNatsServer,
  startService,
  tempDir,
  waitFor,
  type NatsServerHandle,
  type ServiceHandle,
} from '@isr/testkit';

const RATE = 48000;
const CHUNK_MS = 100;
const LEVEL = -12;
let nats: NatsServerHandle;
let dir: { path: string; remove(): Promise<void> };
let nc: NatsConnection;
const services: ServiceHandle[] = [];

before(async () => {
  nats = await startNatsServer();
  dir = await tempDir('isr-tone-');
  nc = await connect({ servers: nats.url });
});
after(async () => {
  await Promise.all(services.map((s) => s.stop()));
  await nc?.close();
  await nats?.stop();
  await dir?.remove();
});

test('a tone source keeps wall-clock pace over a minute, and the analyzer measures its tone and silence levels', async () => {
  const recordings = join(dir.path, 'rec');
  const config = join(dir.path, 'config.ini');
  writeFileSync(
    config,
    `[general]
output_directory = ${recordings}
split_minutes = 0.25
timezone = UTC
analysis_window_seconds = 0.1
[lineup]
type = tone
tone_level_dbfs = ${LEVEL}
tone_silence_seconds = 1
tone_period_seconds = 5
chunk_ms = ${CHUNK_MS}
`,
  );
  const env = { NATS_URL: nats.url, LOG_LEVEL: 'info' };
  const segmenter = startService('segmenter', ['--config', config], { ...env, METRICS_PORT: String(await freePort()) });
  services.push(segmenter);
  await waitFor(
    `segmenter consuming\n${segmenter.output()}`,
    () => segmenter.output().includes('segmenter consuming'),
    30_000,
  );
  services.push(startService('analyzer', ['--config', config], { ...env, METRICS_PORT: String(await freePort()) }));

  // every chunk: its end in the session's sample clock, and when it arrived by the wall clock
  const seen: { arrivedMs: number; endSeconds: number; startMs: number }[] = [];
  const sub = nc.subscribe(Subjects.audio('lineup'));
  void (async () => {
    for await (const m of sub) {
      const meta = decodeAudioHeaders((n) => m.headers?.get(n) || undefined);
      assert.equal(meta.frames, (RATE * CHUNK_MS) / 1000, 'whole chunks');
      seen.push({
        arrivedMs: Date.now(),
        endSeconds: (meta.offset + meta.frames) / meta.sampleRate,
        startMs: meta.sessionStartMs,
      });
    }
  })();
  const capture = startService('capture-alsa', ['--config', config], {
    ...env,
    METRICS_PORT: String(await freePort()),
  });
  services.push(capture);
  await waitFor(`first tone chunk\n${capture.output()}`, () => seen.length > 0, 30_000);
  await sleep(60_000);
  sub.unsubscribe();

  assert.equal(new Set(seen.map((s) => s.startMs)).size, 1, 'one session all along');
  const startMs = seen[0]!.startMs;
  const lag = seen.map((s) => (s.arrivedMs - startMs) / 1000 - s.endSeconds);
  assert.ok(Math.min(...lag) >= -0.005, `never ahead of the wall clock (min lag ${Math.min(...lag).toFixed(3)} s)`);
  // arrival adds publish and delivery latency: the best of the last ten chunks shows the generator's own lag
  const last = Math.min(...lag.slice(-10));
  assert.ok(
    last <= CHUNK_MS / 1000 + 0.05,
    `after ${seen.at(-1)!.endSeconds.toFixed(1)} s of audio the frames are within one chunk of the wall clock (lag ${last.toFixed(3)} s)`,
  );
  assert.ok(seen.at(-1)!.endSeconds >= 60, 'a minute of audio');

  // the files the segmenter closed: the analyzer's sidecar windows show the tone's peak and digital silence
  const analysis = (f: string) => {
    try {
      return JSON.parse(readFileSync(f + ANALYSIS_SIDECAR_SUFFIX, 'utf8')) as AnalysisRecord;
    } catch {
      return null;
    }
  };
  // whole periods only: the session's first file is a part of one
  const closed = await waitFor(
    `two analyzed 15 s files in ${recordings}`,
    () => {
      const done = recordingFiles(recordings, 'lineup', 'wav').filter(
        (f) => (analysis(f)?.durationSeconds ?? 0) >= 14.99,
      );
      return done.length >= 2 ? done : null;
    },
    30_000,
    500,
  );
  for (const f of closed) {
    const a = analysis(f)!;
    assert.ok(Math.abs(a.peakDbfs! - LEVEL) < 0.5, `${f}: peak ${a.peakDbfs} dBFS ≈ ${LEVEL}`);
    const w = a.windows!;
    const tone = w.peakDbfs.filter((p) => p > -60);
    const silent = w.rmsDbfs.filter((r) => r < -60);
    assert.ok(tone.length > 0 && silent.length > 0, `${f}: tone and silence windows`);
    for (const p of tone) assert.ok(Math.abs(p - LEVEL) < 0.5, `tone window peak ${p} dBFS ≈ ${LEVEL}`);
    for (const [i, r] of w.rmsDbfs.entries())
      if (w.peakDbfs[i]! > -60 && r > LEVEL - 10)
        assert.ok(Math.abs(r - (LEVEL - 3.01)) < 0.5, `tone window RMS ${r} dBFS ≈ ${LEVEL - 3.01} (a sine)`);
    for (const r of silent) assert.ok(r <= -140, `silence window ${r} dBFS is digital silence`);
    // 1 s of silence in every 5 s: about a fifth of the windows
    assert.ok(
      Math.abs(silent.length / w.rmsDbfs.length - 0.2) < 0.05,
      `${silent.length} of ${w.rmsDbfs.length} windows silent`,
    );
  }
});
