import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ffmpegSine } from '@isr/testkit';

/** Short sine files made by ffmpeg, one per supported codec: the same bytes a live stream would carry. */
export const FixtureSpecs = {
  mp3: {
    file: 'sine.mp3',
    contentType: 'audio/mpeg',
    args: '-ac 2 -ar 44100 -b:a 128k -f mp3',
    codec: 'mp3',
    rate: 44100,
    channels: 2,
  },
  aac: {
    file: 'sine.aac',
    contentType: 'audio/aac',
    args: '-ac 2 -ar 48000 -c:a aac -f adts',
    codec: 'aac',
    rate: 48000,
    channels: 2,
  },
  opus: {
    file: 'sine.opus',
    contentType: 'audio/ogg',
    args: '-ac 2 -c:a libopus -f ogg',
    codec: 'opus',
    rate: 48000,
    channels: 2,
  },
  vorbis: {
    file: 'sine.ogg',
    contentType: 'application/ogg',
    args: '-ac 1 -ar 22050 -c:a libvorbis -f ogg',
    codec: 'vorbis',
    rate: 22050,
    channels: 1,
  },
  oggflac: {
    file: 'sine.oga',
    contentType: 'audio/ogg',
    args: '-ac 1 -ar 48000 -c:a flac -f ogg',
    codec: 'flac',
    rate: 48000,
    channels: 1,
  },
  flac: {
    file: 'sine.flac',
    contentType: 'audio/flac',
    args: '-ac 2 -ar 48000 -f flac',
    codec: 'flac',
    rate: 48000,
    channels: 2,
  },
} as const;
export type FixtureName = keyof typeof FixtureSpecs;

export function makeFixture(
  dir: string,
  name: FixtureName,
  seconds = FixtureSpecs[name].contentType.includes('ogg') ? 8 : 3,
  frequency = 440,
): Uint8Array {
  const spec = FixtureSpecs[name];
  const out = join(dir, `${frequency}-${spec.file}`);
  ffmpegSine(out, { hz: frequency, rate: 44100, seconds }, spec.args);
  return new Uint8Array(readFileSync(out));
}

/** What `ffmpeg -v error -i FILE -f null -` prints (empty = the file plays) and the decoded sample frames. */
export function decodeCheck(
  dir: string,
  name: string,
  bytes: Uint8Array,
): { errors: string; samples: number; channels: number } {
  const file = join(dir, name);
  writeFileSync(file, bytes);
  const errors = spawnSync('ffmpeg', ['-v', 'error', '-i', file, '-f', 'null', '-'], { encoding: 'utf8' }).stderr;
  const pcm = spawnSync('ffmpeg', ['-v', 'error', '-i', file, '-f', 's16le', '-'], { maxBuffer: 1 << 28 });
  const probe = spawnSync('ffprobe', ['-v', 'error', '-show_entries', 'stream=channels', '-of', 'csv=p=0', file], {
    encoding: 'utf8',
  });
  const channels = Number(probe.stdout.trim().split('\n')[0]) || 1;
  return { errors, samples: pcm.stdout.length / 2 / channels, channels };
}

/** The same bytes cut four ways: whole, 1-byte, 997-byte and random pieces (seeded, so a failure repeats). */
export function chunkings(bytes: Uint8Array, seed = 7): [string, Uint8Array[]][] {
  const cut = (size: (i: number) => number) => {
    const out: Uint8Array[] = [];
    for (let at = 0, i = 0; at < bytes.length; i++) {
      const n = size(i);
      out.push(bytes.subarray(at, at + n));
      at += n;
    }
    return out;
  };
  let s = seed;
  const rnd = () => ((s = (s * 1103515245 + 12345) & 0x7fffffff) % 4096) + 1;
  return [
    ['whole', [bytes]],
    ['1-byte', cut(() => 1)],
    ['997-byte', cut(() => 997)],
    ['random', cut(rnd)],
  ];
}
