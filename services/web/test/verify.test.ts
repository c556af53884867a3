// /api/verify, clip provenance and web deletions in the manifest: the real web over a real socket, on WAV files
// made by sox whose manifest entries the real ManifestWriter appended (a hash chain over two days).
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { open, readFile, unlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { ManifestWriter, readManifest, sha256Hex } from '@isr/runtime';
import { soxSynth } from '@isr/testkit';
import { harness, write, type Harness } from './harness.ts';

const A = 'studio/2026-11-24/2026-11-24_05-59-57+0000.wav';
const B = 'studio/2026-11-24/2026-11-24_06-00-00+0000.wav';
const C = 'studio/2026-11-25/2026-11-25_00-00-00+0000.wav';
const CLI = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'packages', 'cli', 'src', 'main.ts');

/** 3 s of 48 kHz stereo noise per file (sox), each closed into the manifest by the segmenter's writer. */
async function fill(root: string): Promise<void> {
  const w = new ManifestWriter();
  for (const [rel, noise, start] of [
    [A, 'whitenoise', '2026-11-24T05:59:57.000Z'],
    [B, 'pinknoise', '2026-11-24T06:00:00.000Z'],
    [C, 'brownnoise', '2026-11-25T00:00:00.000Z'],
  ] as const) {
    const abs = await write(root, rel, '');
    soxSynth(abs, { rate: 48000, channels: 2 }, `synth 3 ${noise} vol 0.5`);
    const data = await readFile(abs);
    const end = new Date(Date.parse(start) + 3000).toISOString();
    await w.append(
      { root, source: 'studio', day: rel.split('/')[1]! },
      {
        op: 'closed',
        path: rel,
        start,
        end,
        frames: 144_000,
        durationSeconds: 3,
        bytes: data.length,
        sha256: sha256Hex(data),
      },
    );
  }
}

interface Verdict {
  path: string;
  status: string;
  detail?: string;
  sha256?: string;
  bytes?: number;
  manifest: { path: string; entry: number; line: { op: string; sha256?: string; reason?: string; by?: string } } | null;
  chainBreak: { manifest: string; entry: number; detail: string } | null;
}

async function verify(
  h: Harness,
  file: string,
): Promise<{ status: number; body: Verdict & { code?: string }; retryAfter: string | null }> {
  const res = await fetch(`${h.url}/api/verify?file=${encodeURIComponent(file)}`);
  return {
    status: res.status,
    body: (await res.json()) as Verdict & { code?: string },
    retryAfter: res.headers.get('retry-after'),
  };
}

const sha256sum = (abs: string): string => execFileSync('sha256sum', [abs], { encoding: 'utf8' }).split(' ')[0]!;

async function started(opts: Parameters<typeof harness>[0] = {}): Promise<Harness> {
  const h = await harness({ fill, ...opts });
  await h.listen();
  return h;
}

test('a file that matches its manifest entry is ok; one flipped byte in it makes it modified, the others stay ok', async () => {
  const h = await started();
  try {
    const a = await verify(h, A);
    assert.equal(a.status, 200);
    assert.equal(a.body.status, 'ok', a.body.detail);
    assert.equal(a.body.sha256, sha256sum(join(h.root, A)));
    assert.deepEqual([a.body.manifest?.path, a.body.manifest?.entry], ['studio/2026-11-24/manifest.jsonl', 1]);
    assert.equal(a.body.chainBreak, null);
    assert.equal((await verify(h, C)).body.status, 'ok', 'the chain is followed across days');

    const fh = await open(join(h.root, B), 'r+');
    const one = Buffer.alloc(1);
    await fh.read(one, 0, 1, 100_000);
    one[0] = one[0]! ^ 0x01;
    await fh.write(one, 0, 1, 100_000);
    await fh.close();
    const b = await verify(h, B);
    assert.equal(b.body.status, 'modified');
    assert.equal(b.body.sha256, sha256sum(join(h.root, B)));
    assert.match(
      b.body.detail!,
      /^SHA-256 [0-9a-f]{64}, entry 2 of studio\/2026-11-24\/manifest\.jsonl says [0-9a-f]{64}$/,
    );
    assert.equal((await verify(h, A)).body.status, 'ok');
  } finally {
    await h.close();
  }
});

test('a deleted file is missing, a foreign one unexpected, and an edited manifest line breaks the chain for the entries after it', async () => {
  const h = await started();
  try {
    await unlink(join(h.root, A));
    const a = await verify(h, A);
    assert.equal(a.status, 200);
    assert.equal(a.body.status, 'missing');
    assert.match(a.body.detail!, /entry 1 of studio\/2026-11-24\/manifest\.jsonl/);

    const foreign = 'studio/2026-11-24/2026-11-24_07-00-00+0000.wav';
    await write(h.root, foreign, await readFile(join(h.root, B)));
    assert.deepEqual(
      [(await verify(h, foreign)).body.status, (await verify(h, foreign)).body.detail],
      ['unexpected', 'in no manifest'],
    );

    // B's entry says its file lasted 4 s: B still matches its (edited) entry; C's entry no longer follows it.
    const day1 = join(h.root, 'studio/2026-11-24/manifest.jsonl');
    const m = await readManifest(day1);
    await writeFile(
      day1,
      [m.lines[0], m.lines[1]!.replace('"durationSeconds":3', '"durationSeconds":4'), ''].join('\n'),
    );
    const c = await verify(h, C);
    assert.equal(c.body.status, 'chain-broken');
    assert.deepEqual([c.body.chainBreak?.manifest, c.body.chainBreak?.entry], ['studio/2026-11-25/manifest.jsonl', 1]);
    assert.match(
      c.body.detail!,
      /^the file matches entry 1 of studio\/2026-11-25\/manifest\.jsonl, but the chain before it is broken at entry 1 of studio\/2026-11-25\/manifest\.jsonl: its prev is not the hash of the last entry of studio\/2026-11-24\/manifest\.jsonl$/,
    );
    assert.equal((await verify(h, B)).body.status, 'ok', 'an edit shows at the next entry of the chain');
  } finally {
    await h.close();
  }
});

test('/api/verify takes one recording path: others are refused by the route schema or as no recording', async () => {
  const h = await started();
  try {
    const q = async (s: string) => {
      const res = await fetch(`${h.url}/api/verify${s}`);
      return [res.status, ((await res.json()) as { code: string }).code];
    };
    assert.deepEqual(await q(''), [400, 'ISR_WEB_BAD_QUERY']);
    assert.deepEqual(await q(`?file=${encodeURIComponent(A)}&file=${encodeURIComponent(B)}`), [
      400,
      'ISR_WEB_BAD_QUERY',
    ]);
    assert.deepEqual(await q('?file=..%2Fetc%2Fpasswd'), [400, 'ISR_WEB_BAD_PATH']);
    assert.deepEqual(await q('?file=studio%2F2026-11-24%2Fmanifest.jsonl'), [404, 'ISR_WEB_NOT_FOUND']);
    assert.deepEqual(await q('?file=studio%2F2026-11-24%2Fnever.wav'), [404, 'ISR_WEB_NOT_FOUND']);
  } finally {
    await h.close();
  }
});

test('files are hashed one at a time (verifyMaxConcurrent 1): a second hash meanwhile is 429 with Retry-After, a remembered hash is not', async () => {
  const big = ['studio/2026-11-26/2026-11-26_00-00-00+0000.wav', 'studio/2026-11-26/2026-11-26_01-00-00+0000.wav'];
  const h = await started({
    verifyMaxConcurrent: 1,
    fill: async (root) => {
      await fill(root);
      const w = new ManifestWriter();
      for (const [i, rel] of big.entries()) {
        const data = Buffer.alloc(96 << 20, i + 1);
        await write(root, rel, data);
        await w.append(
          { root, source: 'studio', day: '2026-11-26' },
          {
            op: 'closed',
            path: rel,
            start: `2026-11-26T0${i}:00:00.000Z`,
            end: `2026-11-26T0${i}:59:59.000Z`,
            frames: 1,
            durationSeconds: 3599,
            bytes: data.length,
            sha256: sha256Hex(data),
          },
        );
      }
    },
  });
  try {
    assert.equal((await verify(h, A)).body.status, 'ok');
    const both = await Promise.all([verify(h, big[0]!), verify(h, big[1]!), verify(h, A)]);
    assert.deepEqual(
      both
        .map((r) => r.status)
        .slice(0, 2)
        .sort(),
      [200, 429],
    );
    const refused = both.find((r) => r.status === 429)!;
    assert.equal(refused.body.code, 'ISR_WEB_VERIFY_BUSY');
    assert.equal(refused.retryAfter, '1');
    assert.equal(both[2].status, 200, 'A was hashed before: answered from the remembered hash');
    assert.equal(both.find((r) => r.status === 200)!.body.status, 'ok');
  } finally {
    await h.close();
  }
});

test('a clip names its files and, aligned, their SHA-256 on record (= sha256sum); ?manifest=1 gives its provenance as JSON', async () => {
  const h = await started();
  try {
    const span = 'source=studio&start=2026-11-24T05:59:58.500Z&end=2026-11-24T06:00:01.250Z';
    const res = await fetch(`${h.url}/api/clip?${span}`);
    assert.equal(res.status, 200);
    await res.arrayBuffer();
    assert.equal(res.headers.get('x-isr-clip-files'), [A, B].map(encodeURIComponent).join(','));
    assert.equal(res.headers.get('x-isr-clip-sha256'), [A, B].map((p) => sha256sum(join(h.root, p))).join(','));

    const m = await fetch(`${h.url}/api/clip?${span}&manifest=1`);
    assert.equal(m.status, 200);
    assert.match(m.headers.get('content-type')!, /^application\/json/);
    const body = (await m.json()) as {
      source: string;
      start: string;
      end: string;
      format: string;
      frames: number;
      files: {
        path: string;
        sha256: string;
        manifest: { path: string; entry: number; line: { sha256: string; bytes: number } };
        chainBreak: unknown;
      }[];
    };
    assert.deepEqual(
      [body.source, body.start, body.end, body.format, body.frames],
      ['studio', '2026-11-24T05:59:58.500Z', '2026-11-24T06:00:01.250Z', 'wav', 132_000],
    );
    assert.deepEqual(
      body.files.map((f) => [
        f.path,
        f.sha256,
        f.manifest.path,
        f.manifest.entry,
        f.manifest.line.sha256,
        f.chainBreak,
      ]),
      [
        [A, sha256sum(join(h.root, A)), 'studio/2026-11-24/manifest.jsonl', 1, sha256sum(join(h.root, A)), null],
        [B, sha256sum(join(h.root, B)), 'studio/2026-11-24/manifest.jsonl', 2, sha256sum(join(h.root, B)), null],
      ],
    );
    const bad = await fetch(`${h.url}/api/clip?${span}&manifest=yes`);
    assert.equal(bad.status, 400);
  } finally {
    await h.close();
  }
});

test('a recording deleted through the web is a `deleted` entry of its chain (reason web, by the user): isr verify passes', async () => {
  const h = await started({ credentials: { user: 'ops', password: 'secret' } });
  try {
    const config = join(h.dir, 'config.ini');
    await writeFile(
      config,
      `[general]\noutput_directory = ${h.root}\n\n[studio]\ntype = stream\nurl = http://127.0.0.1:1/studio\n`,
    );
    const res = await fetch(`${h.url}/api/files/${B}`, {
      method: 'DELETE',
      headers: { authorization: `Basic ${Buffer.from('ops:secret').toString('base64')}` },
    });
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { deleted: B, manifest: true });
    // The chain reached 2026-11-25 already: the entry continues it there.
    const last = JSON.parse(
      (await readManifest(join(h.root, 'studio/2026-11-25/manifest.jsonl'))).lines.at(-1)!,
    ) as Record<string, unknown>;
    assert.deepEqual([last.op, last.path, last.reason, last.by], ['deleted', B, 'web', 'ops']);

    const v = await verify(h, B);
    assert.equal(v.body.status, 'deleted');
    assert.match(
      v.body.detail!,
      /^recorded as deleted \(web by ops\) at \d{4}-\d\d-\d\dT.*Z in entry 2 of studio\/2026-11-25\/manifest\.jsonl$/,
    );

    const run = await promisify(execFile)(process.execPath, [
      '--conditions=development',
      CLI,
      'verify',
      '--config',
      config,
    ]).catch((err: { code: number; stdout: string }) => err);
    assert.equal('code' in run ? run.code : 0, 0, run.stdout);
    assert.match(run.stdout, new RegExp(`^deleted +${B.replace(/[.+]/g, '\\$&')} .*web by ops`, 'm'));
  } finally {
    await h.close();
  }
});
