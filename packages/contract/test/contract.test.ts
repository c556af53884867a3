import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  analysisKey,
  AudioHeaders,
  chunkTimeMs,
  ContractError,
  decodeAudioHeaders,
  encodeAudioHeaders,
  pathOfAnalysisKey,
  Subjects,
  type AudioChunkMeta,
} from '@isr/contract';

const meta: AudioChunkMeta = {
  source: 'radio1',
  format: 'pcm',
  codec: 'pcm_s16le',
  sampleRate: 48000,
  channels: 2,
  session: 'abc',
  sessionStartMs: Date.parse('2026-11-24T10:00:00.000Z'),
  seq: 7,
  offset: 48000 * 3 + 24000,
  frames: 4800,
};
const mp3Meta: AudioChunkMeta = {
  ...meta,
  format: 'mp3',
  codec: 'mp3',
  units: [
    { bytes: 417, samples: 1152 },
    { bytes: 418, samples: 1152 },
  ],
};

test('audio headers round-trip and carry the sample-derived time', () => {
  const h = encodeAudioHeaders(meta);
  assert.equal(h[AudioHeaders.time], '2026-11-24T10:00:03.500Z');
  assert.equal(h[AudioHeaders.msgId], 'abc-7');
  assert.deepEqual(
    decodeAudioHeaders((n) => h[n]),
    meta,
  );
  assert.equal(chunkTimeMs(meta), Date.parse('2026-11-24T10:00:03.500Z'));
});

test('a bad header is a ContractError naming it', () => {
  const h = encodeAudioHeaders(meta);
  assert.throws(
    () => decodeAudioHeaders((n) => (n === AudioHeaders.seq ? 'x' : h[n])),
    (e: unknown) => e instanceof ContractError && /Isr-Seq/.test(e.message),
  );
  assert.throws(() => decodeAudioHeaders((n) => (n === AudioHeaders.codec ? 'wma' : h[n])), /Isr-Codec "wma"/);
  assert.throws(
    () => decodeAudioHeaders((n) => (n === AudioHeaders.source ? 'a.b' : h[n])),
    /Isr-Source "a.b" may contain only/,
  );
});

test('subjects refuse source names that are not subject tokens', () => {
  assert.equal(Subjects.audio('radio_1-a'), 'isr.audio.radio_1-a');
  assert.throws(() => Subjects.audio('a.b'), /may contain only/);
  assert.throws(() => Subjects.segmentClosed('*'), /may contain only/);
  assert.throws(() => Subjects.audio(''), /is empty/);
});

test('analysis keys are valid KV keys and map back to the path', () => {
  for (const p of ['radio1/2026-11-24/2026-11-24_10-00-00+0100.wav', 'a b/ü=x.mp3', 'x/.hidden/..y']) {
    const k = analysisKey(p);
    assert.match(k, /^[-/_=.a-zA-Z0-9]+$/);
    assert.equal(pathOfAnalysisKey(k), p);
  }
});

test('compressed chunks carry their unit sizes; a bad unit list is refused', () => {
  const h = encodeAudioHeaders(mp3Meta);
  assert.equal(h[AudioHeaders.units], '417:1152,418:1152');
  assert.deepEqual(
    decodeAudioHeaders((n) => h[n]),
    mp3Meta,
  );
  assert.throws(
    () => decodeAudioHeaders((n) => (n === AudioHeaders.units ? '417:x' : h[n])),
    /Isr-Units has a bad unit "417:x"/,
  );
});
