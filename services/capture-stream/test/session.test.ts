import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AudioHeaders, encodeAudioHeaders } from '@isr/contract';
import { CaptureSession } from '../src/session.ts';
import type { Chunk } from '../src/chunker.ts';

const stream = { format: 'mp3', codec: 'mp3', sampleRate: 44100, channels: 2 } as const;
const chunk = (frames: number): Chunk => ({
  data: new Uint8Array(417 * (frames / 1152)),
  units: Array.from({ length: frames / 1152 }, () => ({ bytes: 417, samples: 1152 })),
  frames,
  stream,
});

test('a session counts offsets in samples from its anchor and leaves seq to the publisher', () => {
  const s = new CaptureSession(Date.parse('2026-11-24T10:00:00.000Z'), 'sess');
  const a = s.next('radio', chunk(11520));
  const b = s.next('radio', chunk(11520));
  assert.deepEqual([a.session, a.offset, b.offset, b.frames], ['sess', 0, 11520, 11520]);
  assert.equal('seq' in b, false, 'the seq is given when the chunk is first sent');
  const headers = encodeAudioHeaders({ ...b, seq: 2 });
  assert.equal(
    headers[AudioHeaders.time],
    new Date(Date.parse('2026-11-24T10:00:00.000Z') + (11520 * 1000) / 44100).toISOString(),
  );
  assert.equal(headers[AudioHeaders.units], Array.from({ length: 10 }, () => '417:1152').join(','));
});

test('a follow-on session (format change, Ogg chain) starts where the previous audio ended', () => {
  const s = new CaptureSession(1_000_000, 'a');
  s.next('radio', chunk(1152 * 100));
  const t = s.successor();
  assert.notEqual(t.id, s.id);
  assert.equal(t.startMs, 1_000_000 + (115200 * 1000) / 44100);
  assert.equal(t.hasAudio, false);
  assert.ok(!s.accepts({ ...stream, sampleRate: 48000 }));
  assert.ok(s.accepts(stream));
});
