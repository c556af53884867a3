import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { createLogger } from '@isr/runtime';
import { repoRoot, tempDir } from '@isr/testkit';

test('the logger redacts URL credentials in the message, string fields and errors (with their causes)', () => {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      lines.push(chunk.toString());
      cb();
    },
  });
  const log = createLogger({ service: 't', pretty: false, stream });
  const url = 'http://alice:S3cret@radio.example:8000/live?token=T0k&bitrate=128';
  log.info({ url, nested: { keep: 'not a url' } }, `connecting to ${url}`);
  const cause = new Error(`upstream said ${url}`);
  log.warn({ err: new Error(`cannot read ${url}`, { cause }) }, 'stream failed');
  log.error(`plain ${url}`);
  const out = lines.join('');
  for (const secret of ['alice', 'S3cret', 'T0k']) assert.ok(!out.includes(secret), `${secret} in ${out}`);
  const first = JSON.parse(lines[0]!) as { url: string; msg: string };
  assert.equal(first.url, 'http://***@radio.example:8000/live?token=***&bitrate=128');
  assert.equal(first.msg, `connecting to ${first.url}`);
  const second = JSON.parse(lines[1]!) as { err: { message: string; stack: string } };
  assert.match(second.err.message, /cannot read http:\/\/\*\*\*@radio\.example/);
  assert.match(second.err.stack, /upstream said http:\/\/\*\*\*@radio\.example/, 'the cause is kept, redacted');
  assert.equal(lines.length, 3);
});

/** Runs a child process that logs through createLogger and then exits at once (process.exit, no waiting). */
function logAndExit(opts: { file?: string; pretty?: boolean; lines: number }): {
  stdout: string;
  status: number | null;
} {
  const script = `
    import { createLogger } from '@isr/runtime';
    const log = createLogger({ service: 'probe', pretty: ${String(opts.pretty ?? false)}${opts.file ? `, file: ${JSON.stringify(opts.file)}` : ''} });
    for (let i = 0; i < ${opts.lines}; i++) log.info({ i, url: 'http://alice:S3cret@radio.example/live' }, 'line ' + i);
    process.exit(0);
  `;
  const r = spawnSync(process.execPath, ['--conditions=development', '--input-type=module', '-e', script], {
    cwd: repoRoot,
    encoding: 'utf8',
    timeout: 30_000,
  });
  assert.equal(r.status, 0, r.stderr);
  return { stdout: r.stdout, status: r.status };
}

test('log_file: every line logged before process.exit is in the file, appended after what was there, redacted', async () => {
  const dir = await tempDir('isr-log-');
  const file = join(dir.path, 'isr.log');
  writeFileSync(file, '{"earlier":true}\n');
  logAndExit({ file, lines: 5000 });
  const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
  await dir.remove();
  assert.equal(lines.length, 5001, 'the earlier line and all 5,000 new ones');
  assert.deepEqual(JSON.parse(lines[0]!), { earlier: true });
  const last = JSON.parse(lines.at(-1)!) as { i: number; service: string; url: string };
  assert.deepEqual([last.i, last.service, last.url], [4999, 'probe', 'http://***@radio.example/live']);
  assert.ok(!lines.join('\n').includes('S3cret'));
});

test('pretty output (a terminal) goes through the pino-pretty transport: human lines, redacted, none lost at exit', () => {
  // eslint-disable-next-line no-control-regex -- the colours pino-pretty adds
  const stdout = logAndExit({ pretty: true, lines: 200 }).stdout.replace(/\x1b\[[0-9;]*m/g, '');
  const lines = stdout
    .trimEnd()
    .split('\n')
    .filter((l) => / line \d+$/.test(l));
  assert.equal(lines.length, 200, stdout.slice(0, 500));
  assert.match(lines[0]!, /^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} [+-]\d{4}\] INFO: line 0$/);
  assert.ok(!stdout.startsWith('{'), 'not JSON');
  assert.ok(!stdout.includes('S3cret'));
});
