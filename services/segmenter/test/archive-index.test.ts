import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ArchiveIndex, type ArchivedFile } from '../src/archive-index.ts';

const file = (source: string, endMs: number): ArchivedFile => ({
  rel: `${source}/${endMs}.wav`,
  source,
  bytes: 1,
  endMs,
});

test('archive index: oldest first per source and across sources, whatever the insertion order', () => {
  const ix = new ArchiveIndex();
  let seed = 11;
  const ends = Array.from({ length: 500 }, () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % 100_000));
  const unique = [...new Set(ends)];
  for (const [i, e] of unique.entries()) ix.add(file(i % 3 ? 'a' : 'b', e));
  const taken: number[] = [];
  for (let f = ix.oldest(); f; f = ix.oldest()) {
    taken.push(f.endMs);
    ix.take(f);
  }
  assert.deepEqual(
    taken,
    [...unique].sort((x, y) => x - y),
  );
  assert.equal(ix.size, 0);
});

test('archive index: a removed file and a re-added path (newer end) are not returned stale', () => {
  const ix = new ArchiveIndex();
  ix.add(file('a', 1));
  ix.add(file('a', 2));
  ix.add(file('a', 3));
  ix.remove('a/1.wav');
  assert.equal(ix.oldestOf('a')?.endMs, 2);
  ix.add({ ...file('a', 2), endMs: 10 }); // same path written again: judged by its new end
  assert.equal(ix.oldestOf('a')?.endMs, 3);
  ix.take(ix.oldestOf('a')!);
  assert.equal(ix.oldest()?.endMs, 10);
  assert.equal(ix.size, 1);
});
