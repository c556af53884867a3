import assert from 'node:assert/strict';
import { test } from 'node:test';
import { rewriteOggPage } from '@isr/audio';
import { headerPagesIn, safeStartIn } from '../src/ogg-seek.ts';

/** One Ogg page of `bodyBytes` bytes with the given flags and granule, and a valid CRC. */
function page(headerType: number, granule: bigint, bodyBytes: number, sequence: number): Uint8Array {
  const segs = Math.ceil(bodyBytes / 255) || 1;
  const p = new Uint8Array(27 + segs + bodyBytes);
  p.set([0x4f, 0x67, 0x67, 0x53]);
  p[5] = headerType;
  new DataView(p.buffer).setUint32(14, 7, true);
  p[26] = segs;
  for (let i = 0; i < segs; i++) p[27 + i] = Math.min(255, bodyBytes - i * 255);
  p.fill(0x4f, 27 + segs); // bodies full of 'O's: a capture pattern is never found by chance, only by CRC
  return rewriteOggPage(p, sequence, granule);
}

test('safeStartIn: the first page after a valid one that starts a packet, with the granule reached before it', () => {
  const pages = [page(0, 100n, 600, 5), page(1, -1n, 700, 6), page(1, 300n, 500, 7), page(0, 400n, 300, 8)];
  const buf = Buffer.concat([Buffer.from('OggS junk'), ...pages]);
  const p4 = buf.length - pages[3]!.length;
  assert.deepEqual(safeStartIn(buf), { pos: p4, prevEnd: 300n });
  // Read from inside the first page: the first whole page has no granule, the time is known after the third.
  assert.deepEqual(safeStartIn(buf.subarray(20)), { pos: p4 - 20, prevEnd: 300n });
  // A window that ends before such a page: nowhere to start.
  assert.equal(safeStartIn(buf.subarray(0, p4 + 10)), null);
});

test('headerPagesIn: the first page and the header pages after it, up to the first audio page', () => {
  const head = Buffer.concat([page(2, 0n, 19, 0), page(0, 0n, 40, 1), page(0, 960n, 100, 2)]);
  const h = headerPagesIn(head)!;
  assert.equal(h.pages.length, 2);
  assert.equal(h.end, head.length - page(0, 960n, 100, 2).length);
  assert.equal(headerPagesIn(head.subarray(0, 60)), null);
});
