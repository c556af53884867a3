import assert from 'node:assert/strict';
import { test } from 'node:test';
import { allKeys, parseConfig, redactedConfig } from '@isr/runtime';

const ini = `[general]
output_directory = rec
nats_url = nats://isr:natspass@10.0.0.5:4222, nats://10.0.0.6:4222
web_delete_token = tok-123
web_delete_user = admin
web_delete_password = pw-456
[radio1]
type = stream
url = https://listener:streampass@radio.example/live.mp3?token=abc&bitrate=128
[radio2]
type = stream
url = http://radio.example/open.ogg
[mic]
type = soundcard
device = hw:0
`;

test('the effective configuration with every secret redacted: passwords and tokens by the key table, credentials inside URLs', () => {
  const config = parseConfig(ini, {
    service: 'web',
    file: '/etc/isr/config.ini',
    env: { NATS_PASSWORD: 'envpass' },
    cwd: '/srv',
  });
  const r = redactedConfig(config);
  const text = JSON.stringify(r);
  for (const secret of ['natspass', 'tok-123', 'pw-456', 'streampass', 'listener', 'abc', 'envpass'])
    assert.doesNotMatch(text, new RegExp(secret), `${secret} is not shown`);
  assert.equal(r.file, '/etc/isr/config.ini');
  assert.equal(r.general.output_directory, '/srv/rec');
  assert.equal(r.general.nats_url, 'nats://***@10.0.0.5:4222, nats://10.0.0.6:4222');
  assert.equal(r.general.web_delete_token, '***');
  assert.equal(r.general.web_delete_password, '***');
  assert.equal(r.general.web_delete_user, 'admin');
  assert.equal(r.general.split_minutes, 60, 'defaults are part of the effective configuration');
  assert.deepEqual(
    r.sources.map((s) => [s.name, s.type]),
    [
      ['radio1', 'stream'],
      ['radio2', 'stream'],
      ['mic', 'soundcard'],
    ],
  );
  assert.equal(r.sources[0]!.settings.url, 'https://***@radio.example/live.mp3?token=***&bitrate=128');
  assert.equal(r.sources[1]!.settings.url, 'http://radio.example/open.ogg');
  assert.equal(r.sources[2]!.settings.device, 'hw:0');
});

test('an unset secret stays visibly empty; every key that can hold a credential is marked in the key table', () => {
  const r = redactedConfig(parseConfig('[general]\n', { service: 'web', file: '/x.ini', env: {}, cwd: '/' }));
  assert.equal(r.general.web_delete_token, '');
  const marked = allKeys
    .filter((k) => k.secret)
    .map((k) => `${k.key}:${k.secret}`)
    .sort();
  assert.deepEqual(marked, ['nats_url:url', 'url:url', 'web_delete_password:value', 'web_delete_token:value']);
});
