import assert from 'node:assert/strict';
import { relative } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { SplitClock, ZoneClock } from '@isr/audio';
import { waitFor, type IcecastFeedCodec } from '@isr/testkit';
import { decodedSamples, ffmpegErrors, longestUnitMs, startSpine, type Spine } from './stream-harness.ts';

// Icecast → capture-stream → JetStream → segmenter → 6 s files, for MP3 and Ogg Opus, with a stream drop in
// the middle: every file plays, splits fall on the boundaries, the files hold exactly what capture published.
const clock = new SplitClock(0.1, new ZoneClock('UTC'));

export function splitSuite(codec: IcecastFeedCodec): void {
  describe(`${codec} stream end to end`, () => {
    let s: Spine;
    before(async () => {
      s = await startSpine(codec);
      let dropped = false;
      await waitFor(
        'two sessions of audio',
        async () => {
          const p = s.published();
          if (p.length > 0 && p.reduce((n, c) => n + c.frames / c.sampleRate, 0) >= 9 && !dropped) {
            dropped = true;
            await s.feed.stop(); // the stream drops…
            await sleep(1500);
            await s.feed.restart(); // …and comes back
          }
          const second = s.published().filter((c) => c.session !== p[0]?.session);
          return second.length > 0 && second.reduce((n, c) => n + c.frames / c.sampleRate, 0) >= 7;
        },
        60_000,
        200,
      );
      await s.finish();
    });
    after(async () => s?.cleanup());

    test('every file plays and holds what capture published, within one frame per file', (t) => {
      const files = s.recordings();
      assert.ok(files.length >= 3, `${files.length} files`);
      const problems = files.map((f) => [f, ffmpegErrors(f)] as const).filter(([, e]) => e !== '');
      assert.deepEqual(problems, [], 'ffmpeg -v error -i FILE -f null - prints nothing');
      const published = s.published();
      const rate = published[0]!.sampleRate;
      const sent = published.reduce((n, c) => n + c.frames, 0);
      const decoded = files.reduce((n, f) => n + decodedSamples(f), 0);
      const frame = codec === 'mp3' ? 1152 : 960;
      t.diagnostic(
        `${files.length} files, decoded ${decoded} samples, capture published ${sent} (Δ ${decoded - sent})`,
      );
      assert.ok(
        Math.abs(decoded - sent) <= files.length * frame,
        `decoded ${decoded} samples (${(decoded / rate).toFixed(3)} s) in ${files.length} files, capture published ${sent} (${(sent / rate).toFixed(3)} s)`,
      );
      const closed = s.closed();
      for (const e of closed) {
        const f = files.find((p) => relative(`${s.dir}/rec`, p) === e.path);
        assert.ok(f, `closed event path ${e.path} exists`);
        assert.ok(Math.abs(decodedSamples(f) - e.frames) <= frame, `${e.path}: decoded vs event frames ${e.frames}`);
      }
    });

    test('splits fall on the 6 s boundaries at the first unit after them', (t) => {
      const closed = s.closed();
      const unitMs = longestUnitMs(s.published());
      let checked = 0;
      for (let i = 1; i < closed.length; i++) {
        const prev = closed[i - 1]!;
        const cur = closed[i]!;
        if (prev.reason !== 'split' || prev.session !== cur.session) continue;
        const boundary = clock.next(Date.parse(prev.start));
        const start = Date.parse(cur.start);
        assert.ok(
          start >= boundary - 1 && start - unitMs < boundary + 1,
          `${cur.path} starts ${start - boundary} ms after its boundary (unit ${unitMs.toFixed(1)} ms)`,
        );
        assert.equal(prev.end, cur.start, 'files of one session are gapless');
        checked++;
      }
      t.diagnostic(`${checked} splits checked, longest unit ${unitMs.toFixed(1)} ms`);
      assert.ok(checked >= 1, `${checked} splits checked`);
    });

    test('the stream drop: capture reconnects as a new session and the gap shows in the closed-segment event', (t) => {
      const sessions = [...new Set(s.published().map((c) => c.session))];
      assert.ok(sessions.length >= 2, `${sessions.length} sessions`);
      for (const id of sessions) {
        const seqs = s
          .published()
          .filter((c) => c.session === id)
          .map((c) => c.seq);
        assert.deepEqual(
          seqs,
          seqs.map((_, i) => i + 1),
          `session ${id}: seq 1…n`,
        );
      }
      const later = s.closed().filter((e) => e.session === sessions[1]);
      assert.ok(later.length >= 1, 'the new session was recorded');
      const gap = later[0]!.gaps.find((g) => g.reason === 'new-session');
      t.diagnostic(`gap ${JSON.stringify(gap)}`);
      assert.ok(
        gap && gap.seconds !== null && gap.seconds >= 1,
        `gap in the first file of the new session: ${JSON.stringify(later[0]!.gaps)}`,
      );
      assert.ok(
        s.capture.logs().some((l) => /^reconnecting in/.test(String(l.msg))),
        'capture logged its reconnect',
      );
    });
  });
}
