import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { buildWavHeader } from '../src/wav-header.ts';
import { harness, write, type Harness } from './harness.ts';

const wav = (seconds: number) => {
  const frames = seconds * 8000;
  return Buffer.concat([
    buildWavHeader({ sampleRate: 8000, channels: 1, bitsPerSample: 16, frames }),
    Buffer.alloc(frames * 2),
  ]);
};
const OLD = 'a/2026-11-23/2026-11-23_23-00-00+0100.wav';
const NEW = 'a/2026-11-24/2026-11-24_10-00-00+0100.wav';
const OTHER = 'b/2026-11-24/2026-11-24_09-00-00Z.wav';
const sidecar = {
  path: NEW,
  source: 'a',
  analyzedAt: '2026-11-24T10:01:00Z',
  rmsDbfs: -23.5,
  peakDbfs: -3,
  loudSections: [{ start: 1, end: 2 }],
  waveform: {
    version: 2,
    channels: 1,
    sample_rate: 8000,
    samples_per_pixel: 80,
    bits: 8,
    length: 2,
    data: [-1, 1, -2, 2],
  },
};

let h: Harness;
let locked: Harness;
before(async () => {
  const fill = async (root: string) => {
    await write(root, OLD, wav(2));
    await write(root, NEW, wav(3));
    await write(root, `${NEW}.analysis.json`, JSON.stringify(sidecar));
    await write(root, OTHER, wav(1));
    await write(root, 'status.json', '{}');
    await write(root, 'a/notes.txt', 'not audio');
  };
  h = await harness({ fill, credentials: { token: 'secret-token' } });
  locked = await harness({ fill });
});
after(async () => {
  await h.close();
  await locked.close();
});

test('GET /api/files: newest first with every field, filters and pagination, from the start-up scan', async () => {
  const res = await h.app.inject('/api/files');
  assert.equal(res.statusCode, 200);
  const body = res.json() as { total: number; files: Record<string, unknown>[]; sources: string[] };
  assert.equal(body.total, 3);
  assert.deepEqual(body.sources, ['a', 'b']);
  assert.deepEqual(
    body.files.map((f) => f.path),
    [NEW, OTHER, OLD],
  );
  const f = body.files[0]!;
  assert.equal(f.source, 'a');
  assert.equal(f.start, '2026-11-24T10:00:00.000+01:00');
  assert.equal(f.durationSeconds, 3);
  assert.equal(f.bytes, 44 + 48_000);
  assert.equal(f.container, 'wav');
  assert.equal(f.codec, 'pcm_s16le');
  assert.equal(f.recording, false);
  assert.deepEqual(f.analysis, { rmsDbfs: -23.5, peakDbfs: -3, lufs: null, loudSections: 1, error: null });
  const filtered = (
    await h.app.inject('/api/files?source=a&from=2026-11-24T00:00:00%2B01:00&to=2026-11-25T00:00:00%2B01:00')
  ).json() as { files: { path: string }[] };
  assert.deepEqual(
    filtered.files.map((x) => x.path),
    [NEW],
  );
  const page2 = (await h.app.inject('/api/files?limit=1&offset=1')).json() as {
    total: number;
    files: { path: string }[];
  };
  assert.deepEqual([page2.total, page2.files.map((x) => x.path)], [3, [OTHER]]);
  assert.equal((await h.app.inject('/api/files?limit=0')).statusCode, 400);
  assert.equal((await h.app.inject('/api/files?from=notatime')).statusCode, 400);
});

test('GET /api/analyze reads the sidecar; without an analyzer a file with none is a clear 503', async () => {
  const res = await h.app.inject(`/api/analyze?file=${encodeURIComponent(NEW)}`);
  assert.equal(res.statusCode, 200);
  const a = res.json() as { sections: unknown; waveform: { data: number[] }; summary: { rmsDbfs: number } };
  assert.deepEqual(a.sections, [{ start: 1, end: 2 }]);
  assert.deepEqual(a.waveform.data, [-1, 1, -2, 2]);
  const none = await h.app.inject(`/api/analyze?file=${encodeURIComponent(OLD)}`);
  assert.equal(none.statusCode, 503);
  assert.equal((none.json() as { code: string }).code, 'ISR_WEB_ANALYZER_UNAVAILABLE');
  assert.equal((await h.app.inject('/api/analyze?file=../etc/passwd')).statusCode, 400);
  assert.equal((await h.app.inject('/api/analyze')).statusCode, 400);
});

test('DELETE: disabled without credentials, 401 without them, 409 while recording, else removes file, sidecar and index entry', async () => {
  assert.equal((await locked.app.inject({ method: 'DELETE', url: `/api/files/${NEW}` })).statusCode, 403);
  assert.equal(((await locked.app.inject('/api/info')).json() as { deleteEnabled: boolean }).deleteEnabled, false);
  assert.equal((await h.app.inject({ method: 'DELETE', url: `/api/files/${NEW}` })).statusCode, 401);
  assert.equal(
    (await h.app.inject({ method: 'DELETE', url: `/api/files/${NEW}`, headers: { authorization: 'Bearer wrong' } }))
      .statusCode,
    401,
  );
  h.deps.index.upsert({ path: OTHER, recording: true, durationSeconds: null });
  assert.equal(
    (
      await h.app.inject({
        method: 'DELETE',
        url: `/api/files/${OTHER}`,
        headers: { authorization: 'Bearer secret-token' },
      })
    ).statusCode,
    409,
  );
  assert.ok(existsSync(join(h.root, OTHER)));
  const ok = await h.app.inject({
    method: 'DELETE',
    url: `/api/files/${NEW}`,
    headers: { authorization: 'Bearer secret-token' },
  });
  assert.equal(ok.statusCode, 200, ok.body);
  assert.ok(!existsSync(join(h.root, NEW)) && !existsSync(join(h.root, `${NEW}.analysis.json`)));
  assert.equal(h.deps.index.get(NEW), undefined);
  assert.equal(
    (
      await h.app.inject({
        method: 'DELETE',
        url: `/api/files/${NEW}`,
        headers: { authorization: 'Bearer secret-token' },
      })
    ).statusCode,
    404,
  );
  // Only recordings: not status.json, not a note, not a sidecar.
  for (const other of ['status.json', 'a/notes.txt', `${OLD}.analysis.json`]) {
    if (other.endsWith('.json') && other !== 'status.json') await write(h.root, other, '{}');
    assert.equal(
      (
        await h.app.inject({
          method: 'DELETE',
          url: `/api/files/${other}`,
          headers: { authorization: 'Bearer secret-token' },
        })
      ).statusCode,
      404,
      other,
    );
    assert.ok(existsSync(join(h.root, other)), other);
  }
});

test('GET /api/storage, /api/status, /metrics, /healthz and the page', async () => {
  const s = (await h.app.inject('/api/storage')).json() as {
    totalBytes: number;
    freeBytes: number;
    sources: Record<string, { bytes: number }>;
  };
  assert.ok(s.totalBytes > 0 && s.freeBytes > 0 && s.freeBytes <= s.totalBytes);
  assert.ok(s.sources.a!.bytes > 0);
  assert.deepEqual((await h.app.inject('/api/status')).json(), { active: [], sources: [] });
  const m = await h.app.inject('/metrics');
  assert.match(m.body, /isr_web_index_recordings \d/);
  assert.match(m.body, /isr_web_http_request_duration_seconds_bucket/);
  const lint = spawnSync('promtool', ['check', 'metrics'], { input: m.body, encoding: 'utf8' });
  assert.equal(lint.status, 0, lint.stdout + lint.stderr);
  assert.equal((await h.app.inject('/healthz')).statusCode, 200);
  const page = await h.app.inject('/');
  assert.equal(page.statusCode, 200);
  assert.match(page.headers['content-type'] as string, /text\/html/);
  assert.match(page.body, /<table id="files">/);
  assert.equal((await h.app.inject('/app.js')).statusCode, 200);
});
