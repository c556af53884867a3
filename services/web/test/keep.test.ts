// The keep mark (legal hold): set and lifted through /api/keep/<path> with the DELETE credentials, stored as
// `<recording>.keep` beside the file, found by the start-up scan, shown in /api/files, and honoured by DELETE.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { KEEP_MARK_SUFFIX, type KeepMark } from '@isr/contract';
import { buildWavHeader } from '../src/wav-header.ts';
import { harness, write, type Harness } from './harness.ts';

const wav = () =>
  Buffer.concat([
    buildWavHeader({ sampleRate: 8000, channels: 1, bitsPerSample: 16, frames: 8000 }),
    Buffer.alloc(16000),
  ]);
const A = 'a/2026-11-24/2026-11-24_10-00-00+0100.wav';
const B = 'a/2026-11-24/2026-11-24_11-00-00+0100.wav';
const HELD = 'a/2026-11-24/2026-11-24_09-00-00+0100.wav';
const auth = { authorization: 'Basic ' + Buffer.from('archivist:pw').toString('base64') };

let h: Harness;
let locked: Harness;
before(async () => {
  const fill = async (root: string) => {
    for (const f of [A, B, HELD]) await write(root, f, wav());
    await write(
      root,
      HELD + KEEP_MARK_SUFFIX,
      JSON.stringify({ path: HELD, since: '2026-11-24T12:00:00.000Z', by: 'legal' }),
    );
  };
  h = await harness({ fill, credentials: { user: 'archivist', password: 'pw' } });
  locked = await harness({ fill });
});
after(async () => {
  await h.close();
  await locked.close();
});

const keepOf = async (path: string) =>
  ((await h.app.inject('/api/files')).json() as { files: { path: string; keep: boolean }[] }).files.find(
    (f) => f.path === path,
  )?.keep;

test('the start-up scan finds keep marks; /api/files lists keep per recording', async () => {
  assert.equal(await keepOf(HELD), true);
  assert.equal(await keepOf(A), false);
});

test('PUT /api/keep/<path> marks a recording with the DELETE credentials; DELETE refuses it until DELETE /api/keep lifts the mark', async () => {
  assert.equal(
    (await locked.app.inject({ method: 'PUT', url: `/api/keep/${A}` })).statusCode,
    403,
    'no credentials configured: disabled',
  );
  const noAuth = await h.app.inject({ method: 'PUT', url: `/api/keep/${A}` });
  assert.equal(noAuth.statusCode, 401);
  assert.match(String(noAuth.headers['www-authenticate']), /^Basic/);

  const put = await h.app.inject({ method: 'PUT', url: `/api/keep/${A}`, headers: auth });
  assert.equal(put.statusCode, 200);
  assert.deepEqual({ ...(put.json() as object), since: '' }, { path: A, keep: true, since: '', by: 'archivist' });
  const mark = JSON.parse(readFileSync(join(h.root, A + KEEP_MARK_SUFFIX), 'utf8')) as KeepMark;
  assert.equal(mark.path, A);
  assert.equal(mark.by, 'archivist');
  assert.equal(await keepOf(A), true);

  const refused = await h.app.inject({ method: 'DELETE', url: `/api/files/${A}`, headers: auth });
  assert.equal(refused.statusCode, 409);
  assert.equal((refused.json() as { code: string }).code, 'ISR_WEB_FILE_KEPT');
  assert.ok(existsSync(join(h.root, A)));

  const lift = await h.app.inject({ method: 'DELETE', url: `/api/keep/${A}`, headers: auth });
  assert.equal(lift.statusCode, 200);
  assert.ok(!existsSync(join(h.root, A + KEEP_MARK_SUFFIX)));
  assert.equal(await keepOf(A), false);
  assert.equal((await h.app.inject({ method: 'DELETE', url: `/api/files/${A}`, headers: auth })).statusCode, 200);
});

test('keep marks only recordings: not a sidecar, not a missing file, not outside the root', async () => {
  for (const url of [
    `/api/keep/${HELD}${KEEP_MARK_SUFFIX}`,
    '/api/keep/a/2026-11-24/none.wav',
    '/api/keep/..%2F..%2Fetc%2Fpasswd',
  ]) {
    const r = await h.app.inject({ method: 'PUT', url, headers: auth });
    assert.ok(r.statusCode === 404 || r.statusCode === 403 || r.statusCode === 400, `${url}: ${r.statusCode}`);
  }
});

test('a DELETE racing retention (the file already deleted by the segmenter) answers 404, not an error', async () => {
  await unlink(join(h.root, B)); // retention got there first; the index still lists it
  const r = await h.app.inject({ method: 'DELETE', url: `/api/files/${B}`, headers: auth });
  assert.equal(r.statusCode, 404);
  assert.equal((r.json() as { code: string }).code, 'ISR_WEB_NOT_FOUND');
});

test('on a read-only recordings directory the mark is refused in words (403 ISR_WEB_READ_ONLY), not a 500', async (t) => {
  const dir = join(h.root, 'ro');
  mkdirSync(dir);
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', dir], { stdio: 'pipe' });
  } catch (err) {
    t.skip(`cannot mount a tmpfs here (needs root): ${String((err as { stderr?: Buffer }).stderr ?? err).trim()}`);
    return;
  }
  try {
    await write(h.root, 'ro/2026-11-24/x.wav', wav());
    execFileSync('mount', ['-o', 'remount,ro', dir]);
    const r = await h.app.inject({ method: 'PUT', url: '/api/keep/ro/2026-11-24/x.wav', headers: auth });
    assert.equal(r.statusCode, 403);
    assert.equal((r.json() as { code: string }).code, 'ISR_WEB_READ_ONLY');
  } finally {
    execFileSync('umount', [dir]);
  }
});
