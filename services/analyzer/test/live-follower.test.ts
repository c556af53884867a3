import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { splitOggPages } from '@isr/audio';
import { encodeAudioHeaders, encodeJson, parseJson, Subjects, type LiveLevel } from '@isr/contract';
import { toHeaders } from '@isr/runtime';
import { soxSynth, waitFor } from '@isr/testkit';
import { metric, serverAndDir, startInstance } from './harness.ts';

const shared = serverAndDir('isr-analyzer-live-');

test('live levels from PCM chunks appear on isr.level.<source>, and dead air flips the gauge', async () => {
  const out = join(shared.dir, 'live');
  const a = await startInstance(shared.server, out, 'analyzer_startup_scan = false\ndead_air_threshold_dbfs = -40');
  try {
    const levels: LiveLevel[] = [];
    const sub = a.bus.nc.subscribe(Subjects.level('studio'), {
      callback: (_e, m) => {
        levels.push(parseJson<LiveLevel>(m.data, 'level'));
      },
    });
    await a.bus.nc.flush();
    const rate = 48000;
    const frames = 4800;
    const start = Date.parse('2026-11-24T05:00:00.000Z');
    let seq = 0;
    const send = async (amp: number, chunks: number) => {
      for (let k = 0; k < chunks; k++) {
        const pcm = Buffer.alloc(frames * 4);
        for (let i = 0; i < frames; i++) {
          const v = Math.round(amp * 32767 * Math.sin((2 * Math.PI * 1000 * (seq * frames + i)) / rate));
          pcm.writeInt16LE(v, i * 4);
          pcm.writeInt16LE(v, i * 4 + 2);
        }
        seq++;
        const h = encodeAudioHeaders({
          source: 'studio',
          format: 'pcm',
          codec: 'pcm_s16le',
          sampleRate: rate,
          channels: 2,
          session: 'live-1',
          sessionStartMs: start,
          seq,
          offset: (seq - 1) * frames,
          frames,
        });
        await a.bus.js.publish(Subjects.audio('studio'), pcm, { headers: toHeaders(h) });
      }
    };
    await send(0.5, 15); // 1.5 s at −6 dBFS peak
    await waitFor('levels of the tone', () => levels.some((l) => l.offset! >= 1.2 * rate), 10_000);
    const loud = levels.filter((l) => l.offset! >= rate).at(-1)!;
    assert.ok(Math.abs(loud.rmsDbfs - -9.03) < 0.1, `rms ${loud.rmsDbfs}`);
    assert.ok(Math.abs(loud.peakDbfs - -6.02) < 0.1, `peak ${loud.peakDbfs}`);
    assert.equal(loud.deadAir, false);
    assert.ok(loud.waveform.length > 0 && loud.waveform.length % 2 === 0);
    assert.ok(Math.abs(Math.max(...loud.waveform) - 0.5) < 0.01);
    assert.equal(loud.pairSeconds, 0.05);
    assert.equal(loud.time, new Date(start + (loud.offset! / rate) * 1000).toISOString());
    assert.ok(Math.abs((await metric(a.registry, 'isr_live_rms_dbfs', { source: 'studio' })) - -9.03) < 0.1);
    assert.equal(await metric(a.registry, 'isr_dead_air', { source: 'studio' }), 0);

    await send(0, 25); // 2.5 s of silence, dead_air_seconds = 1
    await waitFor(
      'dead air',
      async () => (await metric(a.registry, 'isr_dead_air', { source: 'studio' })) === 1,
      10_000,
    );
    await waitFor('a dead-air level message', () => levels.some((l) => l.deadAir), 10_000);
    assert.equal(await metric(a.registry, 'isr_dead_air_events_total', { source: 'studio' }), 1);
    assert.ok((await metric(a.registry, 'isr_live_rms_dbfs', { source: 'studio' })) <= -150 + 1e-9);
    await send(0.5, 5);
    await waitFor(
      'dead air over',
      async () => (await metric(a.registry, 'isr_dead_air', { source: 'studio' })) === 0,
      10_000,
    );
    assert.equal(await metric(a.registry, 'isr_dead_air_events_total', { source: 'studio' }), 1);
    sub.unsubscribe();
  } finally {
    await a.stop();
  }
});

test('compressed sources (MP3; Ogg Opus with its header from KV isr_codec) are decoded live: levels and dead air', async () => {
  const out = join(shared.dir, 'live-compressed');
  const a = await startInstance(shared.server, out, 'analyzer_startup_scan = false\ndead_air_threshold_dbfs = -40');
  try {
    const levels = new Map<string, LiveLevel[]>();
    const sub = a.bus.nc.subscribe(Subjects.levelAll, {
      callback: (_e, m) => {
        const l = parseJson<LiveLevel>(m.data, 'level');
        levels.set(l.source, [...(levels.get(l.source) ?? []), l]);
      },
    });
    await a.bus.nc.flush();
    const src = join(shared.dir, 'live-src.wav');
    soxSynth(src, { rate: 48000, channels: 2 }, 'synth 1.5 sine 1000 vol -6dB : synth 3 sine 1000 vol 0');
    const mp3 = join(shared.dir, 'live.mp3');
    const opus = join(shared.dir, 'live.opus');
    execFileSync('ffmpeg', ['-v', 'error', '-y', '-i', src, '-c:a', 'libmp3lame', '-b:a', '128k', mp3]);
    execFileSync('ffmpeg', ['-v', 'error', '-y', '-i', src, '-c:a', 'libopus', '-b:a', '96k', '-f', 'ogg', opus]);
    const start = Date.parse('2026-11-24T05:00:00.000Z');
    const publish = async (source: string, format: 'mp3' | 'ogg', codec: 'mp3' | 'opus', chunks: Uint8Array[]) => {
      let seq = 0;
      for (const data of chunks) {
        seq++;
        const h = encodeAudioHeaders({
          source,
          format,
          codec,
          sampleRate: 48000,
          channels: 2,
          session: `${source}-1`,
          sessionStartMs: start,
          seq,
          offset: (seq - 1) * 4800,
          frames: 4800,
        });
        await a.bus.js.publish(Subjects.audio(source), data, { headers: toHeaders(h) });
      }
    };
    const mp3Bytes = await readFile(mp3);
    await publish(
      'mp3src',
      'mp3',
      'mp3',
      Array.from({ length: Math.ceil(mp3Bytes.length / 1600) }, (_, i) => mp3Bytes.subarray(i * 1600, (i + 1) * 1600)),
    );
    const pages = splitOggPages(await readFile(opus)).map((p) => p.bytes);
    const init = Buffer.concat(pages.slice(0, 2));
    await a.bus.kv.codec.put(
      'opussrc',
      encodeJson({
        source: 'opussrc',
        session: 'opussrc-1',
        format: 'ogg',
        codec: 'opus',
        sampleRate: 48000,
        channels: 2,
        init: init.toString('base64'),
      }),
    );
    await publish('opussrc', 'ogg', 'opus', pages.slice(2));
    for (const source of ['mp3src', 'opussrc']) {
      await waitFor(
        `${source}: dead air`,
        async () => (await metric(a.registry, 'isr_dead_air', { source })) === 1,
        20_000,
      );
      const got = levels.get(source)!;
      // The last level whose window ends inside the 1.5 s tone (levels cover the last second up to their offset; a
      // follower that joined a little late starts its offsets later, so a fixed offset range can miss them all).
      const loud = [...got].reverse().find((l) => l.offset! >= 0.5 * 48000 && l.offset! <= 1.5 * 48000);
      assert.ok(loud, `${source}: a level inside the tone, got offsets ${got.map((l) => l.offset).join(', ')}`);
      assert.ok(Math.abs(loud.peakDbfs - -6) < 0.5, `${source} peak ${loud.peakDbfs}`);
      assert.ok(Math.abs(loud.rmsDbfs - -9) < 0.5, `${source} rms ${loud.rmsDbfs}`);
      // The gauge is set here, the LiveLevel arrives over NATS: wait for it (`got` is a snapshot; the map's list is replaced per message).
      await waitFor(`${source}: a dead-air level message`, () => levels.get(source)!.some((l) => l.deadAir), 10_000);
      assert.equal(await metric(a.registry, 'isr_dead_air_events_total', { source }), 1);
    }
    sub.unsubscribe();
  } finally {
    await a.stop();
  }
});
