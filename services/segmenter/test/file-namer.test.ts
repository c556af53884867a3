// The file namer never overwrites a recording, but reuses a file under the name that holds no audio: what a crash
// leaves between creating a file and the journal recording it (the journal is written before any audio).
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, before, test } from 'node:test';
import { buildWavHeader, ZoneClock } from '@isr/audio';
import { tempDir } from '@isr/testkit';
import { createRecordingFile, holdsNoAudio } from '../src/file-namer.ts';
import { closeFd } from '../src/sink.ts';

let dir: { path: string; remove(): Promise<void> };
before(async () => {
  dir = await tempDir('isr-namer-');
});
after(async () => {
  await dir.remove();
});

const utc = new ZoneClock('UTC');
const startMs = Date.parse('2026-12-02T05:00:00Z');
const wavHead = buildWavHeader(
  { channels: 1, sampleRate: 16000, bitsPerSample: 16 },
  {
    description: 'ISR t session s offset 0',
    originator: 'ISR',
    originatorReference: '',
    originationDate: '2026-12-02',
    originationTime: '05:00:00',
    timeReference: 0,
  },
);
/** fLaC + a last STREAMINFO block (34 bytes of zeros: enough for the block walk). */
const flacHead = Buffer.concat([Buffer.from('fLaC'), Buffer.from([0x80, 0, 0, 34]), Buffer.alloc(34)]);

async function create(root: string, ext: string) {
  const f = await createRecordingFile(root, 'src', '%Y-%m-%d_%H-%M-%S%z', utc, startMs, ext);
  await closeFd(f.fd);
  return f;
}

function existing(root: string, ext: string, bytes: Buffer): string {
  const p = join(root, 'src', `2026-12-02_05-00-00+0000.${ext}`);
  mkdirSync(dirname(p), { recursive: true });
  writeFileSync(p, bytes);
  return p;
}

test('holdsNoAudio: empty, header-only WAV and FLAC hold none; a WAV or FLAC with audio, or anything else, does', async () => {
  const root = join(dir.path, 'judge');
  assert.equal(await holdsNoAudio(existing(root, 'wav', Buffer.alloc(0))), true);
  assert.equal(await holdsNoAudio(existing(root, 'wav', wavHead)), true);
  assert.equal(await holdsNoAudio(existing(root, 'wav', Buffer.concat([wavHead, Buffer.alloc(2)]))), false);
  assert.equal(await holdsNoAudio(existing(root, 'flac', flacHead)), true);
  assert.equal(await holdsNoAudio(existing(root, 'flac', flacHead.subarray(0, 20))), true, 'cut inside its metadata');
  assert.equal(
    await holdsNoAudio(existing(root, 'flac', Buffer.concat([flacHead, Buffer.from([0xff, 0xf8, 1, 2])]))),
    false,
  );
  assert.equal(await holdsNoAudio(existing(root, 'wav', Buffer.from('not a wav at all, but something'))), false);
});

test('a header-only file under the name is emptied and reused: no _1 and nothing unplayable left', async () => {
  for (const [ext, head] of [
    ['wav', wavHead],
    ['flac', flacHead],
  ] as const) {
    const root = join(dir.path, `reuse-${ext}`);
    const p = existing(root, ext, head);
    const f = await create(root, ext);
    assert.equal(f.path, p);
    assert.equal(f.reused, true);
    assert.equal(readFileSync(p).length, 0, 'emptied for the new sink');
    assert.equal(existsSync(p.replace(`.${ext}`, `_1.${ext}`)), false);
  }
});

test('a file with audio under the name is never touched: the new one is _1', async () => {
  const root = join(dir.path, 'keep');
  const audio = Buffer.concat([wavHead, Buffer.alloc(3200, 7)]);
  const p = existing(root, 'wav', audio);
  const f = await create(root, 'wav');
  assert.equal(f.path, p.replace('.wav', '_1.wav'));
  assert.equal(f.reused, false);
  assert.deepEqual(readFileSync(p), audio);
});
