import assert from 'node:assert/strict';
import { appendFile, mkdir, mkdtemp, realpath, rename, rm, symlink, unlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { WebError } from '../src/errors.ts';
import { RealPaths, resolveInRoot } from '../src/resolve-file.ts';

let tmp: string;
let root: string;
let outside: string;

before(async () => {
  tmp = await realpath(await mkdtemp(join(tmpdir(), 'isr-resolve-')));
  root = join(tmp, 'rec');
  outside = join(tmp, 'outside');
  await mkdir(join(root, 'src1/day'), { recursive: true });
  await mkdir(join(outside, 'day'), { recursive: true });
});
after(() => rm(tmp, { recursive: true, force: true }));

const statusOf = (p: Promise<unknown>) =>
  p.then(
    () => 200,
    (err: unknown) => (err instanceof WebError ? err.status : 0),
  );

test('a remembered real path is refused once a directory on it has become a symlink leading outside the root', async () => {
  await mkdir(join(root, 'src1/swap'), { recursive: true });
  await writeFile(join(root, 'src1/swap/a.wav'), 'inside');
  await writeFile(join(outside, 'day/a.wav'), 'SECRET');
  const paths = new RealPaths();
  assert.equal((await resolveInRoot(root, 'src1/swap/a.wav', paths)).stat.size, 'inside'.length);
  await rename(join(root, 'src1/swap'), join(root, 'src1/swap-old'));
  await symlink(join(outside, 'day'), join(root, 'src1/swap'));
  assert.equal(await statusOf(resolveInRoot(root, 'src1/swap/a.wav', paths)), 403);
});

test('a file replaced under the same name is served as the new file at once', async () => {
  const rel = 'src1/day/b.wav';
  await writeFile(join(root, rel), 'first');
  const paths = new RealPaths();
  const one = await resolveInRoot(root, rel, paths);
  await writeFile(join(root, 'src1/day/b.new'), 'second, longer');
  await rename(join(root, 'src1/day/b.new'), join(root, rel));
  const two = await resolveInRoot(root, rel, paths);
  assert.notEqual(two.stat.ino, one.stat.ino);
  assert.equal(two.stat.size, 'second, longer'.length);
  await unlink(join(root, rel));
  assert.equal(await statusOf(resolveInRoot(root, rel, paths)), 404);
});

test('a symlink inside the root is followed again once its remembered target is older than maxAgeMs', async () => {
  await writeFile(join(root, 'src1/day/t1.wav'), 'one');
  await writeFile(join(root, 'src1/day/t2.wav'), 'two!');
  await symlink('t1.wav', join(root, 'src1/day/link.wav'));
  const paths = new RealPaths({ maxAgeMs: 300 });
  assert.equal((await resolveInRoot(root, 'src1/day/link.wav', paths)).abs, join(root, 'src1/day/t1.wav'));
  await unlink(join(root, 'src1/day/link.wav'));
  await symlink('t2.wav', join(root, 'src1/day/link.wav'));
  // Remembered: the target is not looked up again within maxAgeMs (that is the saving), …
  assert.equal((await resolveInRoot(root, 'src1/day/link.wav', paths)).abs, join(root, 'src1/day/t1.wav'));
  // … and never longer; without a cache every call looks it up.
  await sleep(350);
  assert.equal((await resolveInRoot(root, 'src1/day/link.wav', paths)).abs, join(root, 'src1/day/t2.wav'));
  assert.equal((await resolveInRoot(root, 'src1/day/link.wav')).abs, join(root, 'src1/day/t2.wav'));
});

test('refuses a symlink leading outside and a directory with the cache as without it', async () => {
  await symlink(join(outside, 'day/a.wav'), join(root, 'src1/day/out.wav'));
  const paths = new RealPaths();
  for (const p of [paths, undefined]) {
    assert.equal(await statusOf(resolveInRoot(root, 'src1/day/out.wav', p)), 403);
    assert.equal(await statusOf(resolveInRoot(root, 'src1/day', p)), 404);
    assert.equal(await statusOf(resolveInRoot(root, 'src1/day/none.wav', p)), 404);
  }
});

test('an open file not modified for settledMs and checked within statMs is answered from that check; after statMs, or once closed, it is looked up again', async () => {
  const rel = 'src1/day/old.wav';
  await writeFile(join(root, rel), '12345');
  const old = new Date(Date.now() - 60_000);
  await utimes(join(root, rel), old, old);
  const open = new Set<string>();
  const paths = new RealPaths({ statMs: 300, isOpen: (abs) => open.has(abs) });
  const first = await resolveInRoot(root, rel, paths);
  await appendFile(join(root, rel), '678');
  await utimes(join(root, rel), old, old);
  // Not open: every request looks the file up.
  assert.equal((await resolveInRoot(root, rel, paths)).stat.size, 8);
  open.add(first.abs);
  await appendFile(join(root, rel), '9');
  // Open, settled and checked just now: no look-up (that is the saving) …
  assert.equal((await resolveInRoot(root, rel, paths)).stat.size, 8);
  // … and never longer than statMs.
  await sleep(350);
  assert.equal((await resolveInRoot(root, rel, paths)).stat.size, 9);
  await appendFile(join(root, rel), '0');
  open.delete(first.abs);
  assert.equal((await resolveInRoot(root, rel, paths)).stat.size, 10);
});

test('a file modified within settledMs (being recorded) is looked up on every request, open or not', async () => {
  const rel = 'src1/day/growing.wav';
  await writeFile(join(root, rel), '1');
  const paths = new RealPaths({ statMs: 60_000, isOpen: () => true });
  for (let n = 1; n <= 5; n++) {
    assert.equal((await resolveInRoot(root, rel, paths)).stat.size, n);
    await appendFile(join(root, rel), 'x');
  }
});
