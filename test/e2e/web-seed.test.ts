// What a user of the seed's web.py expects, against real peers (nats-server, the analyzer and two webs in
// process, HTTP over real sockets): `--threshold` decides the page's loud sections (re-derived from the stored
// window series, the stored analysis kept), `/api/files` carries the seed's field names beside today's, and
// `/api/config` shows the effective configuration with every secret redacted.
import assert from 'node:assert/strict';
import { copyFile, mkdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { parseJson, Subjects, type AnalyzeRequest } from '@isr/contract';
import {
  connectBus,
  createLogger,
  createRegistry,
  parseConfig,
  provisionBus,
  type Bus,
  type RunningService,
} from '@isr/runtime';
import { freePort, soxSynth, startNatsServer, tempDir, waitFor, type NatsServerHandle } from '@isr/testkit';
import { startAnalyzer } from '../../services/analyzer/src/service.ts';
import { bundlePage } from '../../services/web/scripts/bundle-page.ts';
import { startWeb } from '../../services/web/src/service.ts';
import { webOptions, type WebArgs } from '../../services/web/src/web-options.ts';

const FILE = 'radio/2026-11-24/2026-11-24_10-00-00+0100.wav';
let nats: NatsServerHandle;
let tmp: { path: string; remove(): Promise<void> };
let rec: string;
let plain: string; // no --threshold: the stored analysis as it is
let flagged: string; // --threshold 0.3
let same: string; // --threshold 0.05, the analyzer's own threshold
const seen: AnalyzeRequest[] = [];
const running: RunningService[] = [];
const conns: Bus['nc'][] = [];
const log = createLogger({ service: 'test', level: 'error', pretty: false });

const WEB_INI = (dir: string) => `[general]
output_directory = ${dir}
web_delete_token = tok-secret-1
web_delete_user = admin
web_delete_password = pw-secret-2
[radio]
type = stream
url = https://listener:stream-secret-3@radio.example/live.mp3?token=stream-secret-4&bitrate=128
`;

async function busFor(
  name: string,
  ini: string,
  service: 'analyzer' | 'web' = 'web',
): Promise<{ config: ReturnType<typeof parseConfig>; bus: Bus }> {
  const config = parseConfig(ini, {
    service,
    file: join(tmp.path, `${name}.ini`),
    env: { NATS_URL: nats.url },
    cwd: tmp.path,
  });
  const nc = await connectBus(config, `test-${name}`, log);
  conns.push(nc);
  return { config, bus: await provisionBus(nc, config) };
}

async function web(name: string, args: WebArgs): Promise<string> {
  const port = await freePort();
  const { config, bus } = await busFor(name, WEB_INI(rec));
  running.push(
    await startWeb(
      { config, log, registry: createRegistry('web'), bus },
      { ...webOptions(config, { ...args, port }, tmp.path), host: '127.0.0.1' },
      await bundlePage(),
    ),
  );
  return `http://127.0.0.1:${port}`;
}

const json = async <T>(url: string): Promise<T> => {
  const res = await fetch(url);
  assert.equal(res.status, 200, `${url}: ${res.status} ${await res.clone().text()}`);
  return (await res.json()) as T;
};
type Analyze = {
  sections: { start: number; end: number }[];
  analysis: { params: { threshold: number }; sectionsFrom?: string; loudSections: unknown[] };
};

before(async () => {
  [nats, tmp] = await Promise.all([startNatsServer(), tempDir('isr-web-seed-')]);
  rec = join(tmp.path, 'rec');
  await mkdir(join(rec, 'radio', '2026-11-24'), { recursive: true });
  // 40 s of noise whose loudness swells and fades every 10 s: more of it passes 0.05 than 0.3.
  const fixture = join(tmp.path, 'f.wav');
  soxSynth(fixture, { rate: 16000, channels: 1 }, 'synth 40 pinknoise vol -4dB tremolo 0.1 100');
  await copyFile(fixture, join(rec, FILE));
  const a = await busFor(
    'analyzer',
    `[general]\noutput_directory = ${rec}\nanalyzer_concurrency = 1\nanalyzer_startup_scan = false\nanalyzer_live = false\n`,
    'analyzer',
  );
  running.push(await startAnalyzer({ config: a.config, log, registry: createRegistry('analyzer'), bus: a.bus }));
  [plain, flagged, same] = [
    await web('plain', {}),
    await web('flagged', { threshold: 0.3 }),
    await web('same', { threshold: 0.05 }),
  ];
  const observer = (await busFor('observer', '[general]\n')).bus;
  observer.nc.subscribe(Subjects.analyze, {
    callback: (_e, m) => void seen.push(parseJson<AnalyzeRequest>(m.data, 'request')),
  });
});

after(async () => {
  for (const r of running.reverse()) await r.close();
  for (const nc of conns) await nc.close();
  await nats?.stop();
  await tmp?.remove();
});

test("--threshold: the page's loud sections use it (re-derived from the stored windows), the row keeps the stored analysis, a flag equal to the stored threshold asks nothing", async () => {
  const q = `/api/analyze?file=${encodeURIComponent(FILE)}`;
  const stored = await json<Analyze>(plain + q);
  assert.equal(stored.analysis.params.threshold, 0.05);
  assert.ok(stored.sections.length > 0);

  const withFlag = await json<Analyze>(flagged + q);
  assert.equal(withFlag.analysis.params.threshold, 0.3, "the flag's threshold, not the stored analysis");
  assert.equal(withFlag.analysis.sectionsFrom, 'windows', 'no decode: re-derived from the stored window series');
  const loud = (s: { start: number; end: number }[]) => s.reduce((t, x) => t + x.end - x.start, 0);
  assert.ok(
    loud(withFlag.sections) < loud(stored.sections),
    `less is louder than 0.3 (${loud(withFlag.sections)} s) than 0.05 (${loud(stored.sections)} s)`,
  );
  assert.deepEqual((await json<{ threshold: number }>(`${flagged}/api/info`)).threshold, 0.3);

  // The row is the stored analysis (the analyzer's done event reached the flagged web's index too).
  const row = await waitFor(
    "the flagged web's row to carry the stored analysis",
    async () => {
      const f = (await json<{ files: { analysis: { loudSections: number } | null }[] }>(`${flagged}/api/files`))
        .files[0];
      return f?.analysis ? f : null;
    },
    10_000,
  );
  assert.equal(row.analysis!.loudSections, stored.analysis.loudSections.length);
  // The stored analysis is untouched: the plain web still gets the 0.05 sections.
  assert.deepEqual((await json<Analyze>(plain + q)).sections, stored.sections);

  const before = seen.length;
  for (const bad of ['-30', '1.5']) {
    const res = await fetch(`${plain}${q}&threshold=${bad}`);
    assert.equal(res.status, 400, `threshold=${bad}`);
    assert.equal(((await res.json()) as { code: string }).code, 'ISR_WEB_BAD_QUERY');
  }
  const sameAnswer = await json<Analyze>(same + q);
  assert.equal(sameAnswer.analysis.params.threshold, 0.05);
  assert.deepEqual(sameAnswer.sections, stored.sections);
  assert.equal(seen.length, before, "the stored analysis was made with the flag's threshold: no isr.analyze request");
});

test("/api/files: today's fields and the seed's (name, size, date, duration, ext, recording)", async () => {
  const body = await json<{ files: Record<string, unknown>[] }>(`${plain}/api/files`);
  const f = body.files[0]!;
  const size = (await stat(join(rec, FILE))).size;
  assert.equal(f.path, FILE);
  assert.equal(f.bytes, size);
  assert.equal(f.name, FILE, "the seed's name: the path /stream/ and ?file= take");
  assert.equal(f.size, size);
  assert.equal(f.date, '2026-11-24T10:00:00.000+01:00');
  assert.equal(f.date, f.start);
  assert.equal(f.duration, 40);
  assert.equal(f.duration, f.durationSeconds);
  assert.equal(f.ext, 'wav');
  assert.equal(f.recording, false);
});

test('/api/config: the effective configuration (flags included), every password, token and URL credential redacted', async () => {
  const res = await fetch(`${flagged}/api/config`);
  assert.equal(res.status, 200);
  const text = await res.text();
  for (const secret of ['tok-secret-1', 'pw-secret-2', 'stream-secret-3', 'stream-secret-4', 'listener'])
    assert.doesNotMatch(text, new RegExp(secret), `${secret} is not shown`);
  const c = JSON.parse(text) as {
    file: string;
    general: Record<string, unknown>;
    sources: { name: string; type: string; settings: Record<string, unknown> }[];
  };
  assert.equal(c.file, join(tmp.path, 'flagged.ini'));
  assert.equal(c.general.web_delete_token, '***');
  assert.equal(c.general.web_delete_password, '***');
  assert.equal(c.general.web_delete_user, 'admin');
  assert.equal(c.general.web_threshold, 0.3, '--threshold is part of the effective configuration');
  assert.equal(c.general.output_directory, rec);
  assert.equal(c.general.split_minutes, 60);
  assert.deepEqual(
    c.sources.map((s) => [s.name, s.type]),
    [['radio', 'stream']],
  );
  assert.equal(c.sources[0]!.settings.url, 'https://***@radio.example/live.mp3?token=***&bitrate=128');
});
