import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { checkCounter, tempDir, writeFakeArecord } from '@isr/testkit';

/** Runs a fake arecord to its end: stdout, stderr, exit code. */
function runFake(path: string, args: string[]): Promise<{ out: Buffer; err: string; code: number | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(path, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const parts: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (d: Buffer) => parts.push(d));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ out: Buffer.concat(parts), err, code }));
  });
}

test('the fake arecord prints the counter at the rate and channels asked, then exits as told; a second run continues the count', async (t) => {
  const dir = await tempDir();
  t.after(() => dir.remove());
  const fake = writeFakeArecord(dir.path, {
    seconds: 0.5,
    exitCode: 3,
    stderr: 'arecord: read error',
    stderrAtStart: 'Warning: rate',
    stateFile: join(dir.path, 'state'),
    argsLog: join(dir.path, 'args'),
  });
  const args = ['-D', 'hw:9', '-f', 'S16_LE', '-r', '16000', '-c', '2', '-t', 'raw'];
  const first = await runFake(fake, args);
  assert.equal(first.code, 3);
  assert.equal(first.err, 'Warning: rate\narecord: read error\n');
  assert.equal(first.out.length, 16000 * 0.5 * 2 * 2, 'half a second of 16 kHz stereo s16le');
  assert.deepEqual(checkCounter(first.out, 2), { frames: 8000, start: 0, firstMismatch: null });
  const second = await runFake(fake, args);
  assert.deepEqual(
    checkCounter(second.out, 2),
    { frames: 8000, start: 8000, firstMismatch: null },
    'the count goes on from the state file',
  );
  assert.deepEqual(
    readFileSync(join(dir.path, 'args'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as string[]),
    [args, args],
  );
});

test('without -r and -c the fake arecord gives 8 kHz mono, and exits 0 by default', async (t) => {
  const dir = await tempDir();
  t.after(() => dir.remove());
  const { out, code, err } = await runFake(writeFakeArecord(dir.path, { seconds: 0.25 }), []);
  assert.equal(code, 0);
  assert.equal(err, '');
  assert.deepEqual(checkCounter(out, 1), { frames: 2000, start: 0, firstMismatch: null });
});
