// keep_days on real files whose times are set in the past: the old closed files go (with their analysis
// sidecar and KV entry, each with an event); a "keep"-marked file, the open file of a source, a recent file
// and the files of a source with keep_days = 0 stay; a DELETE racing retention (the file vanishes under it)
// is no error and gives no event.
import assert from 'node:assert/strict';
import { existsSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { unlink } from 'node:fs/promises';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { ANALYSIS_SIDECAR_SUFFIX, analysisKey, encodeJson, KEEP_MARK_SUFFIX } from '@isr/contract';
import { verifySource } from '@isr/runtime';
import { waitFor } from '@isr/testkit';
import { pcmSignal, publishPcm, recordings, setup, type Harness, segmenterBacklog } from './harness.ts';

let h: Harness;
before(async () => {
  h = await setup(
    (dir) =>
      `[general]\noutput_directory = ${dir}/rec\nsplit_minutes = 0.05\ntimezone = UTC\nkeep_days = 7\ndisk_check_seconds = 0.1\n\n[card1]\ntype = soundcard\nformat = wav\n\n[forever]\ntype = soundcard\nformat = wav\nkeep_days = 0\n\n[live]\ntype = soundcard\nformat = wav\n`,
  );
});
after(async () => h.cleanup());

const RATE = 16000;
const DAY_S = 86400;

async function allAcked(): Promise<void> {
  await waitFor(
    'every chunk written and acknowledged',
    async () => {
      const ci = await segmenterBacklog(h.bus.jsm);
      return ci.num_pending === 0 && ci.num_ack_pending === 0;
    },
    30_000,
    100,
  );
}

test('keep_days: old files deleted with analysis and event; keep-marked, open, recent and keep_days = 0 files stay; a racing DELETE is no error', async () => {
  const root = `${h.dir}/rec`;
  // 1. Recordings: card1 15 s (5 files of 3 s), forever 6 s (2 files), all closed at shutdown.
  const first = await h.start();
  const t0 = Date.parse('2026-11-20T10:00:00.000Z');
  await publishPcm(
    h.bus,
    { source: 'card1', session: 'c1', sessionStartMs: t0, sampleRate: RATE, channels: 1 },
    pcmSignal(RATE * 15, 1),
    1600,
  );
  await publishPcm(
    h.bus,
    { source: 'forever', session: 'f1', sessionStartMs: t0, sampleRate: RATE, channels: 1 },
    pcmSignal(RATE * 6, 1),
    1600,
  );
  await allAcked();
  await first.service.close();
  const card = recordings(root, 'card1', 'wav');
  const forever = recordings(root, 'forever', 'wav');
  assert.equal(card.length, 5);
  assert.equal(forever.length, 2);
  const rel = (abs: string) => abs.slice(root.length + 1);

  // 2. Ten days old: card1's first four files and both of forever's; card[1] is on hold; card[0] has an analysis.
  const old = Date.now() / 1000 - 10 * DAY_S;
  for (const f of [...card.slice(0, 4), ...forever]) utimesSync(f, old, old);
  writeFileSync(
    card[1]! + KEEP_MARK_SUFFIX,
    JSON.stringify({ path: rel(card[1]!), since: new Date().toISOString(), by: 'test' }),
  );
  writeFileSync(card[0]! + ANALYSIS_SIDECAR_SUFFIX, '{}');
  await h.bus.kv.analysis.put(analysisKey(rel(card[0]!)), encodeJson({ path: rel(card[0]!) }));

  // 3. Restart (rescanning often); at once, "the web" deletes card[2] and card[3] while retention runs.
  const second = await h.start({ archiveRescanMs: 300 });
  const racing = [card[2]!, card[3]!];
  const webDeleted = await Promise.all(
    racing.map((f) =>
      unlink(f).then(
        () => true,
        (err: NodeJS.ErrnoException) => {
          if (err.code !== 'ENOENT') throw err;
          return false;
        },
      ),
    ),
  );

  // 4. An open file, made ten days old too: live audio an hour ahead keeps its file open.
  // Its one second starts on a 3 s split boundary: audio across a boundary would leave a closed first file.
  const liveStart = Math.ceil((Date.now() + 3_600_000) / 3000) * 3000;
  await publishPcm(
    h.bus,
    { source: 'live', session: 'l1', sessionStartMs: liveStart, sampleRate: RATE, channels: 1 },
    pcmSignal(RATE, 1),
    1600,
  );
  await allAcked();
  const openFile = await waitFor('the live file is open', () => recordings(root, 'live', 'wav')[0]);
  utimesSync(openFile, old, old);

  await waitFor('card[0] deleted', () => h.events.deleted.some((e) => e.path === rel(card[0]!)), 10_000);
  await sleep(1500); // several checks and rescans more: the open file is judged old and still kept
  assert.ok(existsSync(openFile), 'the open file survives, though older than keep_days');
  assert.equal(statSync(openFile).mtimeMs, old * 1000);
  // (read while retention runs: a member that stops running it drops these gauges for the next one)
  const age = (await second.registry.getSingleMetric('isr_segmenter_oldest_recording_age_seconds')!.get()).values;
  const cardAge = age.find((v) => v.labels.source === 'card1')!.value;
  assert.ok(Math.abs(cardAge - 10 * DAY_S) < 60, `card1's oldest recording (the held one) is ten days old: ${cardAge}`);
  await second.service.close();

  assert.ok(!existsSync(card[0]!), 'the old file is deleted');
  assert.ok(!existsSync(card[0]! + ANALYSIS_SIDECAR_SUFFIX), 'with its analysis sidecar');
  const kv = await h.bus.kv.analysis.get(analysisKey(rel(card[0]!)));
  assert.ok(!kv || kv.operation !== 'PUT', 'and its isr_analysis entry');
  assert.ok(existsSync(card[1]!), 'the keep-marked file survives');
  assert.ok(existsSync(card[4]!), 'the recent file survives');
  for (const f of forever) assert.ok(existsSync(f), `keep_days = 0 keeps ${rel(f)}`);

  const deleted = h.events.deleted;
  const ev = deleted.find((e) => e.path === rel(card[0]!))!;
  assert.equal(ev.reason, 'retention');
  assert.equal(ev.source, 'card1');
  assert.equal(ev.bytes, h.events.closed.find((e) => e.path === ev.path)!.bytes);
  assert.equal(Date.parse(ev.end), old * 1000);
  // Each racing file was deleted once: by the web (no event) or by retention (one event), never both, no error.
  racing.forEach((f, i) => {
    const events = deleted.filter((e) => e.path === rel(f)).length;
    assert.equal(events, webDeleted[i] ? 0 : 1, `${rel(f)}: deleted by ${webDeleted[i] ? 'the web' : 'retention'}`);
    assert.ok(!existsSync(f));
  });
  assert.deepEqual(
    deleted.filter((e) => ![card[0], ...racing].map((f) => rel(f!)).includes(e.path)),
    [],
    'nothing else was deleted',
  );
  const counts = (await second.registry.getSingleMetric('isr_segmenter_files_deleted_total')!.get()).values;
  assert.equal(counts.find((v) => v.labels.reason === 'retention')?.value, deleted.length);

  // Each retention deletion is a `deleted` entry of card1's manifest: the chain goes on and verify says `deleted`;
  // a file the web deleted is not recorded, so verify reports it missing.
  const reports = await verifySource({ root, source: 'card1' });
  const status = (f: string) => reports.find((r) => r.path === rel(f))?.status;
  assert.equal(status(card[0]!), 'deleted');
  racing.forEach((f, i) => assert.equal(status(f), webDeleted[i] ? 'missing' : 'deleted', rel(f)));
  assert.deepEqual([status(card[1]!), status(card[4]!)], ['ok', 'ok']);
  assert.deepEqual(
    reports.filter((r) => r.status === 'chain-broken'),
    [],
    'the chain is whole',
  );
});
