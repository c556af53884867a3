// /api/events over real sockets: a cap on connections and one per client address, each answered with
// Retry-After; a closed connection frees its place.
import assert from 'node:assert/strict';
import { request, type ClientRequest, type IncomingMessage } from 'node:http';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { harness, type Harness } from './harness.ts';

let h: Harness;
before(async () => {
  h = await harness({ sse: { maxConnections: 4, maxPerClient: 2 } });
  await h.listen();
});
after(() => h.close());

/** Opens /api/events from a local address (127.0.0.x are distinct client addresses on loopback). */
function open(localAddress: string): Promise<{ req: ClientRequest; res: IncomingMessage; first: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${h.url}/api/events`, { localAddress, agent: false }, (res) => {
      res.setEncoding('utf8');
      res.once('data', (first: string) => resolve({ req, res, first }));
      res.once('end', () => resolve({ req, res, first: '' }));
    });
    req.on('error', reject);
    req.end();
  });
}

const waitFor = async (cond: () => boolean) => {
  for (let i = 0; i < 100 && !cond(); i++) await sleep(20);
  assert.ok(cond());
};

test('two per client address, four in all; beyond that 429 / 503 with Retry-After; a closed one frees its place', async () => {
  const a1 = await open('127.0.0.2');
  const a2 = await open('127.0.0.2');
  for (const c of [a1, a2]) assert.match(c.first, /event: hello/);
  const a3 = await open('127.0.0.2');
  assert.equal(a3.res.statusCode, 429);
  assert.ok(Number(a3.res.headers['retry-after']) > 0);
  assert.match(a3.first, /ISR_WEB_SSE_PER_CLIENT/);
  const b1 = await open('127.0.0.3');
  const b2 = await open('127.0.0.3');
  assert.equal(b2.res.statusCode, 200);
  assert.equal(h.deps.hub.count, 4);
  const c1 = await open('127.0.0.4');
  assert.equal(c1.res.statusCode, 503);
  assert.ok(Number(c1.res.headers['retry-after']) > 0);
  assert.match(c1.first, /ISR_WEB_SSE_FULL/);
  a1.req.destroy();
  await waitFor(() => h.deps.hub.count === 3);
  const c2 = await open('127.0.0.4');
  assert.equal(c2.res.statusCode, 200);
  for (const c of [a2, b1, b2, c2]) c.req.destroy();
  await waitFor(() => h.deps.hub.count === 0);
});
