// script/secrets writes every secret docker compose needs into .env at once; with it the compose file has no
// missing variable and nats-server accepts nats.conf.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { repoRoot, tempDir } from '@isr/testkit';
import { loadCompose, requiredVariables } from './compose-file.ts';
import { checkNatsConf } from './nats-conf.ts';

/** KEY=VALUE lines, as docker compose reads a plain .env (the last assignment wins). */
const parse = (b: Buffer): Record<string, string> =>
  Object.fromEntries(
    b
      .toString('utf8')
      .split('\n')
      .flatMap((l) => {
        const i = l.indexOf('=');
        return i > 0 && !l.startsWith('#') ? [[l.slice(0, i), l.slice(i + 1)]] : [];
      }),
  );

const secrets = (file: string, ...args: string[]) =>
  spawnSync(join(repoRoot, 'script/secrets'), ['--env-file', file, ...args], { encoding: 'utf8' });

test('script/secrets writes every required secret (random, private), keeps them on a second run, fills only what is missing', async () => {
  const dir = await tempDir('isr-secrets-');
  try {
    const file = join(dir.path, '.env');
    const first = secrets(file);
    assert.equal(first.status, 0, first.stderr);
    const env = parse(readFileSync(file));
    const required = [...requiredVariables().keys()];
    assert.ok(required.length >= 6);
    for (const v of required) assert.match(env[v] ?? '', /^isr[0-9a-f]{40}$/, `${v} is set`);
    assert.equal(new Set(required.map((v) => env[v])).size, required.length, 'a different password for each user');
    assert.equal(statSync(file).mode & 0o777, 0o600, 'readable by its owner only');
    const ini = join(dir.path, 'config.secrets.ini');
    assert.equal(statSync(ini).mode & 0o777, 0o600, 'config.secrets.ini: private too');
    assert.doesNotMatch(
      readFileSync(ini, 'utf8').replace(/^;.*$/gm, ''),
      /\S/,
      'config.secrets.ini starts with comments only',
    );
    if (process.getuid?.() === 0) assert.equal(statSync(ini).uid, 1000, 'readable by the services (uid 1000)');
    writeFileSync(ini, '[radio1]\nurl = http://u:p@h/\n');
    for (const v of required) assert.ok(!first.stderr.includes(env[v]!), 'values are never printed');

    assert.doesNotThrow(() => loadCompose(env), 'docker compose finds every variable');
    const conf = checkNatsConf(env);
    assert.equal(conf.status, 0, `nats-server -t accepts nats.conf with them: ${conf.output}`);

    // Again: nothing changes. A missing (or emptied) one is added; the others stay.
    assert.equal(secrets(file).status, 0);
    assert.deepEqual(parse(readFileSync(file)), env);
    const text =
      readFileSync(file, 'utf8')
        .split('\n')
        .filter((l) => !l.startsWith('ISR_NATS_WEB_PASSWORD='))
        .join('\n') + 'ISR_NATS_WEB_PASSWORD=\nOTHER=kept\n';
    writeFileSync(file, text);
    assert.equal(secrets(file, '--delete-token').status, 0);
    const after = parse(readFileSync(file));
    assert.match(after.ISR_NATS_WEB_PASSWORD ?? '', /^isr[0-9a-f]{40}$/);
    assert.notEqual(after.ISR_NATS_WEB_PASSWORD, env.ISR_NATS_WEB_PASSWORD);
    assert.equal(after.ISR_NATS_SEGMENTER_PASSWORD, env.ISR_NATS_SEGMENTER_PASSWORD);
    assert.equal(after.OTHER, 'kept');
    assert.match(after.ISR_WEB_DELETE_TOKEN ?? '', /^isr[0-9a-f]{40}$/, '--delete-token adds the DELETE token');
    assert.equal(readFileSync(file, 'utf8').match(/^ISR_NATS_WEB_PASSWORD=/gm)?.length, 1, 'one line per variable');
    assert.equal(
      readFileSync(ini, 'utf8'),
      '[radio1]\nurl = http://u:p@h/\n',
      'config.secrets.ini is never overwritten',
    );
  } finally {
    await dir.remove();
  }
});
