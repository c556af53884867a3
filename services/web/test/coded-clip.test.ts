import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { parseWavHeader } from '@isr/audio';
import { ffmpegSine, soxSynth } from '@isr/testkit';
import { harness, type Harness } from './harness.ts';

// MP3 and FLAC recordings either side of 06:00:00 UTC, made by ffmpeg/sox; ffprobe (an independent parser)
// gives the MP3 frame boundaries, flac gives the FLAC samples.
const M1 = 'radio/2026-11-24/2026-11-24_05-59-57+0000.mp3';
const M2 = 'radio/2026-11-24/2026-11-24_06-00-00+0000.mp3';
const F1 = 'pcm/2026-11-24/2026-11-24_05-59-57+0000.flac';
const F2 = 'pcm/2026-11-24/2026-11-24_06-00-00+0000.flac';
/** A minute of FLAC (libFLAC through sox: 4,096-sample frames), to cut a clip from near its end. */
const LONG = 'long/2026-11-24/2026-11-24_07-00-00+0000.flac';
let h: Harness;

before(async () => {
  h = await harness({
    fill: async (root) => {
      await mkdir(join(root, 'radio/2026-11-24'), { recursive: true });
      await mkdir(join(root, 'pcm/2026-11-24'), { recursive: true });
      await mkdir(join(root, 'long/2026-11-24'), { recursive: true });
      soxSynth(join(root, LONG), { rate: 48000, channels: 2 }, 'synth 60 pinknoise vol 0.5');
      for (const [f, freq] of [
        [M1, 440],
        [M2, 660],
      ] as const) {
        ffmpegSine(
          join(root, f),
          { hz: freq, rate: 44100, seconds: 3 },
          '-c:a libmp3lame -b:a 128k -write_xing 0 -id3v2_version 0 -f mp3',
        );
      }
      for (const [f, kind] of [
        [F1, 'whitenoise'],
        [F2, 'pinknoise'],
      ] as const) {
        soxSynth(join(root, f), { rate: 48000, channels: 2 }, `synth 3 ${kind} vol 0.5`);
      }
    },
  });
  await h.listen();
});
after(() => h.close());

function mp3Frames(path: string): { pos: number; size: number }[] {
  const out = JSON.parse(
    execFileSync(
      'ffprobe',
      [
        '-v',
        'error',
        '-select_streams',
        'a:0',
        '-show_packets',
        '-show_entries',
        'packet=pos,size',
        '-of',
        'json',
        path,
      ],
      { encoding: 'utf8' },
    ),
  ) as { packets: { pos: string; size: string }[] };
  return out.packets.map((p) => ({ pos: Number(p.pos), size: Number(p.size) }));
}

test('an MP3 clip across the hour boundary is the overlapping frames of both files, byte for byte', async () => {
  const res = await fetch(`${h.url}/api/clip?source=radio&start=2026-11-24T05:59:58.500Z&end=2026-11-24T06:00:01Z`);
  assert.equal(res.status, 200, await res.clone().text());
  assert.equal(res.headers.get('content-type'), 'audio/mpeg');
  const clip = Buffer.from(await res.arrayBuffer());
  const frameMs = (1152 * 1000) / 44100;
  const pick = async (rel: string, fromMs: number, toMs: number) => {
    const data = await readFile(join(h.root, rel));
    return Buffer.concat(
      mp3Frames(join(h.root, rel))
        .filter((_, i) => (i + 1) * frameMs > fromMs && i * frameMs < toMs)
        .map((f) => data.subarray(f.pos, f.pos + f.size)),
    );
  };
  const expected = Buffer.concat([await pick(M1, 1500, 3000), await pick(M2, 0, 1000)]);
  assert.ok(expected.length > 10_000);
  assert.ok(clip.equals(expected), `clip ${clip.length} bytes, expected ${expected.length}`);
  const out = join(h.dir, 'clip.mp3');
  await writeFile(out, clip);
  assert.equal(execFileSync('ffmpeg', ['-v', 'error', '-i', out, '-f', 'null', '-'], { encoding: 'utf8' }), '');
});

test('a PCM source recorded as FLAC gives a sample-accurate WAV clip, and a FLAC clip that passes flac -t', async () => {
  const res = await fetch(`${h.url}/api/clip?source=pcm&start=2026-11-24T05:59:58.500Z&end=2026-11-24T06:00:01.250Z`);
  assert.equal(res.status, 200, await res.clone().text());
  assert.equal(res.headers.get('content-type'), 'audio/wav');
  const clip = Buffer.from(await res.arrayBuffer());
  const raw = (rel: string) =>
    execFileSync(
      'flac',
      ['-d', '-s', '-c', '--force-raw-format', '--endian=little', '--sign=signed', join(h.root, rel)],
      { maxBuffer: 1 << 26 },
    );
  const expected = Buffer.concat([raw(F1).subarray(1.5 * 48000 * 4), raw(F2).subarray(0, 1.25 * 48000 * 4)]);
  const info = parseWavHeader(clip);
  assert.equal(info.dataBytes, expected.length);
  assert.ok(clip.subarray(info.dataOffset).equals(expected), 'samples differ');

  const fl = await fetch(
    `${h.url}/api/clip?source=pcm&start=2026-11-24T05:59:58.500Z&end=2026-11-24T06:00:01.250Z&format=flac`,
  );
  assert.equal(fl.status, 200, await fl.clone().text());
  assert.equal(fl.headers.get('content-type'), 'audio/flac');
  const out = join(h.dir, 'clip.flac');
  await writeFile(out, Buffer.from(await fl.arrayBuffer()));
  execFileSync('flac', ['-t', '-s', out]);
  const decoded = execFileSync(
    'flac',
    ['-d', '-s', '-c', '--force-raw-format', '--endian=little', '--sign=signed', out],
    { maxBuffer: 1 << 26 },
  );
  // Whole FLAC frames (4096 samples from sox/libFLAC) around the span: it covers the span, within a frame each side.
  const frames = decoded.length / 4;
  assert.ok(frames >= 2.75 * 48000 && frames <= 2.75 * 48000 + 2 * 4096, `${frames} frames`);
  assert.equal(
    (await fetch(`${h.url}/api/clip?source=radio&start=2026-11-24T05:59:58Z&end=2026-11-24T06:00:01Z&format=wav`))
      .status,
    422,
  );
});

test('a FLAC clip near the end of a long file reads a frame near its start by bisection, not the file before it', async () => {
  const size = (await stat(join(h.root, LONG))).size;
  const before = await h.clipReadBytes();
  const res = await fetch(
    `${h.url}/api/clip?source=long&start=2026-11-24T07:00:40Z&end=2026-11-24T07:00:42.5Z&format=flac`,
  );
  assert.equal(res.status, 200, await res.clone().text());
  const out = join(h.dir, 'long-clip.flac');
  await writeFile(out, Buffer.from(await res.arrayBuffer()));
  const read = (await h.clipReadBytes()) - before;
  assert.ok(read < size / 4, `read ${read} bytes of a ${size}-byte file`);
  execFileSync('flac', ['-t', '-s', out]);
  // The clip is the file's whole frames around [40 s, 42.5 s), as flac itself decodes them from the file.
  const raw = (path: string) =>
    execFileSync('flac', ['-d', '-s', '-c', '--force-raw-format', '--endian=little', '--sign=signed', path], {
      maxBuffer: 1 << 26,
    });
  const first = Math.floor((40 * 48000) / 4096) * 4096;
  const end = Math.ceil((42.5 * 48000) / 4096) * 4096;
  const expected = raw(join(h.root, LONG)).subarray(first * 4, end * 4);
  const clip = raw(out);
  assert.equal(clip.length / 4, expected.length / 4, 'frames in the clip');
  assert.ok(clip.equals(expected), 'the clip holds the samples of the file from its frame at 40 s on');
});
