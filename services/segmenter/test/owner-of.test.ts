// Rendezvous hashing of sources over the members of the segmenter group (group.ts): every member computes the
// same owner, the sources spread evenly, and a member joining or leaving moves only the sources it must.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ownerOf } from '../src/group.ts';

const sources = Array.from({ length: 600 }, (_, i) => `src${i}`);
const owners = (members: string[]) => new Map(sources.map((s) => [s, ownerOf(s, members)]));

test('no member, no owner; one member owns everything', () => {
  assert.equal(ownerOf('a', []), null);
  assert.ok(sources.every((s) => ownerOf(s, ['only']) === 'only'));
});

test('the owner does not depend on the order the members are listed in', () => {
  const a = owners(['m1', 'm2', 'm3']);
  const b = owners(['m3', 'm1', 'm2']);
  assert.deepEqual([...a], [...b]);
});

test('sources spread evenly over three members (each within 20 % of a third)', () => {
  const count = new Map<string, number>();
  for (const o of owners(['host-a-1', 'host-b-2', 'host-c-3']).values()) count.set(o!, (count.get(o!) ?? 0) + 1);
  assert.equal(count.size, 3);
  for (const [m, n] of count) assert.ok(Math.abs(n - 200) < 40, `${m} owns ${n} of 600`);
});

test('a member leaving gives up only its own sources; one joining takes only sources that become its own', () => {
  const three = owners(['a', 'b', 'c']);
  const two = owners(['a', 'b']);
  for (const s of sources) {
    if (three.get(s) !== 'c') assert.equal(two.get(s), three.get(s), `${s} stays with its owner when c leaves`);
  }
  const four = owners(['a', 'b', 'c', 'd']);
  let moved = 0;
  for (const s of sources) {
    if (four.get(s) !== three.get(s)) {
      assert.equal(four.get(s), 'd', `${s} moves only to the new member`);
      moved++;
    }
  }
  assert.ok(moved > 100 && moved < 200, `about a quarter moves to the new member (${moved} of 600)`);
});
