import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readdirSync, readlinkSync } from 'node:fs';
import { rename, stat, unlink, writeFile, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout } from 'node:timers/promises';
import { tempDir } from '@isr/testkit';
import { WebError } from '../src/errors.ts';
import { HandleCache } from '../src/handle-cache.ts';
import { harness, write } from './harness.ts';

test('reuses a handle per file version, reopens a replaced file, closes evicted handles after their reads', async () => {
  const dir = await tempDir('isr-web-hc-');
  try {
    const p = join(dir.path, 'a.wav');
    await writeFile(p, 'first');
    const cache = new HandleCache({ max: 2 });
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
      await setTimeout(20);
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

/** The links in /proc/self/fd that name `abs`, as the kernel shows them (with " (deleted)" once unlinked). */
function fdLinksTo(abs: string): string[] {
  const out: string[] = [];
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      const target = readlinkSync(`/proc/self/fd/${fd}`);
      if (target.startsWith(abs)) out.push(target);
    } catch {
      // closed meanwhile
    }
  }
  return out;
}

test('a handle idle for idleMs is closed, so a file deleted outside ISR after being served frees its space', async () => {
  const rel = 'a/2026-11-24/2026-11-24_10-00-00+0000.mp3';
  const h = await harness({
    fill: async (root) => void (await write(root, rel, randomBytes(100_000))),
    handles: new HandleCache({ idleMs: 300 }),
  });
  try {
    await h.listen();
    const abs = join(h.root, rel);
    const res = await fetch(`${h.url}/stream/${rel}`, { headers: { range: 'bytes=0-999' } });
    assert.equal(res.status, 206);
    await res.arrayBuffer();
    await unlink(abs);
    assert.deepEqual(fdLinksTo(abs), [`${abs} (deleted)`], 'the served file is held open after its deletion');
    await setTimeout(150);
    assert.equal(fdLinksTo(abs).length, 1, 'not before the idle time');
    let links = fdLinksTo(abs);
    for (let i = 0; i < 50 && links.length > 0; i++) {
      await setTimeout(20);
      links = fdLinksTo(abs);
    }
    assert.deepEqual(links, [], 'closed after the idle time');
  } finally {
    await h.close();
  }
});

test('a body over 1 MiB is read through the cached handle, which a finished or aborted download gives back (closed after idleMs)', async () => {
  const rel = 'a/2026-11-24/2026-11-24_11-00-00+0000.mp3';
  const data = randomBytes(8 * 1024 * 1024);
  const h = await harness({
    fill: async (root) => void (await write(root, rel, data)),
    handles: new HandleCache({ idleMs: 300 }),
  });
  try {
    await h.listen();
    const abs = join(h.root, rel);
    const whole = await fetch(`${h.url}/stream/${rel}`);
    assert.ok(Buffer.from(await whole.arrayBuffer()).equals(data));
    assert.equal(fdLinksTo(abs).length, 1, 'the download used the cached handle');
    const ac = new AbortController();
    const res = await fetch(`${h.url}/download/${rel}`, { signal: ac.signal });
    const reader = res.body!.getReader();
    await reader.read();
    ac.abort();
    await reader.read().catch(() => {});
    // The aborted download left the shared handle open and working for everyone else.
    const after = await fetch(`${h.url}/stream/${rel}`, { headers: { range: 'bytes=1000-1999' } });
    assert.equal(after.status, 206);
    assert.ok(Buffer.from(await after.arrayBuffer()).equals(data.subarray(1000, 2000)));
    assert.equal(fdLinksTo(abs).length, 1, 'one handle for all three');
    let links = fdLinksTo(abs);
    for (let i = 0; i < 100 && links.length > 0; i++) {
      await setTimeout(20);
      links = fdLinksTo(abs);
    }
    assert.deepEqual(links, [], 'closed after the idle time: the aborted download gave it back');
  } finally {
    await h.close();
  }
});

test('a handle in use is not closed for idleness; used again, it stays open', async () => {
  const dir = await tempDir('isr-web-hc-');
  try {
    const p = join(dir.path, 'a.wav');
    await writeFile(p, 'x'.repeat(100));
    const ino = (await stat(p)).ino;
    const cache = new HandleCache({ idleMs: 100 });
    await cache.with(p, ino, async (fh) => {
      await setTimeout(300);
      assert.equal((await fh.stat()).size, 100, 'still open after three idle times of use');
    });
    for (let i = 0; i < 4; i++) {
      await setTimeout(60);
      await cache.with(p, ino, async () => {});
    }
    assert.equal(fdLinksTo(p).length, 1, 'kept open while used more often than idleMs');
    await setTimeout(400);
    assert.equal(fdLinksTo(p).length, 0);
    await cache.close();
  } finally {
    await dir.remove();
  }
});

test('isOpen: only a handle open for that inode and not evicted', async () => {
  const dir = await tempDir('isr-web-hc-open-');
  try {
    const p = join(dir.path, 'a.wav');
    await writeFile(p, 'a');
    const ino = (await stat(p)).ino;
    const cache = new HandleCache();
    assert.equal(cache.isOpen(p, ino), false);
    await cache.with(p, ino, async () => {});
    assert.equal(cache.isOpen(p, ino), true);
    assert.equal(cache.isOpen(p, ino + 1), false);
    cache.evict(p);
    assert.equal(cache.isOpen(p, ino), false);
    await cache.close();
  } finally {
    await dir.remove();
  }
});

test('a name opened for an inode it no longer names is refused (404), not read', async () => {
  const dir = await tempDir('isr-web-hc-ino-');
  try {
    const p = join(dir.path, 'a.wav');
    await writeFile(p, 'first');
    const ino = (await stat(p)).ino;
    await writeFile(join(dir.path, 'b.wav'), 'other');
    await rename(join(dir.path, 'b.wav'), p);
    const cache = new HandleCache();
    await assert.rejects(
      cache.with(p, ino, async (fh) => (await fh.readFile()).toString()),
      (err: unknown) => err instanceof WebError && err.status === 404,
    );
    assert.equal(cache.isOpen(p, ino), false);
    assert.equal(fdLinksTo(p).length, 0, 'the handle opened to check it is closed');
    await cache.close();
  } finally {
    await dir.remove();
  }
});
