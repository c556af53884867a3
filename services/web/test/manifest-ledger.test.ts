// The web's ManifestLedger keeps a summary per day's manifest so that /api/verify reads only what grew. Over months
// of one-minute files that must not grow without bound: summaries are dropped least recently used past a cap,
// and those of days retention deleted are forgotten.
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ManifestWriter } from '@isr/runtime';
import { tempDir } from '@isr/testkit';
import { ManifestLedger } from '../src/manifest-ledger.ts';

let dir: { path: string; remove(): Promise<void> };
const DAYS = ['2026-11-20', '2026-11-21', '2026-11-22', '2026-11-23', '2026-11-24'];
const pathOf = (source: string, day: string, i: number) =>
  `${source}/${day}/${day}_00-${String(i).padStart(2, '0')}.wav`;

before(async () => {
  dir = await tempDir('isr-ledger-');
  const w = new ManifestWriter();
  for (const source of ['one', 'two'])
    for (const day of DAYS)
      for (let i = 0; i < 10; i++) {
        const start = `${day}T00:${String(i).padStart(2, '0')}:00.000Z`;
        await w.append(
          { root: dir.path, source, day },
          {
            op: 'closed',
            path: pathOf(source, day, i),
            start,
            end: new Date(Date.parse(start) + 60_000).toISOString(),
            frames: 2_880_000,
            durationSeconds: 60,
            bytes: 11_520_044,
            sha256: 'ab'.repeat(32),
          },
        );
      }
});
after(async () => dir.remove());

test('past its cap the ledger drops the least recently used summaries and still answers every lookup', async () => {
  const ledger = new ManifestLedger(dir.path, 25);
  for (const source of ['one', 'two'])
    for (const day of DAYS) {
      const r = await ledger.lookup(source, pathOf(source, day, 7));
      assert.equal(r.chainBreak, null, `${source} ${day}: the chain is intact`);
      assert.equal(r.entry?.line.path, pathOf(source, day, 7));
      assert.ok(ledger.cached.lines <= 25, `at most 25 entries summarised (${ledger.cached.lines})`);
    }
  const all = new ManifestLedger(dir.path);
  await all.lookup('one', pathOf('one', '2026-11-24', 0));
  assert.deepEqual(all.cached, { manifests: 5, lines: 50 }, 'uncapped: every day of the source it walked');
});

test("the summaries of days retention deleted are forgotten at the source's next lookup", async () => {
  const ledger = new ManifestLedger(dir.path);
  await ledger.lookup('two', pathOf('two', '2026-11-24', 1));
  assert.equal(ledger.cached.manifests, 5);
  await rm(join(dir.path, 'two', '2026-11-20'), { recursive: true });
  await rm(join(dir.path, 'two', '2026-11-21'), { recursive: true });
  const r = await ledger.lookup('two', pathOf('two', '2026-11-24', 1));
  assert.equal(r.entry?.line.path, pathOf('two', '2026-11-24', 1));
  assert.deepEqual(ledger.cached, { manifests: 3, lines: 30 });
});
