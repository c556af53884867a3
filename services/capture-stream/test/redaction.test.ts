// Credentials in stream URLs never reach what ISR shows: isr_status (hence /api/status and /api/events), the log,
// the metrics. A real capture-stream against unreachable hosts and a bad server, with user:pass@ and tokens.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Buckets, type SourceStatus } from '@isr/contract';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { jetstream } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import { freePort, startNatsServer, tempDir, waitFor, type NatsServerHandle } from '@isr/testkit';
import { startBadServer, startCapture, waitForAudioStream, writeConfig, type CaptureProcess } from './harness.ts';

const SECRETS = ['S3cretPass', 'T0kenValue', 'PagePass9', 'K3yValue', 'R3dirPass', 'AccT0k', 'alice', 'carol', 'dave'];

let nats: NatsServerHandle;
let bad: Awaited<ReturnType<typeof startBadServer>>;
let dir: Awaited<ReturnType<typeof tempDir>>;
let capture: CaptureProcess;
let nc: NatsConnection;

before(async () => {
  dir = await tempDir('isr-cs-redact-');
  nats = await startNatsServer();
  bad = await startBadServer([], `http://dave:R3dirPass@127.0.0.1:${await freePort()}/next?access_token=AccT0k`);
  const config = await writeConfig(dir.path, {
    refused: { url: `http://alice:S3cretPass@127.0.0.1:${await freePort()}/live.mp3?token=T0kenValue&bitrate=128` },
    page: { url: bad.html.replace('http://', 'http://carol:PagePass9@') + '?api_key=K3yValue' },
    redirected: { url: bad.redirect },
  });
  capture = await startCapture(config, nats.url);
  nc = await connect({ servers: nats.url });
  await waitForAudioStream(nats.url);
});

after(async () => {
  await nc?.close();
  const code = await capture?.svc.stop();
  await Promise.all([bad?.close(), nats?.stop()]);
  await dir?.remove();
  assert.equal(code, 0, `capture-stream exit code; output:\n${capture?.svc.output().slice(-3000)}`);
});

test('a stream URL with user:pass@ and a token shows redacted in status, log and metrics', async () => {
  const kv = await new Kvm(jetstream(nc)).open(Buckets.status);
  const messages: Record<string, string> = {};
  for (const source of ['refused', 'page', 'redirected']) {
    const st = await waitFor(
      `error status of ${source}`,
      async () => {
        const s = (await kv.get(source))?.json<SourceStatus>();
        return s?.capture?.state === 'error' && s.capture.message ? s : null;
      },
      30_000,
    );
    messages[source] = st.capture!.message!;
    await waitFor(
      `${source} retried`,
      () => capture.svc.logs().filter((l) => l.source === source && /^connecting/.test(String(l.msg))).length >= 2,
      20_000,
    );
  }
  // The host stays, so the operator still sees which stream failed.
  assert.match(messages.refused!, /ECONNREFUSED/);
  assert.match(messages.refused!, /http:\/\/\*\*\*@127\.0\.0\.1:\d+\/live\.mp3\?token=\*\*\*&bitrate=128/);
  assert.match(messages.page!, /not (MP3 )?audio/);
  const metrics = await capture.metrics();
  const log = capture.svc.output();
  assert.ok(
    capture.svc.logs().some((l) => typeof l.url === 'string' && l.url.includes('***@127.0.0.1')),
    'the log names the redacted URL',
  );
  for (const secret of SECRETS) {
    for (const [source, m] of Object.entries(messages))
      assert.ok(!m.includes(secret), `status of ${source} shows ${secret}: ${m}`);
    assert.ok(!metrics.includes(secret), `metrics show ${secret}`);
    const line = log.split('\n').find((l) => l.includes(secret));
    assert.equal(line, undefined, `the log shows ${secret}`);
  }
});
