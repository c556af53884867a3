import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import {
  isOggHeaderPage,
  oggCrc,
  oggPageLength,
  OggPageError,
  rewriteAudioPage,
  splitOggPages,
  startOggFile,
} from '@isr/audio';

// 6 s Opus made by `ffmpeg -f lavfi -i sine=frequency=440:duration=6 -c:a libopus -page_duration 100000`.
const fixture = readFileSync(new URL('./fixtures/sine-100ms-pages.opus', import.meta.url));

test('pages of a real Ogg Opus file parse and their CRCs verify', () => {
  const pages = splitOggPages(fixture);
  assert.ok(pages.length > 50);
  assert.deepEqual(
    pages.map((p) => p.sequence),
    pages.map((_, i) => i),
  );
  for (const p of pages) {
    const copy = new Uint8Array(p.bytes);
    copy.fill(0, 22, 26);
    assert.equal(oggCrc(copy), new DataView(p.bytes.buffer, p.bytes.byteOffset).getUint32(22, true));
  }
  assert.equal(pages.filter(isOggHeaderPage).length, 2);
});

test('page length needs the whole page, whatever the chunking', () => {
  const first = oggPageLength(fixture);
  for (const cut of [1, 26, 27, 28, first - 1])
    assert.equal(oggPageLength(fixture.subarray(0, cut)), 0, `cut at ${cut}`);
  assert.equal(oggPageLength(fixture.subarray(0, first)), first);
  assert.throws(() => oggPageLength(Buffer.from('NotOgg at all, nope; just 27+ bytes')), OggPageError);
});

test('a file cut from the middle is renumbered after the headers, rebased to granule 0, with valid CRCs', () => {
  const pages = splitOggPages(fixture);
  const init = Buffer.concat(pages.slice(0, 2).map((p) => p.bytes));
  const cut = pages.slice(20, 30);
  const prevGranule = pages[19]!.granule;
  const firstSamples = Number(cut[0]!.granule - prevGranule);
  const state = startOggFile(init, cut[0]!.granule, firstSamples);
  const out = Buffer.concat([init, ...cut.map((p) => rewriteAudioPage(p.bytes, state))]);
  const again = splitOggPages(out); // splitOggPages re-checks the structure
  assert.deepEqual(
    again.map((p) => p.sequence),
    again.map((_, i) => i),
  );
  assert.equal(again[2]!.granule, BigInt(firstSamples));
  assert.equal(again.at(-1)!.granule, cut.at(-1)!.granule - prevGranule);
  for (const p of again) {
    const copy = new Uint8Array(p.bytes);
    copy.fill(0, 22, 26);
    assert.equal(
      oggCrc(copy),
      new DataView(p.bytes.buffer, p.bytes.byteOffset).getUint32(22, true),
      `CRC of page ${p.sequence}`,
    );
  }
  // Bodies unchanged.
  for (let i = 0; i < cut.length; i++) assert.deepEqual(again[i + 2]!.bytes.subarray(27), cut[i]!.bytes.subarray(27));
});

test('truncated input is an OggPageError', () => {
  assert.throws(() => splitOggPages(fixture.subarray(0, 100)), /truncated Ogg page/);
});
