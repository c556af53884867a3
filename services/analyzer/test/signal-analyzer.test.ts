import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { join } from 'node:path';
import { soxSynth, tempDir } from '@isr/testkit';
import { analyzeFile } from '../src/analyze-file.ts';
import { SignalAnalyzer } from '../src/signal-analyzer.ts';
import { burstSections, defaultParams, ffmpegLufs, makeBursts, sox, soxStats, tools } from './fixtures.ts';

let dir: { path: string; remove(): Promise<void> };
before(async () => {
  dir = await tempDir('isr-analyzer-dsp-');
});
after(async () => {
  await dir.remove();
});

const analyze = (file: string, params = defaultParams) =>
  analyzeFile({ file, path: 'src/x', source: 'src', params, tools, now: () => new Date() });

test('finds the loud sections of tone bursts within one window, merging short gaps and dropping short runs', async () => {
  const f = join(dir.path, 'bursts.wav');
  makeBursts(f);
  const r = await analyze(f);
  assert.equal(r.error, undefined);
  assert.equal(r.loudSections!.length, 2, JSON.stringify(r.loudSections));
  r.loudSections!.forEach((s, i) => {
    assert.ok(Math.abs(s.start - burstSections[i]!.start) <= 0.1, `section ${i} starts at ${s.start}`);
    assert.ok(Math.abs(s.end - burstSections[i]!.end) <= 0.1, `section ${i} ends at ${s.end}`);
  });
  assert.equal(r.loudSections![0]!.peakDbfs, -6);
  assert.equal(r.durationSeconds, 17);
  assert.deepEqual(r.params, defaultParams);
});

test('adaptive threshold: noise floor + margin finds the same bursts above a noise bed', async () => {
  const f = join(dir.path, 'noisy.wav');
  const bursts = join(dir.path, 'b.wav');
  const noise = join(dir.path, 'n.wav');
  makeBursts(bursts);
  soxSynth(noise, { rate: 48000, channels: 2 }, 'synth 17 whitenoise vol -50dB');
  sox('-m', '-v', '1', bursts, '-v', '1', noise, f);
  // With a fixed threshold far below the bursts, the noise bed alone is one long "section".
  const fixed = await analyze(f, { ...defaultParams, threshold: 0.001 });
  assert.equal(fixed.loudSections!.length, 1);
  const r = await analyze(f, { ...defaultParams, thresholdMode: 'adaptive' });
  assert.ok(r.noiseFloorDbfs! > -60 && r.noiseFloorDbfs! < -50, `noise floor ${r.noiseFloorDbfs}`);
  assert.equal(r.thresholdDbfs, Math.round((r.noiseFloorDbfs! + 12) * 100) / 100);
  assert.deepEqual(
    r.loudSections!.map((s) => [Math.round(s.start * 10) / 10, Math.round(s.end * 10) / 10]),
    burstSections.map((s) => [s.start, s.end]),
  );
});

test('overall RMS and peak match sox stats within 0.1 dB', async () => {
  const f = join(dir.path, 'mix.wav');
  soxSynth(f, { rate: 44100, channels: 2 }, 'synth 8 pinknoise vol -14dB : synth 4 sine 300 vol -3dB');
  const r = await analyze(f);
  const s = soxStats(f);
  assert.ok(Math.abs(r.rmsDbfs! - s.rmsDb) <= 0.1, `RMS ${r.rmsDbfs} vs sox ${s.rmsDb}`);
  assert.ok(Math.abs(r.peakDbfs! - s.peakDb) <= 0.1, `peak ${r.peakDbfs} vs sox ${s.peakDb}`);
});

test('integrated loudness of a 1 kHz sine at −20 dBFS matches ffmpeg ebur128 within 0.1 LU (mono 48 kHz, stereo 44.1 kHz)', async () => {
  for (const [rate, ch] of [
    [48000, 1],
    [44100, 2],
  ] as const) {
    const f = join(dir.path, `sine-${rate}-${ch}.wav`);
    soxSynth(f, { rate, channels: ch, bits: 24 }, 'synth 10 sine 1000 vol -20dB');
    const r = await analyze(f);
    const ref = ffmpegLufs(f);
    assert.ok(Math.abs(r.integratedLufs! - ref) <= 0.1, `${rate}/${ch}: ${r.integratedLufs} vs ffmpeg ${ref}`);
  }
});

test('EBU R128 test-style signal: quiet parts and silence are gated out, as ffmpeg ebur128 does', async () => {
  // After EBU Tech 3341 case 3: −36 / −23 / −36 dBFS stereo 1 kHz, plus silence (below the absolute gate).
  const f = join(dir.path, 'ebu.wav');
  soxSynth(
    f,
    { rate: 48000, channels: 2, bits: 24 },
    'synth 4 sine 1000 vol -36dB : synth 20 sine 1000 vol -23dB : synth 4 sine 1000 vol -36dB : synth 6 sine 1000 vol 0',
  );
  const r = await analyze(f);
  const ref = ffmpegLufs(f);
  assert.ok(Math.abs(r.integratedLufs! - ref) <= 0.1, `${r.integratedLufs} vs ffmpeg ${ref}`);
  assert.ok(Math.abs(r.integratedLufs! - -23) <= 0.1, `${r.integratedLufs} vs the expected −23 LUFS`);
});

test('counts clipped samples and keeps results identical whatever the block sizes', () => {
  const rate = 8000;
  const n = rate * 3;
  const x = new Float32Array(n * 2);
  for (let i = 0; i < n; i++) {
    const v = Math.sin((2 * Math.PI * 440 * i) / rate) * (i > rate ? 1.2 : 0.3);
    x[2 * i] = Math.max(-1, Math.min(1, v));
    x[2 * i + 1] = -x[2 * i]!;
  }
  const run = (sizes: () => number) => {
    const a = new SignalAnalyzer(rate, 2, 0.1);
    for (let f = 0; f < n;) {
      const k = Math.min(n - f, sizes());
      a.push(x.subarray(f * 2, (f + k) * 2), k);
      f += k;
    }
    const m = a.finish();
    return {
      frames: m.frames,
      rms: m.rms,
      peak: m.peak,
      clipped: m.clippedSamples,
      lufs: m.integratedLufs,
      ov: m.overview.toJson(rate),
      win: m.windows.reduced(1000),
    };
  };
  const whole = run(() => n);
  let seed = 7;
  for (const sizes of [() => 1, () => 997, () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) % 3000) + 1]) {
    const other = run(sizes);
    assert.equal(other.frames, whole.frames);
    assert.equal(other.clipped, whole.clipped);
    assert.ok(Math.abs(other.rms - whole.rms) < 1e-9 && Math.abs(other.lufs! - whole.lufs!) < 1e-6);
    assert.deepEqual(other.ov, whole.ov);
    assert.deepEqual(other.win, whole.win);
  }
  assert.ok(whole.clipped > 1000, `clipped ${whole.clipped}`);
  assert.equal(whole.peak, 1);
});

test('waveform levels follow the audiowaveform v2 layout and stay bounded for long files', () => {
  const rate = 8000;
  const a = new SignalAnalyzer(rate, 1, 0.1);
  const block = new Float32Array(rate);
  for (let i = 0; i < rate; i++) block[i] = Math.sin(i / 10) * 0.5;
  for (let s = 0; s < 3 * 3600; s++) a.push(block, rate); // 3 hours
  const m = a.finish();
  const ov = m.overview.toJson(rate);
  assert.equal(ov.version, 2);
  assert.equal(ov.bits, 8);
  assert.ok(ov.length > 1000 && ov.length <= 2000, `overview ${ov.length} px`);
  assert.equal(ov.data.length, ov.length * 2);
  assert.ok(Math.abs(ov.length * ov.samples_per_pixel - 3 * 3600 * rate) < ov.samples_per_pixel);
  assert.ok(ov.data[0] === -64 || ov.data[0] === -63, `min ${ov.data[0]}`);
  assert.ok(ov.data[1] === 64 || ov.data[1] === 63, `max ${ov.data[1]}`);
  const detail = m.detail.toJson(rate);
  assert.ok(detail.length <= 65536 && detail.length > 32768);
  assert.equal(m.seconds.toJson(rate).length, 3 * 3600);
  assert.equal(m.windows.reduced(36000).rmsDbfs.length, 27000);
});
