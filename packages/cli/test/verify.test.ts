// `isr verify` as a user runs it: the real command (a child process reading config.ini like the services) over a
// small archive written through the real manifest writer, then tampered with in each way the command must name.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { ManifestWriter, sha256Hex } from '@isr/runtime';
import { tempDir } from '@isr/testkit';

const MAIN = join(dirname(fileURLToPath(import.meta.url)), '..', 'src', 'main.ts');

interface Run {
  code: number;
  lines: string[];
  stderr: string;
}

async function isr(args: string[], opts: { cwd?: string; env?: Record<string, string> } = {}): Promise<Run> {
  const env: Record<string, string | undefined> = { ...process.env, ...opts.env };
  if (!opts.env?.ISR_CONFIG) delete env.ISR_CONFIG;
  try {
    const { stdout, stderr } = await promisify(execFile)(
      process.execPath,
      ['--conditions=development', MAIN, ...args],
      { cwd: opts.cwd, env },
    );
    return { code: 0, lines: stdout.trim().split('\n'), stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, lines: e.stdout.trim().split('\n'), stderr: e.stderr };
  }
}

/** The lines of a run for one status, as `status path[ entry N]` (details dropped). */
function of(r: Run, status: string): string[] {
  return r.lines.filter((l) => l.startsWith(status + ' ')).map((l) => l.replace(/ {2}\(.*\)$/, '').replace(/ +/, ' '));
}

interface Archive {
  dir: string;
  config: string;
  /** Recordings of source `a`, in order: 3 on 2026-11-30, 3 on 2026-12-01. */
  files: string[];
  remove(): Promise<void>;
}

/** Writes six recordings of source `a` over two days (and one of `b`) with their manifest entries. */
async function archive(): Promise<Archive> {
  const tmp = await tempDir('isr-cli-');
  const dir = join(tmp.path, 'rec');
  const config = join(tmp.path, 'config.ini');
  writeFileSync(
    config,
    `[general]\noutput_directory = ${dir}\n\n[a]\ntype = stream\nurl = http://127.0.0.1:1/a\n\n[b]\ntype = stream\nurl = http://127.0.0.1:1/b\n`,
  );
  const w = new ManifestWriter();
  const files: string[] = [];
  const add = async (source: string, day: string, i: number): Promise<string> => {
    const rel = `${source}/${day}/${day}_0${i}-00-00+0000.mp3`;
    const data = Buffer.alloc(3000 + i * 17, `${rel} audio `);
    mkdirSync(dirname(join(dir, rel)), { recursive: true });
    writeFileSync(join(dir, rel), data);
    const start = `${day}T0${i}:00:00.000Z`;
    await w.append(
      { root: dir, source, day },
      {
        op: 'closed',
        path: rel,
        start,
        end: `${day}T0${i}:59:59.000Z`,
        frames: 100,
        durationSeconds: 3599,
        bytes: data.length,
        sha256: sha256Hex(data),
      },
    );
    return rel;
  };
  for (const day of ['2026-11-30', '2026-12-01']) for (const i of [1, 2, 3]) files.push(await add('a', day, i));
  await add('b', '2026-12-01', 1);
  return { dir, config, files, remove: () => tmp.remove() };
}

test('a clean archive verifies: every file ok, exit 0, and the command finds config.ini like the services (--config, positional, ISR_CONFIG, ./config.ini)', async () => {
  const a = await archive();
  try {
    const r = await isr(['verify', '--config', a.config]);
    assert.equal(r.code, 0, r.lines.join('\n') + r.stderr);
    assert.deepEqual(
      of(r, 'ok'),
      [...a.files, 'b/2026-12-01/2026-12-01_01-00-00+0000.mp3'].map((f) => `ok ${f}`),
    );
    assert.match(r.lines.at(-1)!, /2 sources: 7 ok — no problems/);
    assert.equal((await isr(['verify', a.config])).code, 0, 'the config file as the positional argument');
    assert.equal((await isr(['verify'], { env: { ISR_CONFIG: a.config } })).code, 0, 'ISR_CONFIG');
    const cwd = dirname(a.config);
    assert.equal((await isr(['verify'], { cwd })).code, 0, './config.ini');
  } finally {
    await a.remove();
  }
});

test('one byte flipped in a middle file: that file is reported modified, nothing else; exit 1', async () => {
  const a = await archive();
  try {
    const target = join(a.dir, a.files[1]!);
    const b = readFileSync(target);
    b[b.length >> 1]! ^= 0x01;
    writeFileSync(target, b);
    const r = await isr(['verify', '--config', a.config]);
    assert.equal(r.code, 1);
    assert.deepEqual(of(r, 'modified'), [`modified ${a.files[1]}`]);
    assert.match(
      r.lines.find((l) => l.startsWith('modified'))!,
      /SHA-256 [0-9a-f]{64}, the manifest says [0-9a-f]{64}/,
    );
    assert.equal(of(r, 'ok').length, 6);
    assert.match(r.lines.at(-1)!, /1 problem$/);
  } finally {
    await a.remove();
  }
});

test('a deleted file is reported missing, a foreign file unexpected, each precisely', async () => {
  const a = await archive();
  try {
    unlinkSync(join(a.dir, a.files[4]!));
    const foreign = 'a/2026-11-30/2026-11-30_01-30-00+0000.mp3';
    writeFileSync(join(a.dir, foreign), 'not ours');
    const r = await isr(['verify', '--config', a.config]);
    assert.equal(r.code, 1);
    assert.deepEqual(of(r, 'missing'), [`missing ${a.files[4]}`]);
    assert.deepEqual(of(r, 'unexpected'), [`unexpected ${foreign}`]);
    assert.deepEqual([...of(r, 'modified'), ...of(r, 'chain-broken')], []);
    assert.match(r.lines.at(-1)!, /2 problems$/);
  } finally {
    await a.remove();
  }
});

test("an edited manifest line breaks the chain at the entry after it; an edited last line of a day at the next day's first entry", async () => {
  const a = await archive();
  try {
    const m1 = join(a.dir, 'a', '2026-11-30', 'manifest.jsonl');
    const original = readFileSync(m1, 'utf8');
    let lines = original.split('\n');
    // Entry 2 now claims another size: its own prev is intact, so the break shows at entry 3.
    lines[1] = lines[1]!.replace(/"bytes":(\d+)/, (_m, n: string) => `"bytes":${Number(n) + 1}`);
    writeFileSync(m1, lines.join('\n'));
    let r = await isr(['verify', '--config', a.config]);
    assert.equal(r.code, 1);
    assert.deepEqual(of(r, 'chain-broken'), ['chain-broken a/2026-11-30/manifest.jsonl entry 3']);
    assert.match(
      r.lines.find((l) => l.startsWith('chain-broken'))!,
      /not the hash of entry 2 of a\/2026-11-30\/manifest.jsonl: that entry was changed/,
    );
    assert.deepEqual(of(r, 'modified'), [`modified ${a.files[1]}`], 'the file no longer matches the edited entry');

    // Restore, then change the day's last line: the next day's first entry no longer follows it.
    lines = original.split('\n');
    lines[2] = lines[2]!.replace('"frames":100', '"frames":101');
    writeFileSync(m1, lines.join('\n'));
    r = await isr(['verify', '--config', a.config]);
    assert.deepEqual(of(r, 'chain-broken'), ['chain-broken a/2026-12-01/manifest.jsonl entry 1']);
    assert.deepEqual(of(r, 'modified'), []);
    // A removed line: the entry after it is where the chain breaks.
    const m2 = join(a.dir, 'a', '2026-12-01', 'manifest.jsonl');
    const l2 = readFileSync(m2, 'utf8').split('\n');
    writeFileSync(m2, [l2[0], l2[2], ''].join('\n'));
    r = await isr(['verify', '--config', a.config, '--from', '2026-12-01']);
    assert.deepEqual(of(r, 'chain-broken'), [
      'chain-broken a/2026-12-01/manifest.jsonl entry 1',
      'chain-broken a/2026-12-01/manifest.jsonl entry 2',
    ]);
    assert.deepEqual(
      of(r, 'unexpected'),
      [`unexpected ${a.files[4]}`],
      'the file whose entry was removed is in no manifest',
    );
  } finally {
    await a.remove();
  }
});

test('--source and --from/--to narrow the report; a deleted entry (retention) is no problem; bad arguments exit 2', async () => {
  const a = await archive();
  try {
    const w = new ManifestWriter();
    rmSync(join(a.dir, a.files[0]!));
    await w.append(
      { root: a.dir, source: 'a', day: '2026-11-30' },
      { op: 'deleted', path: a.files[0]!, reason: 'retention', bytes: 3017, at: '2026-12-01T04:00:00.000Z' },
    );
    assert.ok(
      readFileSync(join(a.dir, 'a', '2026-12-01', 'manifest.jsonl'), 'utf8').includes('"op":"deleted"'),
      'the deletion continues the chain in the newest manifest',
    );
    let r = await isr(['verify', '--config', a.config, '--source', 'a']);
    assert.equal(r.code, 0, r.lines.join('\n'));
    assert.deepEqual(of(r, 'deleted'), [`deleted ${a.files[0]}`]);
    assert.equal(of(r, 'ok').length, 5);
    r = await isr(['verify', '--config', a.config, '--source', 'a', '--from', '2026-12-01', '--to', '2026-12-01']);
    assert.deepEqual(
      of(r, 'ok'),
      a.files.slice(3).map((f) => `ok ${f}`),
    );
    writeFileSync(join(a.dir, a.files[0]!), 'back again');
    r = await isr(['verify', '--config', a.config, '--quiet']);
    assert.equal(r.code, 1);
    assert.deepEqual(of(r, 'unexpected'), [`unexpected ${a.files[0]}`]);
    assert.equal(r.lines.length, 2, '--quiet prints the problems and the summary only');
    for (const bad of [
      ['verify', '--from', '1.12.2026'],
      ['verify', '--bogus'],
      ['verify', '--source', 'a b'],
      ['frobnicate'],
    ]) {
      const b = await isr([...bad, '--config', a.config]);
      assert.equal(b.code, 2, bad.join(' '));
      assert.match(b.stderr, /usage: isr verify/);
    }
  } finally {
    await a.remove();
  }
});

test("the file being recorded (named by the segmenter's journal) is reported open, not unexpected", async () => {
  const a = await archive();
  try {
    const rel = 'a/2026-12-01/2026-12-01_04-00-00+0000.mp3';
    writeFileSync(join(a.dir, rel), 'recording now');
    let r = await isr(['verify', '--config', a.config]);
    assert.deepEqual(of(r, 'unexpected'), [`unexpected ${rel}`], 'without a journal naming it, it is a foreign file');
    mkdirSync(join(a.dir, '.isr', 'segmenter'), { recursive: true });
    writeFileSync(
      join(a.dir, '.isr', 'segmenter', 'journal-a.json'),
      JSON.stringify({ v: 1, sources: { a: { v: 1, source: 'a', file: { rel } } } }),
    );
    r = await isr(['verify', '--config', a.config]);
    assert.equal(r.code, 0, r.lines.join('\n'));
    assert.deepEqual(of(r, 'open'), [`open ${rel}`]);
  } finally {
    await a.remove();
  }
});
