import assert from 'node:assert/strict';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { join, resolve, sep } from 'node:path';
import { after, before, test } from 'node:test';
import { WebError } from '../src/errors.ts';
import { checkRelativePath, decodeUrlPath } from '../src/safe-path.ts';
import { harness, write, type Harness } from './harness.ts';

const MARKER = 'TOP-SECRET-OUTSIDE-THE-ROOT';
const GOOD = 'src1/2026-11-24/2026-11-24_05-00-00+0000.mp3';
const ATOMS = [
  '..',
  '.',
  '%2e%2e',
  '%2E%2e',
  '%252e%252e',
  '%25252e',
  '.%2e',
  '%2e.',
  '%2f',
  '%2F',
  '%5c',
  '%5C',
  '\\',
  '/',
  '//',
  '%00',
  '%0a',
  '%c0%ae%c0%ae',
  '%e0%80%ae',
  '%ff',
  '%',
  '%2',
  '..;',
  ';',
  'src1',
  '2026-11-24',
  '2026-11-24_05-00-00+0000.mp3',
  'link-out.mp3',
  'dirlink',
  'secret.txt',
  'etc',
  'passwd',
  '~',
  'C:',
  'x'.repeat(260),
  '....',
  '%2e%2e%2f',
  '..%5c',
  '%u002e',
  'a b',
  'ü',
];

function rng(seed: number) {
  return () => (seed = (Math.imul(seed, 1103515245) + 12345) & 0x7fffffff) / 0x7fffffff;
}

/** ≥ 500 hostile or odd relative paths (still URL-encoded) built from traversal atoms. */
function generatePaths(n: number, seed: number): string[] {
  const r = rng(seed);
  const out = new Set<string>();
  while (out.size < n) {
    const k = 1 + Math.floor(r() * 7);
    let p = '';
    for (let i = 0; i < k; i++) {
      p += ATOMS[Math.floor(r() * ATOMS.length)];
      if (r() < 0.6) p += r() < 0.8 ? '/' : '%2f';
    }
    if (r() < 0.1) p = '/' + p;
    if (r() < 0.05) p = p.repeat(20);
    out.add(p);
  }
  return [...out];
}

const MALFORMED_RANGES = [
  'bytes=-',
  'bytes=--1',
  'bytes=1-0',
  'bytes=0-1,2-3',
  'bytes=abc',
  'bytes=99999999999999999999999-',
  'bytes=-99999999999999999999',
  'bits=0-1',
  'bytes=0-0x10',
  ' bytes = 1 - 2 ',
  'bytes=\t5-',
  'bytes=1e3-',
  'bytes=+1-2',
  '',
  'bytes=0-' + '9'.repeat(100),
];

test('pure: every generated path is refused with a 400 WebError or stays inside the root', () => {
  const root = '/srv/recordings';
  const paths = generatePaths(1500, 7);
  let refused = 0;
  for (const raw of paths) {
    try {
      const rel = checkRelativePath(decodeUrlPath(raw));
      assert.ok(resolve(root, rel).startsWith(root + sep), `${raw} → ${rel}`);
    } catch (err) {
      assert.ok(err instanceof WebError && err.status === 400, `${raw}: ${String(err)}`);
      refused++;
    }
  }
  assert.ok(refused > 1000, `refused ${refused}`);
});

let h: Harness;
before(async () => {
  h = await harness({
    credentials: { token: 't0ken' },
    fill: async (root) => {
      await write(root, GOOD, Buffer.alloc(1000, 7));
    },
  });
  const outside = join(h.dir, 'outside');
  await mkdir(outside);
  await writeFile(join(outside, 'secret.txt'), MARKER);
  await writeFile(join(h.dir, 'secret.txt'), MARKER);
  await symlink(join(outside, 'secret.txt'), join(h.root, 'src1', 'link-out.mp3'));
  await symlink(outside, join(h.root, 'dirlink'));
  await h.listen();
});
after(() => h.close());

/** A raw HTTP/1.1 exchange, so the path reaches the server byte for byte (no client normalisation). */
function raw(
  method: string,
  path: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; text: string }> {
  const port = Number(new URL(h.url).port);
  return new Promise((resolveP, reject) => {
    const s = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    s.on('data', (d) => chunks.push(d));
    s.on('error', reject);
    s.setTimeout(5000, () => reject(new Error(`no answer to ${method} ${path}`)));
    s.on('close', () => {
      const text = Buffer.concat(chunks).toString('latin1');
      resolveP({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0), text });
    });
    const extra = Object.entries(headers)
      .map(([k, v]) => `${k}: ${v}\r\n`)
      .join('');
    s.write(
      `${method} ${path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer t0ken\r\n${extra}Connection: close\r\n\r\n`,
      'latin1',
    );
  });
}

test('symlinks leading outside the root are refused with 403', async () => {
  const first = await raw('GET', '/stream/src1/link-out.mp3');
  assert.equal(first.status, 403, first.text);
  assert.equal((await raw('GET', '/stream/dirlink/secret.txt')).status, 403);
  assert.equal((await raw('GET', '/api/analyze?file=dirlink/secret.txt')).status, 403);
  assert.equal((await raw('GET', `/stream/${GOOD}`)).status, 200);
});

test('real server: 600 generated paths on every path endpoint and malformed Range headers never leak a byte from outside', async () => {
  const paths = generatePaths(600, 99);
  const endpoints: [string, (p: string) => string][] = [
    ['GET', (p) => `/stream/${p}`],
    ['GET', (p) => `/download/${p}`],
    ['HEAD', (p) => `/stream/${p}`],
    ['GET', (p) => `/api/analyze?file=${p}`],
    ['DELETE', (p) => `/api/files/${p}`],
  ];
  const seen = new Map<number, number>();
  let i = 0;
  for (const p of paths) {
    const [method, url] = endpoints[i++ % endpoints.length]!;
    const range = MALFORMED_RANGES[i % MALFORMED_RANGES.length]!;
    const res = await raw(method, url(p).replace(/[\r\n ]/g, '%20'), range ? { Range: range } : {});
    seen.set(res.status, (seen.get(res.status) ?? 0) + 1);
    assert.ok(
      !res.text.includes(MARKER) && !res.text.includes('root:x:0:0'),
      `${method} ${url(p)} leaked: ${res.text.slice(0, 300)}`,
    );
    assert.ok([200, 206, 400, 403, 404, 416, 503].includes(res.status), `${method} ${url(p)} → ${res.status}`);
  }
  assert.ok((seen.get(400) ?? 0) > 300, JSON.stringify([...seen]));
  // The good file survived the DELETE fuzzing (no generated path reaches it exactly but check anyway).
  for (const range of MALFORMED_RANGES) {
    const res = await raw('GET', `/stream/${GOOD}`, range ? { Range: range } : {});
    assert.ok([200, 206, 416].includes(res.status), `${range} → ${res.status}`);
    const cr = /content-range: bytes (\d+)-(\d+)\/(\d+)/i.exec(res.text);
    if (res.status === 206)
      assert.ok(cr && Number(cr[2]) < 1000 && Number(cr[1]) <= Number(cr[2]), res.text.slice(0, 200));
  }
});
