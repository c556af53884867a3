// The manifest writer on real files: the chain across days, a torn last line cut off, an entry never appended
// twice (a replay from the journal after a crash), a late entry kept in the chain's newest day.
import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, readdirSync, readFileSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { tempDir } from '@isr/testkit';
import {
  lineHash,
  MANIFEST_FILE,
  manifestGenesis,
  ManifestWriter,
  parseEntry,
  type ManifestBody,
} from '../src/manifest.ts';

const closed = (path: string, sha: string): ManifestBody => ({
  op: 'closed',
  path,
  start: 's',
  end: 'e',
  frames: 1,
  durationSeconds: 1,
  bytes: 10,
  sha256: sha.repeat(64),
});

function lines(root: string, day: string): string[] {
  return readFileSync(join(root, 'src', day, MANIFEST_FILE), 'utf8')
    .trimEnd()
    .split('\n');
}

test("entries chain from the source's genesis across days; each prev is the hash of the line before", async () => {
  const tmp = await tempDir('isr-manifest-');
  try {
    const w = new ManifestWriter();
    await w.append({ root: tmp.path, source: 'src', day: '2026-11-30' }, closed('src/2026-11-30/a.wav', 'a'));
    await w.append({ root: tmp.path, source: 'src', day: '2026-11-30' }, closed('src/2026-11-30/b.wav', 'b'));
    await w.append({ root: tmp.path, source: 'src', day: '2026-12-01' }, closed('src/2026-12-01/c.wav', 'c'));
    const d1 = lines(tmp.path, '2026-11-30');
    const d2 = lines(tmp.path, '2026-12-01');
    assert.equal(parseEntry(d1[0]!)!.prev, manifestGenesis('src'));
    assert.equal(parseEntry(d1[1]!)!.prev, lineHash(d1[0]!));
    assert.equal(parseEntry(d2[0]!)!.prev, lineHash(d1[1]!), 'a new day follows the last line of the day before');
    assert.notEqual(manifestGenesis('src'), manifestGenesis('other'), 'each source has its own genesis');
    // A late entry (its file's day is behind the chain) goes to the newest day, so the chain stays one line.
    await w.append({ root: tmp.path, source: 'src', day: '2026-11-30' }, closed('src/2026-11-30/late.wav', 'd'));
    assert.equal(lines(tmp.path, '2026-11-30').length, 2);
    assert.equal(parseEntry(lines(tmp.path, '2026-12-01')[1]!)!.path, 'src/2026-11-30/late.wav');
  } finally {
    await tmp.remove();
  }
});

test('a torn last line is cut off before the next append; an entry already appended is not appended again', async () => {
  const tmp = await tempDir('isr-manifest-');
  try {
    const torn: string[] = [];
    const w = new ManifestWriter();
    w.onTorn = (_f, t) => torn.push(t);
    const t = { root: tmp.path, source: 'src', day: '2026-12-01' };
    await w.append(t, closed('src/2026-12-01/a.wav', 'a'));
    appendFileSync(join(tmp.path, 'src', '2026-12-01', MANIFEST_FILE), '{"prev":"12');
    await w.append(t, closed('src/2026-12-01/b.wav', 'b'));
    assert.deepEqual(torn, ['{"prev":"12']);
    let l = lines(tmp.path, '2026-12-01');
    assert.equal(l.length, 2);
    assert.equal(parseEntry(l[1]!)!.prev, lineHash(l[0]!));
    // The journal replays b after a crash, after retention appended a deletion: b is already there.
    await w.append(t, {
      op: 'deleted',
      path: 'src/2026-11-01/old.wav',
      reason: 'retention',
      bytes: 5,
      at: '2026-12-01T01:00:00.000Z',
    });
    await w.append(t, closed('src/2026-12-01/b.wav', 'b'));
    await w.append(t, {
      op: 'deleted',
      path: 'src/2026-11-01/old.wav',
      reason: 'retention',
      bytes: 5,
      at: '2026-12-01T01:00:00.000Z',
    });
    l = lines(tmp.path, '2026-12-01');
    assert.deepEqual(
      l.map((x) => parseEntry(x)!.path),
      ['src/2026-12-01/a.wav', 'src/2026-12-01/b.wav', 'src/2026-11-01/old.wav'],
    );
    // The same path closed again with other bytes (continued after a crash) is a new entry.
    await w.append(t, closed('src/2026-12-01/b.wav', 'e'));
    assert.equal(lines(tmp.path, '2026-12-01').length, 4);
  } finally {
    await tmp.remove();
  }
});

test('two writers appending to one source at once (two segmenters of a group: one writing, one running retention) keep one chain', async () => {
  const tmp = await tempDir('isr-manifest-');
  try {
    const a = new ManifestWriter();
    const b = new ManifestWriter();
    const t = { root: tmp.path, source: 'src', day: '2026-12-01' };
    await Promise.all([
      ...Array.from({ length: 40 }, (_, i) => a.append(t, closed(`src/2026-12-01/a${i}.wav`, 'a'))),
      ...Array.from({ length: 40 }, (_, i) =>
        b.append(t, { op: 'deleted', path: `src/2026-11-01/b${i}.wav`, reason: 'retention', bytes: 1, at: 'x' }),
      ),
    ]);
    const l = lines(tmp.path, '2026-12-01');
    assert.equal(l.length, 80, 'every entry once');
    let prev = manifestGenesis('src');
    for (const [i, line] of l.entries()) {
      assert.equal(parseEntry(line)!.prev, prev, `entry ${i + 1} follows entry ${i}`);
      prev = lineHash(line);
    }
    assert.deepEqual(readdirSync(join(tmp.path, 'src')), ['2026-12-01'], 'no lock left behind');
  } finally {
    await tmp.remove();
  }
});

test('a lock left by a process that died holding it is taken over once stale; a fresh one is waited for', async () => {
  const tmp = await tempDir('isr-manifest-');
  try {
    const w = new ManifestWriter();
    const t = { root: tmp.path, source: 'src', day: '2026-12-01' };
    mkdirSync(join(tmp.path, 'src'), { recursive: true });
    const lock = join(tmp.path, 'src', '.manifest.lock');
    writeFileSync(lock, '');
    const old = Date.now() / 1000 - 60;
    utimesSync(lock, old, old);
    await w.append(t, closed('src/2026-12-01/a.wav', 'a'));
    assert.equal(lines(tmp.path, '2026-12-01').length, 1, 'the stale lock did not stop the append');
    writeFileSync(lock, '');
    let done = false;
    const p = w.append(t, closed('src/2026-12-01/b.wav', 'b')).then(() => (done = true));
    await sleep(200);
    assert.equal(done, false, 'a fresh lock is waited for');
    unlinkSync(lock);
    await p;
    assert.equal(lines(tmp.path, '2026-12-01').length, 2);
  } finally {
    await tmp.remove();
  }
});
