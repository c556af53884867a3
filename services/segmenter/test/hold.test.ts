import assert from 'node:assert/strict';
import { test } from 'node:test';
import { failedAgain, holdEnded, isDiskFull, nakDelayMs, retryBackoff, startHold } from '../src/hold.ts';

const errno = (code: string) => Object.assign(new Error(code), { code });

test('ENOSPC, EDQUOT and EIO hold a source as disk_full; other failures as error, until a disk error comes', () => {
  for (const c of ['ENOSPC', 'EDQUOT', 'EIO']) assert.equal(isDiskFull(errno(c)), true, c);
  assert.equal(isDiskFull(errno('ENOTDIR')), false);
  assert.equal(isDiskFull('just a string'), false);
  const h = startHold(errno('ENOTDIR'), 40, 1000);
  assert.equal(h.state, 'error');
  h.cursor = 90;
  h.durableCursor = 70;
  failedAgain(h, errno('ENOSPC'), null);
  assert.deepEqual([h.state, h.cursor], ['disk_full', 70], 'read again from the last commit');
  failedAgain(h, errno('ENOSPC'), 55);
  assert.equal(h.cursor, 55, 'or from an older pending delivery');
});

test('retries back off from 250 ms to 5 s (none after progress); naks wait a quarter of the hold, 5 s to 60 s', () => {
  const b = retryBackoff();
  assert.deepEqual(
    Array.from({ length: 7 }, () => b.next()),
    [250, 500, 1000, 2000, 4000, 5000, 5000],
  );
  b.reset(); // progress: the next retry at once, and a failure after it waits 250 ms again
  assert.equal(b.next(), 250);
  const h = startHold(errno('ENOSPC'), 1, 0);
  assert.equal(nakDelayMs(h, 1000), 5000);
  assert.equal(nakDelayMs(h, 100_000), 25_000);
  assert.equal(nakDelayMs(h, 3_600_000), 60_000);
  h.chunks = 30;
  h.frames = 48000;
  assert.deepEqual(holdEnded(h, 90_000, 16000).fields, {
    state: 'disk_full',
    seconds: 90,
    heldChunks: 30,
    heldSeconds: 3,
  });
});
