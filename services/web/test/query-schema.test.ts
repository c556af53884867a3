// Every query is validated by the route's schema: a repeated key, a wrong type or a bad value is a 400 with
// the app's error shape, never a 500.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { buildWavHeader } from '../src/wav-header.ts';
import { harness, write, type Harness } from './harness.ts';
import { withSeedFields } from '../src/seed-fields.ts';

const REC = 'a/2026-11-24/2026-11-24_10-00-00+0100.wav';
const Q = encodeURIComponent(REC);
let h: Harness;
before(async () => {
  h = await harness({
    fill: async (root) =>
      void (await write(
        root,
        REC,
        Buffer.concat([
          buildWavHeader({ sampleRate: 8000, channels: 1, bitsPerSample: 16, frames: 8000 }),
          Buffer.alloc(16_000),
        ]),
      )),
  });
  await h.listen();
});
after(() => h.close());

const bad = async (url: string, key: string) => {
  const res = await fetch(h.url + url);
  const body = (await res.json()) as { error: string; code: string };
  assert.equal(res.status, 400, `${url}: ${JSON.stringify(body)}`);
  assert.equal(body.code, 'ISR_WEB_BAD_QUERY', url);
  assert.match(body.error, new RegExp(key), url);
};

test('repeated query keys are a 400 ISR_WEB_BAD_QUERY naming the key, on every route that takes a query', async () => {
  await bad('/api/files?source=a&source=b', 'source');
  await bad('/api/files?limit=1&limit=2', 'limit');
  await bad('/api/files?from=2026-11-24&from=2026-11-25', 'from');
  await bad(`/api/analyze?file=${Q}&file=${Q}`, 'file');
  await bad(`/api/analyze?file=${Q}&threshold=0.1&threshold=0.2`, 'threshold');
  await bad('/api/clip?source=a&source=a&start=2026-11-24T09:00:00Z&end=2026-11-24T09:00:01Z', 'source');
  await bad('/api/clip?source=a&start=2026-11-24T09:00:00Z&start=1&end=2026-11-24T09:00:01Z', 'start');
  await bad('/api/clip?source=a&start=2026-11-24T09:00:00Z&end=2026-11-24T09:00:01Z&format=wav&format=mp3', 'format');
});

test('types and values are checked by the schema: numbers, source names, required keys', async () => {
  await bad('/api/files?limit=abc', 'limit');
  await bad('/api/files?limit=0', 'limit');
  await bad('/api/files?limit=1001', 'limit');
  await bad('/api/files?offset=-1', 'offset');
  await bad('/api/files?limit=1.5', 'limit');
  await bad('/api/files?source=bad!name', 'source');
  await bad(`/api/files?from=${'x'.repeat(200)}`, 'from');
  await bad('/api/analyze', 'file');
  await bad(`/api/analyze?file=${Q}&threshold=loud`, 'threshold');
  await bad('/api/clip?start=2026-11-24T09:00:00Z&end=2026-11-24T09:00:01Z', 'source');
  const ok = (await (await fetch(`${h.url}/api/files?limit=&offset=&source=`)).json()) as {
    limit: number;
    offset: number;
    total: number;
  };
  assert.deepEqual([ok.limit, ok.offset, ok.total], [100, 0, 1], 'empty values are the defaults');
  const one = (await (await fetch(`${h.url}/api/files?limit=1&source=a&unknown=1`)).json()) as {
    limit: number;
    total: number;
  };
  assert.deepEqual([one.limit, one.total], [1, 1], 'unknown keys are ignored (cache busters)');
});

test("/api/files answers through its response schema with every Recording field and the seed's", async () => {
  const res = await fetch(`${h.url}/api/files`);
  const body = (await res.json()) as {
    total: number;
    offset: number;
    limit: number;
    sources: string[];
    files: Record<string, unknown>[];
  };
  const rec = withSeedFields(h.deps.index.get(REC)!); // today's fields and the seed's names (seed-fields.ts)
  assert.deepEqual(body.files[0], JSON.parse(JSON.stringify(rec)));
  assert.deepEqual(Object.keys(body.files[0]!).sort(), Object.keys(rec).sort());
  assert.deepEqual([body.total, body.offset, body.limit, body.sources], [1, 0, 100, ['a']]);
});
