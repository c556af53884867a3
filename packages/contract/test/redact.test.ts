import assert from 'node:assert/strict';
import { test } from 'node:test';
import { redactSecrets, redactUrl } from '@isr/contract';

test('redactUrl hides user:pass@ and token-like query values, keeps host, path and other parameters', () => {
  assert.equal(redactUrl('http://alice:S3cret@radio.example:8000/live.mp3'), 'http://***@radio.example:8000/live.mp3');
  assert.equal(redactUrl('https://tok3n@radio.example/live'), 'https://***@radio.example/live');
  assert.equal(
    redactUrl('http://u:p%40ss@h/x?token=abc&bitrate=128&api_key=k1&Access-Token=z#frag'),
    'http://***@h/x?token=***&bitrate=128&api_key=***&Access-Token=***#frag',
  );
  assert.equal(redactUrl('http://h/x?sig=1;password=2&pwd='), 'http://h/x?sig=***;password=***&pwd=');
  assert.equal(
    redactUrl('http://radio.example:8000/live.mp3?type=.mp3'),
    'http://radio.example:8000/live.mp3?type=.mp3',
  );
  assert.equal(redactUrl('nats://isr:natsPass@nats-1:4222'), 'nats://***@nats-1:4222');
  assert.equal(redactUrl('not a url'), 'not a url');
});

test('redactSecrets redacts every URL inside a message and nothing else', () => {
  const msg =
    'cannot read http://bob:Hunter2@10.0.0.1:1/m?token=T0K&x=1: ECONNREFUSED (redirected to https://cdn.example/a?auth=QQ), try http://ok.example/';
  const out = redactSecrets(msg);
  assert.equal(
    out,
    'cannot read http://***@10.0.0.1:1/m?token=***&x=1: ECONNREFUSED (redirected to https://cdn.example/a?auth=***), try http://ok.example/',
  );
  for (const secret of ['bob', 'Hunter2', 'T0K', 'QQ']) assert.ok(!out.includes(secret), secret);
  assert.equal(redactSecrets('no URL here: user:pass'), 'no URL here: user:pass');
});
