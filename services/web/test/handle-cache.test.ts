import assert from 'node:assert/strict';
import { rename, stat, writeFile, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { tempDir } from '@isr/testkit';
import { HandleCache } from '../src/handle-cache.ts';

test('reuses a handle per file version, reopens a replaced file, closes evicted handles after their reads', async () => {
  const dir = await tempDir('isr-web-hc-');
  try {
    const p = join(dir.path, 'a.wav');
    await writeFile(p, 'first');
    const cache = new HandleCache(2);
    const read = (ino: number) => cache.with(p, ino, async (fh) => (await fh.readFile()).toString());
    const ino1 = (await stat(p)).ino;
    let seen: unknown;
    await cache.with(p, ino1, async (fh) => (seen = fh));
    await cache.with(p, ino1, async (fh) => assert.equal(fh, seen, 'same handle'));
    await writeFile(join(dir.path, 'b.wav'), 'second');
    await rename(join(dir.path, 'b.wav'), p);
    assert.equal(await read((await stat(p)).ino), 'second');
    // Evicted while a read is in flight: the read still completes, then the handle is closed.
    const ino2 = (await stat(p)).ino;
    let evicted: FileHandle | undefined;
    const slow = cache.with(p, ino2, async (fh) => {
      evicted = fh;
      cache.evict(p);
      await new Promise((r) => setTimeout(r, 20));
      return (await fh.read(Buffer.alloc(6), 0, 6, 0)).bytesRead;
    });
    assert.equal(await slow, 6);
    await assert.rejects(evicted!.stat(), 'the evicted handle is closed once its read is done');
    for (const n of ['c', 'd', 'e']) {
      const q = join(dir.path, `${n}.wav`);
      await writeFile(q, n);
      assert.equal(await cache.with(q, (await stat(q)).ino, async (fh) => (await fh.readFile()).toString()), n);
    }
    await cache.close();
  } finally {
    await dir.remove();
  }
});
