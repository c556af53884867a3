import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFile, stat, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, test } from 'node:test';
import { soxSynth, tempDir } from '@isr/testkit';
import { analyzeFile } from '../src/analyze-file.ts';
import { decodeFlac } from '../src/decode-flac.ts';
import type { DecodedAudio } from '../src/decoded-audio.ts';
import { decodeWav } from '../src/decode-wav.ts';
import { AnalysisError, AnalysisErrorCodes } from '../src/errors.ts';
import { defaultParams, tools } from './fixtures.ts';

let dir: { path: string; remove(): Promise<void> };
before(async () => {
  dir = await tempDir('isr-analyzer-flac-');
});
after(async () => {
  await dir.remove();
});

/** A noise WAV of `seconds` (sox) and the same audio as FLAC (the reference `flac` encoder). */
function pair(
  name: string,
  rate: number,
  channels: number,
  bits: number,
  seconds: number,
): { wav: string; flac: string } {
  const wav = join(dir.path, `${name}.wav`);
  const flac = join(dir.path, `${name}.flac`);
  soxSynth(wav, { rate, channels, bits }, `synth ${seconds} whitenoise vol 0.9`);
  execFileSync('flac', ['-s', '-f', '-o', flac, wav], { stdio: 'pipe' });
  return { wav, flac };
}

async function allSamples(audio: DecodedAudio): Promise<Float32Array> {
  const parts: Float32Array[] = [];
  for await (const b of audio.blocks) parts.push(b.samples.slice(0, b.frames * audio.channels));
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

const analyze = (file: string) =>
  analyzeFile({ file, path: 'src/x', source: 'src', params: defaultParams, tools, now: () => new Date() });

test("decodes 16-bit stereo, 24-bit mono, 8-bit 6-channel FLAC to exactly the WAV reader's samples, across several blocks", async () => {
  for (const [name, rate, channels, bits, seconds] of [
    ['s16', 48000, 2, 16, 7],
    ['s24', 44100, 1, 24, 4],
    ['u8', 32000, 6, 8, 2],
  ] as const) {
    const { wav, flac } = pair(name, rate, channels, bits, seconds);
    const audio = await decodeFlac(flac);
    assert.deepEqual(
      [audio.decoder, audio.container, audio.codec, audio.sampleRate, audio.channels, audio.bitsPerSample],
      ['libflac', 'flac', 'flac', rate, channels, bits],
    );
    const got = await allSamples(audio);
    const want = await allSamples(await decodeWav(wav));
    assert.equal(got.length, rate * seconds * channels, name);
    assert.equal(got.length, want.length, name);
    let differ = 0;
    for (let i = 0; i < got.length; i++) if (got[i] !== want[i]) differ++;
    assert.equal(differ, 0, `${name}: ${differ} samples differ`);
    assert.deepEqual(audio.warnings, []);
  }
});

test('a consumer that stops after the first block ends the decoder thread cleanly, and the next file decodes', async () => {
  const { flac } = pair('long', 48000, 2, 16, 20);
  for (let round = 0; round < 3; round++) {
    const audio = await decodeFlac(flac);
    let blocks = 0;
    for await (const b of audio.blocks) {
      assert.ok(b.frames > 0);
      if (++blocks === 1) break;
    }
    assert.equal(blocks, 1);
  }
  const r = await analyze(flac);
  assert.equal(r.error, undefined);
  assert.equal(r.frames, 48000 * 20);
  assert.equal(r.decoder, 'libflac');
});

test('process.exit() while a FLAC is being decoded exits with its status (no SIGABRT from a terminated libFLAC thread)', async () => {
  const { flac } = pair('exit', 48000, 2, 16, 120);
  const script = join(dir.path, 'exit-mid-decode.mjs');
  const decoder = pathToFileURL(join(import.meta.dirname, '../src/decode-flac.ts')).href;
  await writeFile(
    script,
    `import { decodeFlac } from ${JSON.stringify(decoder)};
const audio = await decodeFlac(${JSON.stringify(flac)});
for await (const b of audio.blocks) if (b.frames > 0) process.exit(7);
`,
  );
  for (let round = 0; round < 3; round++) {
    const r = spawnSync(process.execPath, ['--conditions=development', script], { encoding: 'utf8' });
    assert.deepEqual([r.status, r.signal], [7, null], `round ${round}: ${r.stderr}`);
  }
});

test('the same records from libFLAC as from ffmpeg, apart from the decoder', async () => {
  const { flac } = pair('same', 48000, 2, 16, 6);
  const a = await analyze(flac);
  const b = await analyzeFile({
    file: flac,
    path: 'src/x',
    source: 'src',
    params: defaultParams,
    tools,
    now: () => new Date(a.analyzedAt),
    flacDecoder: 'ffmpeg',
  });
  assert.equal(a.decoder, 'libflac');
  assert.equal(b.decoder, 'ffmpeg');
  assert.deepEqual({ ...a, decoder: 'x' }, { ...b, decoder: 'x' });
});

test('a FLAC cut mid-frame, one with a damaged frame, and one that is only "fLaC" are FLAC_CORRUPT with libFLAC\'s reason', async () => {
  const { flac } = pair('bad', 48000, 2, 16, 5);
  const size = (await stat(flac)).size;
  const cut = join(dir.path, 'cut.flac');
  await copyFile(flac, cut);
  await truncate(cut, Math.floor(size * 0.6));
  const r1 = await analyze(cut);
  assert.equal(r1.error?.code, AnalysisErrorCodes.flacCorrupt, JSON.stringify(r1));

  const damaged = join(dir.path, 'damaged.flac');
  const bytes = Buffer.from(await import('node:fs/promises').then((fs) => fs.readFile(flac)));
  bytes.fill(0x5a, Math.floor(size / 2), Math.floor(size / 2) + 3000);
  await writeFile(damaged, bytes);
  const r2 = await analyze(damaged);
  assert.equal(r2.error?.code, AnalysisErrorCodes.flacCorrupt, JSON.stringify(r2));
  assert.match(r2.error!.message, /LOST_SYNC|CRC|BAD_HEADER|STREAMINFO says/);

  const magicOnly = join(dir.path, 'magic.flac');
  await writeFile(magicOnly, 'fLaC');
  await assert.rejects(
    decodeFlac(magicOnly),
    (err: unknown) =>
      err instanceof AnalysisError && err.code === AnalysisErrorCodes.decodeFailed && /libFLAC/.test(err.message),
  );
  const r3 = await analyze(magicOnly);
  assert.equal(r3.error?.code, AnalysisErrorCodes.flacCorrupt, JSON.stringify(r3));
});
