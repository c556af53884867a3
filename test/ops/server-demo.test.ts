// `script/server` as a first-time user runs it: in a copy of the repository with no config.ini it runs the
// embedded demo (a line-up tone source), and within 90 s the archive has a closed file that plays, listed with an
// analysis, and the demo source shows as recording. Ctrl+C (SIGINT) then stops everything it started.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ffmpegErrors, freePort, repoRoot, tempDir, waitFor } from '@isr/testkit';
import { alive, descendants, startEnv } from './processes.ts';

let dir: { path: string; remove(): Promise<void> };
before(async () => {
  dir = await tempDir('isr-server-demo-');
});
after(async () => {
  await dir.remove();
});

/** A copy of the working tree as a user's clone would have it after script/bootstrap (dependencies hard-linked: fast). */
function copyRepo(to: string): void {
  const skip = new Set(['.git', 'node_modules', '.node', 'recordings', '.isr', 'config.ini']);
  const entries = readdirSync(repoRoot)
    .filter((e) => !skip.has(e))
    .map((e) => join(repoRoot, e));
  execFileSync('cp', ['-a', ...entries, to]);
  const linked = ['node_modules', '.node'].filter((e) => existsSync(join(repoRoot, e))).map((e) => join(repoRoot, e));
  execFileSync('cp', ['-al', ...linked, to]);
}

interface FileRow {
  path: string;
  source: string;
  recording: boolean;
  durationSeconds: number | null;
  analysis: { peakDbfs: number | null; rmsDbfs: number | null } | null;
}

test('script/server without config.ini records the demo tone into files that play, list, get analyzed; SIGINT stops all', async () => {
  const repo = join(dir.path, 'isr');
  execFileSync('mkdir', [repo]);
  copyRepo(repo);
  assert.ok(!existsSync(join(repo, 'config.ini')));
  const [web, nats, monitor] = [await freePort(), await freePort(), await freePort()];
  let out = '';
  const server = spawn(join(repo, 'script/server'), ['--nats-monitor-port', String(monitor)], {
    cwd: repo,
    env: { ...startEnv(), PORT: String(web), NATS_URL: `nats://127.0.0.1:${nats}` },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  server.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  server.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const api = async <T>(path: string) =>
    (await fetch(`http://127.0.0.1:${web}${path}`).then(
      (r) => (r.ok ? r.json() : null),
      () => null,
    )) as T | null;
  let procs: number[] = [];
  try {
    const started = Date.now();
    await waitFor(
      `the demo is announced\n${out}`,
      () => /running the demo/.test(out) || server.exitCode !== null,
      60_000,
      200,
    );
    assert.doesNotMatch(out, /bootstrap: installing/, 'a clone that has its dependencies installs nothing again');
    assert.match(out, /http:\/\/localhost:\d+\//, 'it prints where the archive is');
    assert.match(out, /cp config\.example\.ini config\.ini/, 'it says how to record real sources');
    procs = descendants(server.pid!);

    const status = await waitFor(
      '/api/status shows the demo source recording',
      async () => {
        const s = await api<{ sources: { source: string; state: string }[] }>('/api/status');
        return s?.sources.some((x) => x.source === 'demo' && x.state === 'recording') ? s : null;
      },
      60_000,
      500,
    );
    assert.ok(status);
    const row = await waitFor(
      `a closed demo file with an analysis in /api/files within 90 s\n${out.slice(-3000)}`,
      async () => {
        const page = await api<{ files: FileRow[] }>('/api/files?source=demo');
        return page?.files.find((f) => !f.recording && f.analysis?.peakDbfs != null) ?? null;
      },
      Math.max(1000, 90_000 - (Date.now() - started)),
      1000,
    );
    const file = join(repo, 'recordings', row.path);
    assert.ok(existsSync(file), `${file} is on disk, in ./recordings of the clone`);
    assert.equal(ffmpegErrors(file), '', `${row.path} decodes cleanly`);
    assert.ok(
      row.durationSeconds! > 0 && row.durationSeconds! <= 60.01,
      `a file of at most a minute (${row.durationSeconds} s)`,
    );
    // the default demo tone: a sine peaking at -18 dBFS
    assert.ok(Math.abs(row.analysis!.peakDbfs! + 18) < 0.5, `peak ${row.analysis!.peakDbfs} dBFS ≈ -18`);
    assert.match(readFileSync(join(repo, '.isr/demo.ini'), 'utf8'), /type = tone/);
  } finally {
    procs = [...new Set([...procs, ...descendants(server.pid!)])];
    server.kill('SIGINT');
    const code = await new Promise<number | null>((r) =>
      server.exitCode !== null ? r(server.exitCode) : server.once('exit', (c) => r(c)),
    );
    await waitFor(
      `no process left after SIGINT\n${out.slice(-2000)}`,
      () => procs.every((p) => !alive(p)),
      30_000,
      200,
    );
    assert.equal(code, 0, `script/server exits 0 on SIGINT\n${out.slice(-2000)}`);
  }
});
