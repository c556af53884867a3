// The DELETE credentials: one digest comparison of the whole credential, and a per-client failure limit.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { authorized, credentialDigest } from '../src/auth.ts';
import { FailureLimiter } from '../src/failure-limit.ts';
import { buildWavHeader } from '../src/wav-header.ts';
import { harness, write, type Harness } from './harness.ts';

const basic = (s: string) => `Basic ${Buffer.from(s).toString('base64')}`;
const REC = 'a/2026-11-24/2026-11-24_10-00-00+0100.wav';

test('the whole credential is compared as one fixed-length digest: user and password together, any length', () => {
  const c = { user: 'ann', password: 'pw', token: 'tok' };
  for (const s of ['', 'x', 'ann:pw', 'a'.repeat(10_000)]) assert.equal(credentialDigest('basic', s).length, 32);
  assert.notDeepEqual(
    credentialDigest('basic', 'tok'),
    credentialDigest('bearer', 'tok'),
    'a token is not a Basic credential',
  );
  assert.equal(authorized(basic('ann:pw'), c), true);
  assert.equal(authorized('Bearer tok', c), true);
  for (const wrong of [
    basic('ann:px'),
    basic('anx:pw'),
    basic('ann:'),
    basic(':pw'),
    basic('ann:pw2'),
    basic('ann'),
    basic('tok'),
    'Bearer ann:pw',
    'Bearer to',
    'Bearer tokk',
    'Basic tok',
    'Digest tok',
  ])
    assert.equal(authorized(wrong, c), false, wrong);
});

test('failure limiter: a fixed window per client, a Retry-After for the rest of it, others unaffected, bounded memory', () => {
  let now = 1_000_000;
  const l = new FailureLimiter({ max: 3, windowMs: 60_000, now: () => now, maxClients: 4 });
  for (let i = 0; i < 3; i++) {
    assert.equal(l.retryAfterSeconds('1.2.3.4'), 0);
    l.fail('1.2.3.4');
  }
  assert.equal(l.retryAfterSeconds('1.2.3.4'), 60);
  now += 30_500;
  assert.equal(l.retryAfterSeconds('1.2.3.4'), 30);
  assert.equal(l.retryAfterSeconds('5.6.7.8'), 0);
  now += 30_000;
  assert.equal(l.retryAfterSeconds('1.2.3.4'), 0, 'the window is over');
  for (let i = 0; i < 100; i++) l.fail(`10.0.0.${i}`);
  assert.ok(l.size <= 4);
});

let h: Harness;
before(async () => {
  h = await harness({
    fill: async (root) =>
      void (await write(root, REC, buildWavHeader({ sampleRate: 8000, channels: 1, bitsPerSample: 16, frames: 0 }))),
    credentials: { user: 'ann', password: 'pw' },
    deleteMaxFailures: 3,
  });
  await h.listen();
});
after(() => h.close());

test('a wrong user and a wrong password get the same answer; after 3 failures a client gets 429 with Retry-After, even with the right credentials', async () => {
  const del = (authorization?: string) =>
    fetch(`${h.url}/api/keep/${REC}`, { method: 'PUT', headers: authorization ? { authorization } : {} });
  const a = await del(basic('ann:px'));
  const b = await del(basic('anx:pw'));
  assert.equal(a.status, 401);
  assert.deepEqual([b.status, await b.json()], [a.status, await a.json()]);
  const c = await del(basic('ann:pw:'));
  assert.equal(c.status, 401);
  await c.arrayBuffer();
  for (const auth of [basic('ann:pw'), basic('ann:px')]) {
    const res = await del(auth);
    assert.equal(res.status, 429);
    assert.ok(Number(res.headers.get('retry-after')) > 0 && Number(res.headers.get('retry-after')) <= 60);
    assert.equal(((await res.json()) as { code: string }).code, 'ISR_WEB_TOO_MANY_FAILURES');
  }
  const metrics = await (await fetch(`${h.url}/metrics`)).text();
  assert.match(metrics, /isr_web_auth_failures_total 3/);
});
