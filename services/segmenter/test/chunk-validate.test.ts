import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { splitOggPages } from '@isr/audio';
import { ContractError, type AudioChunkMeta } from '@isr/contract';
import { validateChunk } from '../src/chunk-validate.ts';

const pcm: AudioChunkMeta = {
  source: 's',
  format: 'pcm',
  codec: 'pcm_s16le',
  sampleRate: 48000,
  channels: 2,
  session: 'x',
  sessionStartMs: 0,
  seq: 1,
  offset: 0,
  frames: 10,
};

test('PCM bodies must match frames × channels × 2', () => {
  assert.equal(validateChunk(pcm, new Uint8Array(40)), null);
  assert.throws(
    () => validateChunk(pcm, new Uint8Array(39)),
    (e: unknown) => e instanceof ContractError && /39 bytes/.test(e.message),
  );
  assert.throws(() => validateChunk({ ...pcm, codec: 'mp3' }, new Uint8Array(40)), /only pcm_s16le/);
});

test('compressed units must add up to the body; Ogg units must be whole pages', () => {
  const mp3: AudioChunkMeta = {
    ...pcm,
    format: 'mp3',
    codec: 'mp3',
    units: [
      { bytes: 3, samples: 1152 },
      { bytes: 4, samples: 1152 },
    ],
  };
  assert.deepEqual(validateChunk(mp3, new Uint8Array(7)), mp3.units);
  assert.throws(() => validateChunk(mp3, new Uint8Array(8)), /Isr-Units add up to 7/);
  const ogg = readFileSync(new URL('../../../packages/audio/test/fixtures/sine-100ms-pages.opus', import.meta.url));
  const pages = splitOggPages(ogg).slice(2, 5);
  const body = Buffer.concat(pages.map((p) => p.bytes));
  const meta: AudioChunkMeta = { ...pcm, format: 'ogg', codec: 'opus', frames: 14400 };
  assert.deepEqual(
    validateChunk({ ...meta, units: pages.map((p) => ({ bytes: p.bytes.length, samples: 4800 })) }, body)!.length,
    3,
  );
  // No Isr-Units: pages found, samples credited to the last.
  assert.deepEqual(
    validateChunk(meta, body)!.map((u) => u.samples),
    [0, 0, 14400],
  );
  assert.throws(
    () => validateChunk({ ...meta, units: [{ bytes: body.length, samples: 14400 }] }, body),
    /holds 3 pages, not one/,
  );
  assert.throws(
    () => validateChunk(meta, body.subarray(0, body.length - 1)),
    (e: unknown) => e instanceof ContractError && /truncated Ogg page/.test(e.message),
  );
});
