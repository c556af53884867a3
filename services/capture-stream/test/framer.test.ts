import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { tempDir } from '@isr/testkit';
import type { StreamKind } from '../src/codec-detect.ts';
import { Framer, type FramerEvent } from '../src/framer.ts';
import { chunkings, makeFixture, type FixtureName } from './fixtures.ts';

let dir: { path: string; remove(): Promise<void> };
const files = new Map<FixtureName, Uint8Array>();
const KINDS: [FixtureName, StreamKind][] = [
  ['mp3', 'mpeg'],
  ['aac', 'aac'],
  ['flac', 'flac'],
  ['opus', 'ogg'],
];
before(async () => {
  dir = await tempDir('isr-cs-framer-');
  for (const [name] of KINDS) files.set(name, makeFixture(dir.path, name));
});
after(async () => {
  await dir.remove();
});

function frame(kind: StreamKind, pieces: Uint8Array[]): { events: FramerEvent[]; skipped: number } {
  const f = new Framer(kind);
  const events: FramerEvent[] = [];
  for (const p of pieces) events.push(...f.push(p));
  events.push(...f.end());
  return { events, skipped: f.corruptBytes };
}

const units = (events: FramerEvent[]) => events.flatMap((e) => (e.type === 'unit' ? [e.unit.data] : []));

/** Bytes before the end of the last unit handed out that are in no unit and no codec header: what was skipped. */
function notHandedOut(input: Buffer, events: FramerEvent[]): number {
  const out = events.map((e) => (e.type === 'unit' ? e.unit.data : e.data));
  const last = out.at(-1)!;
  return input.lastIndexOf(last) + last.length - out.reduce((n, b) => n + b.length, 0);
}

test('bytes skipped are counted exactly — junk before a unit (and the unit before it, which no longer verifies), a stream joined mid-unit — whatever the chunking', () => {
  for (const [name, kind] of KINDS) {
    const file = Buffer.from(files.get(name)!);
    const clean = frame(kind, [file]);
    const all = units(clean.events);
    const at = file.indexOf(all[Math.min(20, all.length >> 1)]!);
    assert.ok(at > 0, `${name}: a unit in the middle found in the file`);
    // Zero bytes: no MPEG/ADTS/FLAC sync (0xFF…) and no OggS in them.
    const withJunk = Buffer.concat([file.subarray(0, at), Buffer.alloc(123), file.subarray(at)]);
    const expected = notHandedOut(withJunk, frame(kind, [withJunk]).events);
    // A FLAC frame carries no length: codec-parser ends it at the next sync, so the junk stays in the frame before.
    if (kind !== 'flac')
      assert.ok(expected >= clean.skipped + 123, `${name}: ${expected} skipped, ${clean.skipped} without the junk`);
    for (const [how, pieces] of chunkings(withJunk)) {
      const r = frame(kind, pieces);
      assert.equal(r.skipped, notHandedOut(withJunk, r.events), `${name} ${how}`);
      assert.equal(r.skipped, expected, `${name} ${how}: the same whatever the chunking`);
    }
  }
  // A live MP3 joined inside a frame: exactly the bytes before the next frame are skipped.
  const joined = Buffer.from(files.get('mp3')!).subarray(5000);
  const first = units(frame('mpeg', [joined]).events)[0]!;
  for (const [how, pieces] of chunkings(joined))
    assert.equal(frame('mpeg', pieces).skipped, joined.indexOf(first), how);
});
