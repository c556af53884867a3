import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { tempDir } from '@isr/testkit';
import { StreamContentError } from '../src/errors.ts';
import { SessionPipeline, type PipelineEvent } from '../src/pipeline.ts';
import { mpegFrameLength } from '../src/whole-unit.ts';
import { UnitTail } from '../src/overlap.ts';
import { chunkings, decodeCheck, FixtureSpecs, makeFixture, type FixtureName } from './fixtures.ts';

let dir: { path: string; remove(): Promise<void> };
const files = new Map<FixtureName, Uint8Array>();
before(async () => {
  dir = await tempDir('isr-cs-pipeline-');
  for (const name of Object.keys(FixtureSpecs) as FixtureName[]) files.set(name, makeFixture(dir.path, name));
});
after(async () => {
  await dir.remove();
});

function run(pieces: Uint8Array[], contentType: string, icyMetaInt?: number): PipelineEvent[] {
  const p = new SessionPipeline({ contentType, icyMetaInt, chunkMs: 250 });
  const out: PipelineEvent[] = [];
  for (const piece of pieces) out.push(...p.push(piece));
  out.push(...p.end());
  return out;
}

/** A comparable digest of events: chunk bytes hashed, units and formats verbatim. */
function digest(events: PipelineEvent[]): unknown[] {
  const h = (b: Uint8Array) => createHash('sha1').update(b).digest('hex');
  return events.map((e) =>
    e.type === 'chunk'
      ? { chunk: h(e.chunk.data), units: e.chunk.units, frames: e.chunk.frames, stream: e.chunk.stream }
      : e.type === 'init'
        ? { init: h(e.data), stream: e.stream }
        : e,
  );
}

const concat = (parts: Uint8Array[]) =>
  Buffer.concat(parts.map((p) => Buffer.from(p.buffer, p.byteOffset, p.byteLength)));

/** Byte offsets of the MP3 frames of a file, counted by hand (ffmpeg's file starts with an ID3 tag and a Xing/Info frame). */
const frameStarts = (mp3: Uint8Array) => {
  const starts: number[] = [];
  for (let at = mp3.indexOf(0xff); at < mp3.length;) {
    const len = mpegFrameLength(mp3.subarray(at));
    if (!len) {
      at++;
      continue;
    }
    starts.push(at);
    at += len;
  }
  return starts;
};

for (const name of Object.keys(FixtureSpecs) as FixtureName[]) {
  describe(`${name} fixture`, () => {
    test('gives the same chunks whole, in 1-byte, 997-byte and random pieces', () => {
      const spec = FixtureSpecs[name];
      const bytes = files.get(name)!;
      const [first, ...rest] = chunkings(bytes);
      const reference = run(first![1], spec.contentType);
      const chunks = reference.filter((e) => e.type === 'chunk');
      assert.ok(chunks.length >= 4, `${chunks.length} chunks`);
      for (const c of chunks) {
        assert.equal(c.chunk.stream.codec, spec.codec);
        assert.equal(c.chunk.stream.sampleRate, spec.rate);
        assert.equal(c.chunk.stream.channels, spec.channels);
        assert.equal(
          c.chunk.units.reduce((n, u) => n + u.bytes, 0),
          c.chunk.data.length,
          'units cover the chunk bytes',
        );
        assert.equal(
          c.chunk.units.reduce((n, u) => n + u.samples, 0),
          c.chunk.frames,
        );
        assert.ok(c.chunk.frames / spec.rate < 1.5, 'a chunk is at most one Ogg page long');
      }
      for (const [how, pieces] of rest)
        assert.deepEqual(digest(run(pieces, spec.contentType)), digest(reference), `${how} differs from whole`);
    });

    test('the codec init plus a later run of chunks decodes cleanly, and the sample count matches the units', () => {
      const spec = FixtureSpecs[name];
      const events = run([files.get(name)!], spec.contentType);
      const init = events.find((e) => e.type === 'init');
      const chunks = events.flatMap((e) => (e.type === 'chunk' ? [e.chunk] : []));
      if (name === 'mp3' || name === 'aac') assert.equal(init, undefined, 'MP3/AAC need no init');
      else assert.ok(init, 'Ogg/FLAC publish an init');
      const later = chunks.slice(2);
      const bytes = concat([...(init ? [init.data] : []), ...later.map((c) => c.data)]);
      const r = decodeCheck(dir.path, `later-${spec.file}`, bytes);
      assert.equal(r.errors, '', `ffmpeg complains about init + later chunks of ${name}`);
      const counted = later.reduce((n, c) => n + c.frames, 0);
      // One codec frame of slack: decoder delay/pre-skip at the start of a cut stream.
      const slack = spec.codec === 'flac' ? 4608 : spec.codec === 'vorbis' ? 2048 : 1152;
      assert.ok(Math.abs(r.samples - counted) <= slack, `decoded ${r.samples} samples, units say ${counted}`);
    });
  });
}

test('ICY metadata is stripped from the audio and reported at its sample position', () => {
  const mp3 = files.get('mp3')!;
  const metaInt = 8000;
  const block = (title: string) => {
    const text = Buffer.from(`StreamTitle='${title}';`);
    const len = Math.ceil(text.length / 16);
    const b = Buffer.alloc(1 + len * 16);
    b[0] = len;
    text.copy(b, 1);
    return b;
  };
  const parts: Buffer[] = [];
  for (let at = 0, i = 0; at < mp3.length; at += metaInt, i++) {
    parts.push(Buffer.from(mp3.subarray(at, at + metaInt)));
    if (at + metaInt < mp3.length) parts.push(i === 2 ? block('Song B') : i === 0 ? block('Song A') : Buffer.from([0]));
  }
  const icy = new Uint8Array(concat(parts));
  const plain = digest(run([mp3], 'audio/mpeg').filter((e) => e.type !== 'metadata'));
  for (const [how, pieces] of chunkings(icy)) {
    const events = run(pieces, 'audio/mpeg', metaInt);
    assert.deepEqual(
      digest(events.filter((e) => e.type !== 'metadata')),
      plain,
      `${how}: audio with ICY differs from plain audio`,
    );
    const meta = events.filter((e) => e.type === 'metadata');
    assert.deepEqual(
      meta.map((m) => m.title),
      ['Song A', 'Song B'],
      how,
    );
    // Song B sits after 3 × 8000 bytes ≈ 57 frames of 417/418 bytes = 65664 samples; the framer may hold one frame.
    const b = meta[1]!;
    assert.ok(
      b.type === 'metadata' && Math.abs(b.offset - 57 * 1152) <= 2 * 1152,
      `offset ${b.type === 'metadata' ? b.offset : ''}`,
    );
  }
});

test('FLAC metadata that does not start with STREAMINFO, or never ends, is refused with a clear error', () => {
  const noStreamInfo = Buffer.concat([
    Buffer.from('fLaC'),
    Buffer.from([0x84, 0, 0, 8]),
    Buffer.alloc(8),
    Buffer.alloc(2000),
  ]);
  for (const pieces of [[noStreamInfo], [...noStreamInfo].map((b) => Uint8Array.of(b))]) {
    assert.throws(
      () => run(pieces, 'audio/flac'),
      (e: unknown) =>
        e instanceof StreamContentError &&
        /FLAC stream: the first metadata block is not a 34-byte STREAMINFO/.test(e.message),
    );
  }
  const flac = files.get('flac')!;
  const endless = Buffer.concat([
    flac.subarray(0, 42).map((b, i) => (i === 4 ? b & 0x7f : b)),
    Buffer.from([0x01, 0x7f, 0xff, 0xff]),
    Buffer.alloc(1 << 20),
  ]);
  assert.throws(
    () => run([endless, Buffer.alloc(200_000)], 'audio/flac'),
    (e: unknown) => e instanceof StreamContentError && /FLAC metadata longer than/.test(e.message),
  );
});

test('a live MP3 joined mid-frame is confirmed and the partial frame is counted as skipped', () => {
  const mp3 = files.get('mp3')!.subarray(5000);
  const p = new SessionPipeline({ contentType: 'audio/mpeg', icyMetaInt: undefined });
  const events = [...p.push(mp3), ...p.end()];
  assert.ok(events.some((e) => e.type === 'chunk'));
  assert.ok(p.corruptBytes > 0 && p.corruptBytes < 420, `skipped ${p.corruptBytes}`);
});

describe('content that is not the audio it claims', () => {
  const isContent = (re: RegExp) => (e: unknown) =>
    e instanceof StreamContentError && e.code === 'ISR_STREAM_CONTENT' && re.test(e.message);
  const html = Buffer.from(
    '<!DOCTYPE html>\n<html><head><title>Not found</title></head><body>' + 'x'.repeat(2000) + '</body></html>',
  );
  test('an HTML page with Content-Type text/html', () => {
    assert.throws(
      () => run([html], 'text/html; charset=utf-8'),
      isContent(/Content-Type "text\/html; charset=utf-8" is not audio \(the server sent an HTML page\)/),
    );
  });
  test('an HTML page served as audio/mpeg', () => {
    assert.throws(() => run([html], 'audio/mpeg'), isContent(/bytes are an HTML\/XML page/));
  });
  test('random bytes served as audio/mpeg', () => {
    let s = 1;
    const noise = new Uint8Array(200_000).map(() => ((s = (s * 1103515245 + 12345) & 0x7fffffff) >> 16) & 0xff);
    assert.throws(
      () => {
        for (const [, pieces] of chunkings(noise).slice(2, 3)) run(pieces, 'audio/mpeg');
      },
      isContent(/no MP3 frames found in the first 65536 bytes/),
    );
  });
  test('Ogg bytes served as audio/mpeg', () => {
    assert.throws(() => run([files.get('opus')!], 'audio/mpeg'), isContent(/says MP3 but the bytes are Ogg/));
  });
  test('MP3 bytes served as audio/ogg', () => {
    assert.throws(
      () => run([files.get('mp3')!], 'audio/ogg'),
      isContent(/says Ogg but the bytes do not start with its magic/),
    );
  });
});

test('at the end of a connection the last frame is kept when whole and dropped when cut short', () => {
  const mp3 = files.get('mp3')!;
  const frames = (bytes: Uint8Array) =>
    run([bytes], 'audio/mpeg').reduce((n, e) => n + (e.type === 'chunk' ? e.chunk.units.length : 0), 0);
  const whole = frames(mp3);
  assert.equal(whole, frameStarts(mp3).length, 'every frame of the file, the last one included');
  assert.equal(frames(mp3.subarray(0, mp3.length - 100)), whole - 1, 'a truncated last frame is dropped');
});

test('a chained Ogg stream (a new BOS page mid-stream) gets a new codec init before its pages', () => {
  const chained = new Uint8Array(concat([files.get('opus')!, files.get('vorbis')!]));
  const events = run([chained], 'audio/ogg');
  const kinds = events
    .filter((e) => e.type === 'init' || e.type === 'chunk')
    .map((e) => (e.type === 'init' ? `init:${e.stream.codec}` : `chunk:${e.chunk.stream.codec}`));
  const firstVorbis = kinds.indexOf('chunk:vorbis');
  assert.equal(kinds[0], 'init:opus');
  assert.ok(firstVorbis > 0 && kinds[firstVorbis - 1] === 'init:vorbis', kinds.join(' '));
  assert.equal(kinds.filter((k) => k.startsWith('init')).length, 2);
  const vorbisInit = events.find((e) => e.type === 'init' && e.stream.codec === 'vorbis');
  const vorbisChunks = events.flatMap((e) =>
    e.type === 'chunk' && e.chunk.stream.codec === 'vorbis' ? [e.chunk.data] : [],
  );
  assert.ok(vorbisInit?.type === 'init');
  assert.equal(decodeCheck(dir.path, 'chained-tail.ogg', concat([vorbisInit.data, ...vorbisChunks])).errors, '');
});

describe('a server replaying the end of the previous connection (burst on connect)', () => {
  const runWithTail = (pieces: Uint8Array[], tail: UnitTail) => {
    const p = new SessionPipeline({ contentType: 'audio/mpeg', icyMetaInt: undefined, tail });
    return [...pieces.flatMap((b) => [...p.push(b)]), ...p.end()];
  };
  const chunkBytes = (events: PipelineEvent[]) =>
    concat(events.flatMap((e) => (e.type === 'chunk' ? [e.chunk.data] : [])));

  test('the replayed frames are dropped, whatever the chunking, and the two connections join without a duplicate', () => {
    const mp3 = files.get('mp3')!;
    const starts = frameStarts(mp3);
    const firstEnd = starts[80]!; // connection 1 ends after frame 79
    const burstStart = starts[50]! + 100; // connection 2 starts mid-frame 50: 29 whole frames are a replay
    const whole = chunkBytes(run([mp3], 'audio/mpeg'));
    for (const [how, pieces] of chunkings(mp3.subarray(burstStart))) {
      const tail = new UnitTail();
      const first = runWithTail([mp3.subarray(0, firstEnd)], tail);
      const second = runWithTail(pieces, tail);
      const dropped = second.find((e) => e.type === 'replay-dropped');
      assert.deepEqual(dropped, { type: 'replay-dropped', units: 29, samples: 29 * 1152 }, how);
      assert.ok(
        concat([chunkBytes(first), chunkBytes(second)]).equals(whole),
        `${how}: connection 1 + 2 = the stream, once`,
      );
    }
  });

  test('new audio after a reconnect is kept whole', () => {
    const tail = new UnitTail();
    runWithTail([files.get('mp3')!], tail);
    const other = makeFixture(dir.path, 'mp3', 2, 660);
    const events = runWithTail([other], tail);
    assert.equal(
      events.find((e) => e.type === 'replay-dropped'),
      undefined,
    );
    assert.ok(chunkBytes(events).equals(chunkBytes(run([other], 'audio/mpeg'))));
  });

  test('a connection that ends while still matching keeps what it got', () => {
    const mp3 = files.get('mp3')!;
    const starts = frameStarts(mp3);
    const tail = new UnitTail();
    runWithTail([mp3], tail);
    const events = runWithTail([mp3.subarray(starts[50]!, starts[70]!)], tail);
    assert.equal(
      events.find((e) => e.type === 'replay-dropped'),
      undefined,
    );
    assert.equal(
      events.reduce((n, e) => n + (e.type === 'chunk' ? e.chunk.units.length : 0), 0),
      20,
    );
  });
});
