import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { createLogger } from '@isr/runtime';

test('the logger redacts URL credentials in the message, string fields and errors (with their causes)', () => {
  const lines: string[] = [];
  const stream = new Writable({ write(chunk: Buffer, _enc, cb) { lines.push(chunk.toString()); cb(); } });
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
