// JetStream's sync_interval: nats.conf includes nats-sync.conf inside its jetstream block. The repository's copy is
// empty (nats-server 2.9, which has no sync_interval); compose (nats 2.10+) mounts nats-sync-always.conf over it,
// or nats-sync-1s.conf with ISR_NATS_SYNC=1s. 2.10 does not run here, so the 2.10 files are checked as far as 2.9
// can: parsed inside the jetstream block, and refused for nothing but the field 2.9 does not know.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { NATS_USERS, natsServerBinary, repoRoot, tempDir } from '@isr/testkit';
import { loadCompose, testSecrets } from './compose-file.ts';

const passwords = Object.fromEntries(Object.values(NATS_USERS).map((v) => [v, 'isrtest']));
const natsCheck = (dir: string) =>
  spawnSync(natsServerBinary(), ['-t', '-c', join(dir, 'nats.conf')], {
    env: { ...process.env, ...passwords },
    encoding: 'utf8',
  });

test('nats.conf takes sync_interval from nats-sync.conf, inside its jetstream block', () => {
  const conf = readFileSync(join(repoRoot, 'nats.conf'), 'utf8');
  const js = /^jetstream \{([\s\S]*?)^\}/m.exec(conf)?.[1] ?? '';
  assert.match(js, /^\s*include \.\/nats-sync\.conf$/m);
  assert.doesNotMatch(
    readFileSync(join(repoRoot, 'nats-sync.conf'), 'utf8').replace(/#.*$/gm, ''),
    /\S/,
    'empty for 2.9',
  );
});

for (const [variant, value] of [
  ['always', 'always'],
  ['1s', '1s'],
] as const) {
  test(`compose with ISR_NATS_SYNC=${variant === 'always' ? '(default)' : variant} mounts nats-sync-${variant}.conf: sync_interval ${value}, refused by 2.9 for that field alone`, async () => {
    const env = variant === 'always' ? testSecrets() : { ...testSecrets(), ISR_NATS_SYNC: variant };
    const vols = loadCompose(env).services.nats?.volumes ?? [];
    assert.ok(vols.includes(`./nats-sync-${variant}.conf:/etc/nats/nats-sync.conf:ro`), vols.join(' '));
    assert.ok(vols.includes('./nats.conf:/etc/nats/nats.conf:ro'), 'beside nats.conf, which includes it');
    const file = join(repoRoot, `nats-sync-${variant}.conf`);
    assert.match(readFileSync(file, 'utf8'), new RegExp(`^sync_interval: ${value}$`, 'm'));
    const dir = await tempDir('isr-nats-sync-');
    try {
      copyFileSync(join(repoRoot, 'nats.conf'), join(dir.path, 'nats.conf'));
      copyFileSync(join(repoRoot, 'nats-sync.conf'), join(dir.path, 'nats-sync.conf'));
      const ok = natsCheck(dir.path);
      assert.equal(ok.status, 0, `the 2.9 layout is valid: ${ok.stderr}`);
      copyFileSync(file, join(dir.path, 'nats-sync.conf'));
      const r = natsCheck(dir.path);
      const version = spawnSync(natsServerBinary(), ['--version'], { encoding: 'utf8' }).stdout;
      if (/v2\.9\./.test(version)) {
        assert.notEqual(r.status, 0);
        assert.match(
          r.stderr,
          /nats-sync\.conf:\d+:\d+: unknown field "sync_interval"/,
          'parsed inside jetstream, and only the 2.10 field is refused',
        );
      } else assert.equal(r.status, 0, `${version}: ${r.stderr}`);
    } finally {
      await dir.remove();
    }
  });
}
