import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import {
  AudioErrorCodes,
  FLAC_STREAMINFO_END,
  FlacBlockTypes,
  FlacHeaderError,
  FlacMetadataReader,
  readFlacMetadata,
  readStreamInfo,
  type FlacMetadata,
} from '@isr/audio';
import { soxSynth } from '@isr/testkit';
import { thrownCode } from './thrown-code.ts';

const dir = mkdtempSync(join(tmpdir(), 'isr-flac-reader-'));
after(() => rmSync(dir, { recursive: true, force: true }));

let tagged: Buffer;
let plain: Buffer;
before(() => {
  const wav = join(dir, 'a.wav');
  soxSynth(wav, { rate: 48000, channels: 2, bits: 24 }, 'synth 0.5 sine 440');
  // Vorbis comments as the segmenter writes them, a seek table and 300 bytes of padding.
  execFileSync('flac', [
    '-s',
    '-f',
    '-T',
    'ISR_SOURCE=studio',
    '-T',
    'ISR_SESSION=abc',
    '-T',
    'title=a=b',
    '-S',
    '0.1s',
    '-P',
    '300',
    '-o',
    join(dir, 'tagged.flac'),
    wav,
  ]);
  execFileSync('flac', ['-s', '-f', '--no-padding', '--no-seektable', '-o', join(dir, 'plain.flac'), wav]);
  tagged = readFileSync(join(dir, 'tagged.flac'));
  plain = readFileSync(join(dir, 'plain.flac'));
});

/** Where the audio frames start, by `metaflac --list`: the offset after the last block. */
function metaflacEnd(path: string): number {
  const out = execFileSync('metaflac', ['--list', path], { encoding: 'utf8' });
  let end = 4;
  for (const m of out.matchAll(/^\s*length: (\d+)$/gm)) end += 4 + Number(m[1]);
  return end;
}

function feed(bytes: Uint8Array, next: () => number, reuse = false): FlacMetadata {
  const r = new FlacMetadataReader();
  const scratch = new Uint8Array(bytes.length);
  for (let at = 0; at < bytes.length;) {
    const n = Math.min(bytes.length - at, next());
    const piece = reuse
      ? (scratch.set(bytes.subarray(at, at + n)), scratch.subarray(0, n))
      : bytes.subarray(at, at + n);
    const step = r.push(piece);
    if (reuse) scratch.fill(0xee);
    at += n;
    if (step.kind === 'metadata') {
      assert.deepEqual(r.header, bytes.subarray(0, step.metadata.audioOffset));
      return step.metadata;
    }
  }
  return r.end();
}

test('files made by flac: STREAMINFO, blocks, Vorbis comments and the audio offset, the same whole and in pieces', () => {
  const m = readFlacMetadata(tagged);
  assert.equal(m.kind, 'metadata');
  if (m.kind !== 'metadata') return;
  const md = m.metadata;
  assert.deepEqual(
    {
      ...md.streamInfo,
      md5: undefined,
      minBlockSize: undefined,
      maxBlockSize: undefined,
      minFrameSize: undefined,
      maxFrameSize: undefined,
    },
    {
      sampleRate: 48000,
      channels: 2,
      bitsPerSample: 24,
      totalSamples: 24000,
      md5: undefined,
      minBlockSize: undefined,
      maxBlockSize: undefined,
      minFrameSize: undefined,
      maxFrameSize: undefined,
    },
  );
  assert.equal(md.streamInfo.maxBlockSize, 4096);
  assert.ok(md.streamInfo.minFrameSize > 0 && md.streamInfo.maxFrameSize >= md.streamInfo.minFrameSize);
  assert.equal(md.streamInfo.md5.toString('hex').length, 32);
  assert.deepEqual(
    md.blocks.map((b) => b.type),
    [FlacBlockTypes.streamInfo, FlacBlockTypes.seekTable, FlacBlockTypes.vorbisComment, FlacBlockTypes.padding],
  );
  assert.equal(md.blocks.at(-1)!.length, 300);
  assert.deepEqual(md.vorbisComment?.comments.slice(0, 3), [
    ['ISR_SOURCE', 'studio'],
    ['ISR_SESSION', 'abc'],
    ['title', 'a=b'],
  ]);
  assert.match(md.vorbisComment!.vendor, /reference libFLAC/);
  assert.equal(md.audioOffset, metaflacEnd(join(dir, 'tagged.flac')));
  assert.deepEqual(
    [tagged[md.audioOffset], tagged[md.audioOffset + 1]! & 0xfe],
    [0xff, 0xf8],
    'a frame sync code follows',
  );
  let seed = 11;
  for (const next of [() => 1, () => 997, () => ((seed = (seed * 48271) % 2147483647) % 200) + 1])
    assert.deepEqual(feed(tagged, next), md);
  assert.deepEqual(
    feed(tagged, () => 7, true),
    md,
    '7-byte pieces in one reused array',
  );
  const p = readFlacMetadata(plain);
  assert.ok(p.kind === 'metadata' && p.metadata.audioOffset === metaflacEnd(join(dir, 'plain.flac')));
  assert.deepEqual(
    readStreamInfo(plain.subarray(0, FLAC_STREAMINFO_END)),
    p.kind === 'metadata' ? p.metadata.streamInfo : null,
  );
});

test('truncated: "need" with the bytes from the start it needs, then a typed error at the end', () => {
  const m = readFlacMetadata(tagged);
  assert.ok(m.kind === 'metadata');
  const end = m.metadata.audioOffset;
  for (const cut of [0, 2, 4, 8, 41, 42, 50, end - 1]) {
    const step = readFlacMetadata(tagged.subarray(0, cut));
    assert.equal(step.kind, 'need', `cut at ${cut}`);
    if (step.kind === 'need')
      assert.ok(
        step.bytes > cut && step.bytes <= Math.max(end, FLAC_STREAMINFO_END),
        `cut at ${cut}: needs ${step.bytes}`,
      );
    const r = new FlacMetadataReader();
    r.push(tagged.subarray(0, cut));
    assert.throws(
      () => r.end(),
      (e: unknown) => e instanceof FlacHeaderError && e.code === AudioErrorCodes.flacTruncated,
    );
  }
  assert.equal(readFlacMetadata(tagged.subarray(0, end)).kind, 'metadata');
  assert.throws(
    () => readStreamInfo(tagged.subarray(0, 41)),
    (e: unknown) => e instanceof FlacHeaderError && e.code === AudioErrorCodes.flacTruncated,
  );
});

test('garbage: not FLAC as soon as the first bytes say so; fLaC without STREAMINFO first is invalid', () => {
  const code = (f: () => unknown) => thrownCode(FlacHeaderError, f);
  assert.equal(
    code(() => readFlacMetadata(Buffer.from('RIFF....'))),
    AudioErrorCodes.flacNotFlac,
  );
  assert.equal(
    code(() => new FlacMetadataReader().push(Buffer.from('ID'))),
    AudioErrorCodes.flacNotFlac,
  );
  assert.equal(
    code(() => readStreamInfo(Buffer.alloc(FLAC_STREAMINFO_END))),
    AudioErrorCodes.flacNotFlac,
  );
  const noStreamInfo = Buffer.concat([Buffer.from('fLaC'), Buffer.from([0x84, 0, 0, 8]), Buffer.alloc(8)]);
  assert.equal(
    code(() => readFlacMetadata(noStreamInfo)),
    AudioErrorCodes.flacInvalid,
  );
  const badComment = Buffer.concat([
    tagged.subarray(0, 42).map((b, i) => (i === 4 ? b & 0x7f : b)),
    Buffer.from([0x84, 0, 0, 8]),
    Buffer.from([0xff, 0xff, 0, 0, 0, 0, 0, 0]),
  ]);
  assert.equal(
    code(() => readFlacMetadata(badComment)),
    AudioErrorCodes.flacInvalid,
  );
});
