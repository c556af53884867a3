// serve-file over real sockets: a client that aborts a Range read must not hand its read buffer to another
// request while the read is still filling it.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import { request } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, test } from 'node:test';
import { HandleCache } from '../src/handle-cache.ts';
import { harness, write, type Harness } from './harness.ts';

const FILE = 'a/2026-11-24/2026-11-24_10-00-00+0000.mp3';
const data = randomBytes(16 * 1024 * 1024);
/** Called when the read at a file position starts: the test aborts the client that asked for it there. */
const onRead = new Map<number, () => void>();

/**
 * A slow disk: every positional read starts 5–15 ms late (a loaded disk or network storage). The client whose
 * range starts there may abort at that moment, so its abort lands while its read is still to fill the buffer —
 * a window the page cache makes too short to hit from outside.
 */
class SlowDisk extends HandleCache {
  override with<T>(abs: string, ino: number, use: (fh: FileHandle) => Promise<T>): Promise<T> {
    return super.with(abs, ino, (fh) =>
      use(
        new Proxy(fh, {
          get(target, prop) {
            if (prop === 'read')
              return async (buffer: Buffer, offset: number, length: number, position: number) => {
                onRead.get(position)?.();
                await sleep(5 + Math.random() * 10);
                return target.read(buffer, offset, length, position);
              };
            const v = Reflect.get(target, prop) as unknown;
            return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
          },
        }),
      ),
    );
  }
}

let h: Harness;
before(async () => {
  h = await harness({ fill: async (root) => void (await write(root, FILE, data)), handles: new SlowDisk() });
  await h.listen();
});
after(() => h.close());

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** One Range GET on its own connection; with `abort` it is destroyed when the server starts reading its range. */
function rangeGet(start: number, end: number, abort: boolean): Promise<Buffer | null> {
  return new Promise((resolve) => {
    const req = request(
      `${h.url}/stream/${FILE}`,
      { agent: false, headers: { range: `bytes=${start}-${end}` } },
      (res) => {
        const parts: Buffer[] = [];
        res.on('data', (b: Buffer) => parts.push(b));
        res.on('end', () => resolve(Buffer.concat(parts)));
        res.on('error', () => resolve(null));
        res.on('aborted', () => resolve(null));
      },
    );
    req.on('error', () => resolve(null));
    req.on('close', () => resolve(null));
    req.end();
    if (abort) onRead.set(start, () => req.destroy());
  });
}

test('50 clients doing random Range reads, half of them aborting: every completed body is its slice of the file', async () => {
  let completed = 0;
  let aborted = 0;
  const client = async (i: number) => {
    for (let round = 0; round < 12; round++) {
      const length = 256 * 1024 + Math.floor(Math.random() * (768 * 1024));
      let start = Math.floor(Math.random() * (data.length - length));
      while (onRead.has(start)) start++;
      const end = start + length - 1;
      const body = await rangeGet(start, end, i % 2 === 0);
      onRead.delete(start);
      if (body === null || body.length !== length) {
        aborted++;
        continue;
      }
      completed++;
      assert.equal(sha(body), sha(data.subarray(start, end + 1)), `client ${i} round ${round}: bytes ${start}-${end}`);
    }
  };
  await Promise.all(Array.from({ length: 50 }, (_, i) => client(i)));
  assert.ok(completed >= 25 * 12, `completed ${completed}`);
  assert.ok(aborted >= 250, `aborted while reading: ${aborted}`);
});
