import assert from 'node:assert/strict';
import type { AnalysisRecord } from '@isr/contract';
import { test } from 'node:test';
import { sectionsOf, summaryOf, waveformOf } from '../src/analysis-view.ts';
import { authorized, deleteEnabled } from '../src/auth.ts';
import { attachmentName, contentTypeOf } from '../src/content-type.ts';
import { FileIndex, type Recording } from '../src/file-index.ts';
import { isoWithOffset, timeFromFileName } from '../src/file-name-time.ts';
import { estimateStorage } from '../src/storage-estimate.ts';
import { wavDataExtent, wavHeaderForSize } from '@isr/audio';
import { buildWavHeader, flacStreamInfoOf, wavLayoutOf } from '../src/wav-header.ts';

const rec = (path: string, startMs: number, extra: Partial<Recording> = {}): Recording => ({
  path,
  source: path.split('/')[0]!,
  start: new Date(startMs).toISOString(),
  startMs,
  durationSeconds: 60,
  bytes: 1000,
  codec: 'pcm_s16le',
  container: 'wav',
  sampleRate: 48000,
  channels: 2,
  recording: false,
  gaps: 0,
  keep: false,
  analysis: null,
  ...extra,
});

test('file index: newest first, filters by source and time overlap, paginates', () => {
  const ix = new FileIndex();
  const t0 = Date.parse('2026-11-24T00:00:00Z');
  for (let i = 0; i < 10; i++) ix.upsert(rec(`${i % 2 ? 'b' : 'a'}/f${i}.wav`, t0 + i * 60_000));
  const all = ix.query({ offset: 0, limit: 3 }, t0);
  assert.equal(all.total, 10);
  assert.deepEqual(
    all.files.map((f) => f.path),
    ['b/f9.wav', 'a/f8.wav', 'b/f7.wav'],
  );
  assert.deepEqual(
    ix.query({ source: 'a', offset: 1, limit: 2 }, t0).files.map((f) => f.path),
    ['a/f6.wav', 'a/f4.wav'],
  );
  // [t0+150 s, t0+300 s) overlaps files starting at 120 s (ends 180 s) … 240 s.
  assert.deepEqual(
    ix.query({ fromMs: t0 + 150_000, toMs: t0 + 300_000, offset: 0, limit: 10 }, t0).files.map((f) => f.path),
    ['a/f4.wav', 'b/f3.wav', 'a/f2.wav'],
  );
  ix.upsert({ path: 'a/f8.wav', durationSeconds: null, recording: true });
  assert.equal(ix.get('a/f8.wav')!.recording, true);
  assert.ok(ix.remove('a/f8.wav'));
  assert.equal(ix.query({ offset: 0, limit: 100 }, t0).total, 9);
  assert.deepEqual(ix.sources(), ['a', 'b']);
  ix.upsert(rec('c/g.wav', t0));
  assert.deepEqual(ix.sources(), ['a', 'b', 'c']);
  ix.remove('c/g.wav');
  assert.deepEqual(ix.sources(), ['a', 'b']);
});

test('file name times keep their UTC offset', () => {
  assert.deepEqual(timeFromFileName('2026-11-24_05-00-00+0100.wav'), {
    ms: Date.parse('2026-11-24T04:00:00Z'),
    iso: '2026-11-24T05:00:00.000+01:00',
  });
  assert.equal(timeFromFileName('2026-03-29_02-30-00Z.wav')!.iso, '2026-03-29T02:30:00.000+00:00');
  assert.equal(timeFromFileName('recording.wav'), null);
  assert.equal(isoWithOffset(Date.parse('2026-11-24T04:00:00Z'), 60), '2026-11-24T05:00:00.000+01:00');
});

test('WAV header: build, read back, frames on disk, patch a growing file; what is no WAV or FLAC reads as null', () => {
  const h = buildWavHeader({ sampleRate: 48000, channels: 2, bitsPerSample: 16, frames: 0 });
  const info = wavLayoutOf(h)!;
  assert.deepEqual(
    {
      sampleRate: info.sampleRate,
      channels: info.channels,
      bitsPerSample: info.bitsPerSample,
      blockAlign: info.blockAlign,
      dataOffset: info.dataOffset,
      dataBytes: info.dataBytes,
    },
    { sampleRate: 48000, channels: 2, bitsPerSample: 16, blockAlign: 4, dataOffset: 44, dataBytes: 0 },
  );
  assert.equal(wavDataExtent(info, 44 + 4002).frames, 1000);
  const p = wavHeaderForSize(h, info, 44 + 4002);
  assert.equal(p.readUInt32LE(40), 4000);
  assert.equal(p.readUInt32LE(4), 36 + 4000);
  assert.equal(wavLayoutOf(Buffer.from('not a wav file at all')), null);
  assert.equal(wavLayoutOf(h.subarray(0, 30)), null, 'ends before the data chunk');
  assert.equal(flacStreamInfoOf(h), null);
});

test('auth: token and basic credentials; nothing configured disables delete', () => {
  assert.equal(deleteEnabled({}), false);
  assert.equal(authorized('Bearer x', {}), false);
  assert.equal(authorized('Bearer s3cret', { token: 's3cret' }), true);
  assert.equal(authorized('Bearer s3cre', { token: 's3cret' }), false);
  const basic = `Basic ${Buffer.from('ann:pw:with:colons').toString('base64')}`;
  assert.equal(authorized(basic, { user: 'ann', password: 'pw:with:colons' }), true);
  assert.equal(authorized(basic, { user: 'ann', password: 'pw' }), false);
  assert.equal(authorized('Basic !!!', { user: 'ann', password: 'pw' }), false);
});

test('analysis view: sections in seconds or ISO, waveform v2, summary', () => {
  const start = Date.parse('2026-11-24T12:00:00Z');
  const a = {
    path: 'a/x.wav',
    source: 'a',
    analyzedAt: '',
    rmsDbfs: -20,
    peakDbfs: -1,
    loudSections: [
      { start: 5, end: 9 },
      { start: '2026-11-24T12:00:01Z', duration: 2 },
    ],
    waveform: {
      version: 2,
      channels: 1,
      sample_rate: 48000,
      samples_per_pixel: 480,
      bits: 8,
      length: 2,
      data: [-10, 10, -5, 5],
    },
  } as unknown as AnalysisRecord;
  assert.deepEqual(sectionsOf(a, start), [
    { start: 1, end: 3 },
    { start: 5, end: 9 },
  ]);
  assert.equal(waveformOf(a)!.length, 2);
  assert.deepEqual(summaryOf(a), { rmsDbfs: -20, peakDbfs: -1, lufs: null, loudSections: 2, error: null });
  assert.equal(waveformOf({ path: '', source: '', analyzedAt: '' }), null);
});

test('content types, sane attachment names, storage estimate, seed flags', () => {
  assert.equal(contentTypeOf('a/b.mp3'), 'audio/mpeg');
  assert.equal(contentTypeOf('a/b.OGG'), 'audio/ogg');
  assert.equal(attachmentName('a/"evil"\r\nname;.wav'), '_evil___name_.wav');
  const now = Date.parse('2026-11-24T12:00:00Z');
  const s = estimateStorage(
    [rec('a/x.wav', now - 43_200_000, { bytes: 500 }), rec('b/y.wav', now - 3_600_000, { bytes: 500 })],
    { totalBytes: 10_000, freeBytes: 4000 },
    now,
  );
  assert.equal(s.bytesPerDay, 2000);
  assert.equal(s.daysLeft, 2);
  assert.deepEqual(s.sources.a, { bytes: 500, files: 1 });
});

test('recording flag: segment events decide, a newer isr_status corrects them, a lagging one never re-opens a closed file', async () => {
  const { StatusBoard } = await import('../src/status-board.ts');
  const b = new StatusBoard();
  const t = Date.parse('2026-11-24T12:00:00Z');
  const f = { source: 's', path: 's/a.wav', startMs: t, recording: true, durationSeconds: null };
  assert.equal(b.isRecording(f), true); // no status yet: the opened event says so
  const status = (file: string, updatedMs: number) =>
    b.setStatus({
      source: 's',
      recorder: {
        state: 'recording',
        file,
        bytes: 0,
        frames: 0,
        since: null,
        lastChunk: null,
        message: null,
        updated: new Date(updatedMs).toISOString(),
      },
    });
  status('s/old.wav', t - 1000);
  assert.equal(b.isRecording(f), true); // status older than the file: no verdict
  status('s/b.wav', t + 60_000);
  assert.equal(b.isRecording(f), false); // the recorder moved on: a file a crash left "open"
  status('s/a.wav', t + 1000);
  assert.equal(b.isRecording({ ...f, recording: false, durationSeconds: 3 }), true); // found by the scan while written
  b.markClosed('s/a.wav');
  assert.equal(b.isRecording({ ...f, recording: false, durationSeconds: 3 }), false); // closed event beats a lagging status
  assert.deepEqual(b.snapshot().active, [{ source: 's', file: 's/a.wav', since: null, bytes: 0 }]);
});

test('a held recorder (disk_full) shows in /api/status: its state wins over a recording capture, and its open file stays active', async () => {
  const { StatusBoard } = await import('../src/status-board.ts');
  const b = new StatusBoard();
  const t = Date.parse('2026-11-24T12:00:00Z');
  const updated = new Date(t + 60_000).toISOString();
  b.setStatus({
    source: 's',
    capture: {
      service: 'capture-alsa',
      state: 'recording',
      message: null,
      session: 'x',
      since: null,
      lastChunk: null,
      format: 'pcm',
      codec: 'pcm_s16le',
      sampleRate: 48000,
      channels: 2,
      updated,
    },
    recorder: {
      state: 'disk_full',
      file: 's/a.wav',
      bytes: 10,
      frames: 2,
      since: null,
      lastChunk: null,
      message: 'ENOSPC: no space left on device, write',
      updated,
    },
  });
  const v = b.view('s');
  assert.equal(v.state, 'disk_full');
  assert.match(v.message ?? '', /ENOSPC/);
  assert.equal(
    b.isRecording({ source: 's', path: 's/a.wav', startMs: t, recording: true, durationSeconds: null }),
    true,
    'the held file is still the open one',
  );
  assert.deepEqual(b.snapshot().active, [{ source: 's', file: 's/a.wav', since: null, bytes: 10 }]);
});

test('/api/status never shows a stream URL credential, even in a status written by an older capture', async () => {
  const { StatusBoard } = await import('../src/status-board.ts');
  const b = new StatusBoard();
  const updated = new Date().toISOString();
  b.setStatus({
    source: 's',
    capture: {
      service: 'capture-stream',
      state: 'reconnecting',
      message: 'connect http://dj:hunter2@10.9.9.9:8000/live?token=abc123 failed: ETIMEDOUT',
      session: 'x',
      since: null,
      lastChunk: null,
      format: 'mp3',
      codec: 'mp3',
      sampleRate: 44100,
      channels: 2,
      updated,
    },
  });
  const text = JSON.stringify(b.snapshot());
  assert.doesNotMatch(text, /hunter2|abc123|dj:/);
  assert.match(b.view('s').message ?? '', /10\.9\.9\.9:8000\/live\?token=\*\*\*/);
});
