// A capture's chunks are late after ISR_AUDIO loses its leader (its publishes wait out their ack timeout and are
// sent again to the new leader): the segmenter must not take that silence for a stopped capture and close the
// period's file for idleness (test/cluster/segmenter-group.test.ts kills the leader's node).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AudioStreamWatch } from '../src/consumer.ts';

test('ISR_AUDIO is unsettled for a while after its leader changed or it could not be asked, not before', () => {
  let now = 1_000_000;
  const w = new AudioStreamWatch(() => now, 15_000);
  assert.equal(w.unsettled(), false, 'nothing seen yet');
  w.seen('n1');
  now += 60_000;
  w.seen('n1');
  assert.equal(w.unsettled(), false, 'the same leader: settled');
  w.seen(undefined); // no leader while it is elected
  assert.equal(w.unsettled(), true);
  now += 3_000;
  w.seen('n2');
  now += 14_999;
  assert.equal(w.unsettled(), true, 'within 15 s of the new leader');
  now += 1;
  assert.equal(w.unsettled(), false);
  w.failed();
  assert.equal(w.unsettled(), true, 'could not be asked');
  now += 15_000;
  assert.equal(w.unsettled(), false);
});

test('a single server (no cluster, no leader named) is always settled', () => {
  let now = 0;
  const w = new AudioStreamWatch(() => now, 15_000);
  for (let i = 0; i < 5; i++) {
    w.seen(undefined);
    now += 1000;
  }
  assert.equal(w.unsettled(), false);
});
