import assert from 'node:assert/strict';
import { test } from 'node:test';
import { s16leToInt32 } from '../src/pcm.ts';

const expected = (b: Buffer) => Int32Array.from({ length: b.length / 2 }, (_, i) => b.readInt16LE(i * 2));

test('s16le samples become the same signed 32-bit values, at an even or an odd byte offset', () => {
  const body = Buffer.alloc(4801 * 2);
  for (let i = 0; i < 4801; i++)
    body.writeInt16LE(i === 0 ? -32768 : i === 1 ? 32767 : ((i * 7919) % 65536) - 32768, i * 2);
  assert.deepEqual(s16leToInt32(body), expected(body));
  const odd = Buffer.alloc(body.length + 1).subarray(1); // a NATS body may start anywhere in the socket buffer
  body.copy(odd);
  assert.equal(odd.byteOffset % 2, 1);
  assert.deepEqual(s16leToInt32(odd), expected(body));
  assert.deepEqual(s16leToInt32(odd, 3), expected(body.subarray(0, 6)), 'only the samples asked for');
});
