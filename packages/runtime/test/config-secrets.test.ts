// ISR_SECRETS_FILE: a second INI file with the stream URLs that carry credentials, given only to capture-stream,
// so config.ini — which every service reads — holds none.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ConfigError, loadConfig } from '@isr/runtime';

const CONFIG =
  '[general]\noutput_directory = rec\n\n[radio1]\ntype = stream\nurl = http://radio.example/live.mp3\n\n[radio2]\ntype = stream\nurl = http://other.example/a.ogg\n';

function withFiles(files: Record<string, string>, run: (dir: string) => void) {
  const dir = mkdtempSync(join(tmpdir(), 'isr-secrets-cfg-'));
  try {
    for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
    run(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test("the secrets file replaces the url of a stream section; without it config.ini's URL is used", () => {
  withFiles(
    { 'config.ini': CONFIG, 'secrets.ini': '[radio1]\nurl = http://isr:S3cret@radio.example/live.mp3?token=T0k\n' },
    (dir) => {
      const plain = loadConfig({ service: 'segmenter', argv: [], cwd: dir, env: {} });
      assert.equal(plain.sources.find((s) => s.name === 'radio1')?.settings.url, 'http://radio.example/live.mp3');
      const cs = loadConfig({
        service: 'capture-stream',
        argv: [],
        cwd: dir,
        env: { ISR_SECRETS_FILE: join(dir, 'secrets.ini') },
      });
      assert.equal(
        cs.sources.find((s) => s.name === 'radio1')?.settings.url,
        'http://isr:S3cret@radio.example/live.mp3?token=T0k',
      );
      assert.equal(cs.sources.find((s) => s.name === 'radio2')?.settings.url, 'http://other.example/a.ogg');
    },
  );
});

test('a stream section may leave url to the secrets file; errors name the secrets file, section and key, never the value', () => {
  withFiles(
    {
      'config.ini': '[general]\n\n[radio1]\ntype = stream\n',
      'secrets.ini': '[radio1]\nurl = http://isr:S3cret@radio.example/live.mp3\n',
      'bad.ini': '[radio1]\nurl = ftp://isr:S3cret@x/\nstall_seconds = 3\n\n[ghost]\nurl = http://a/\n',
    },
    (dir) => {
      const cs = loadConfig({
        service: 'capture-stream',
        argv: [],
        cwd: dir,
        env: { ISR_SECRETS_FILE: join(dir, 'secrets.ini') },
      });
      assert.equal(cs.sources[0]?.settings.url, 'http://isr:S3cret@radio.example/live.mp3');
      assert.throws(
        () => loadConfig({ service: 'capture-stream', argv: [], cwd: dir, env: {} }),
        /radio1\] url: required key is missing/,
      );
      assert.throws(
        () =>
          loadConfig({
            service: 'capture-stream',
            argv: [],
            cwd: dir,
            env: { ISR_SECRETS_FILE: join(dir, 'missing.ini') },
          }),
        /missing\.ini: cannot read the secrets file \(ENOENT\)/,
      );
      let err: unknown;
      try {
        loadConfig({ service: 'capture-stream', argv: [], cwd: dir, env: { ISR_SECRETS_FILE: join(dir, 'bad.ini') } });
      } catch (e) {
        err = e;
      }
      assert.ok(err instanceof ConfigError);
      const text = err.problems.join('\n');
      assert.match(text, /bad\.ini \[radio1\] stall_seconds: only url can be set in the secrets file/);
      assert.match(text, /bad\.ini \[ghost\]: no such source section in .*config\.ini/);
      assert.match(text, /\[radio1\] url: must be an http:\/\/ or https:\/\/ URL/);
      assert.doesNotMatch(text, /S3cret/, 'the secret is not repeated in the error');
    },
  );
});

test('the other services read config.ini alone: a section whose url is only in the secrets file is valid for them', () => {
  withFiles({ 'config.ini': '[general]\n\n[radio1]\ntype = stream\n' }, (dir) => {
    for (const service of ['segmenter', 'analyzer', 'web', 'capture-alsa'] as const) {
      const c = loadConfig({ service, argv: [], cwd: dir, env: {} });
      assert.equal(c.sources[0]?.name, 'radio1', service);
    }
  });
});
