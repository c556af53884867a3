import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  assertContiguous,
  checkCounter,
  FifoWriter,
  frameCount,
  repoRoot,
  startNatsServer,
  startService,
  tapAudio,
  tempDir,
  waitFor,
  writeAlsaTestConfig,
  type NatsServerHandle,
  type StreamTap,
} from '@isr/testkit';
import { writeCaptureConfig } from './capture-config.ts';

// The real arecord, reading an ALSA file-plugin PCM whose input is a FIFO fed at real-time pace.

let nats: NatsServerHandle;
before(async () => {
  nats = await startNatsServer();
});
after(async () => {
  await nats.stop();
});

test('--list-devices lists the test PCM and says plainly that there is no soundcard, without NATS', async () => {
  const dir = await tempDir();
  try {
    const { configPath } = writeAlsaTestConfig(dir.path, ['testin']);
    const { stdout, code } = await new Promise<{ stdout: string; code: number | null }>((resolve) => {
      execFile(
        process.execPath,
        [join(repoRoot, 'services/capture-alsa/dist/main.js'), '--list-devices'],
        {
          env: { ...process.env, ALSA_CONFIG_PATH: configPath, ISR_CONFIG: join(dir.path, 'absent.ini') },
          timeout: 20_000,
        },
        (err, out) => resolve({ stdout: out, code: err ? ((err as { code?: number }).code ?? 1) : 0 }),
      );
    });
    assert.equal(code, 0);
    assert.match(stdout, /^No soundcard found/m);
    assert.match(stdout, /^ {2}testin {2}ISR test input fed through .*testin\.fifo$/m);
    assert.match(stdout, /config: device = testin/);
  } finally {
    await dir.remove();
  }
});

test('the device vanishes: arecord stalls and is restarted, its error is logged and in isr_status, capture resumes without losing a frame', async () => {
  const dir = await tempDir();
  const source = 'fifo';
  const { configPath, pcms } = writeAlsaTestConfig(dir.path, ['testin']);
  const { path: cfg } = await writeCaptureConfig(
    dir.path,
    nats.url,
    `output_directory = ${dir.path}\nreconnect_min_seconds = 0.3\nreconnect_max_seconds = 1`,
    {
      [source]: 'device = testin\nsample_rate = 8000\nchannels = 1\narecord_stall_seconds = 1.5',
    },
  );
  const writer = new FifoWriter({ fifo: pcms[0]!.fifo, sampleRate: 8000, channels: 1 });
  // the writer waits for arecord to open the FIFO, so the first period flows as soon as arecord starts
  const writing = writer.start();
  const svc = startService('capture-alsa', ['--config', cfg], { ALSA_CONFIG_PATH: configPath });
  let tap: StreamTap | null = null;
  try {
    const t = (tap = await tapAudio(nats.url, source));
    await writing;
    await waitFor('3 s of audio', () => frameCount(t.chunks) >= 24_000, 20_000);
    await writer.pause({ unlink: true });
    const framesBefore = writer.framesWritten;

    await waitFor(
      'the stall to be noticed',
      () => svc.logs().some((l) => /delivered no audio/.test(String(l.msg))),
      10_000,
    );
    await waitFor(
      'the stalled arecord to exit',
      () => svc.logs().some((l) => /^arecord exited/.test(String(l.msg))),
      10_000,
    );
    await waitFor(
      'arecord failing to open the vanished device',
      () => svc.logs().some((l) => /audio open error: No such file or directory/.test(String(l.arecord))),
      10_000,
    );
    const status = await waitFor(
      'the error in isr_status',
      async () => {
        const s = await t.status(source);
        return s?.capture?.message && /No such file or directory/.test(s.capture.message) ? s : null;
      },
      10_000,
    );
    assert.notEqual(status.capture!.state, 'recording');

    await writer.resume();
    const [s1] = t.sessions();
    await waitFor(
      'a new session with 2 s of audio',
      () => {
        const last = t.sessions().at(-1)!;
        return last !== s1 && frameCount(t.of(last)) >= 16_000;
      },
      20_000,
    );

    const first = t.of(s1!);
    assert.equal(assertContiguous(first, 800), null);
    assert.deepEqual(checkCounter(Buffer.concat(first.map((c) => c.data)), 1), {
      frames: framesBefore,
      start: 0,
      firstMismatch: null,
    });
    const resumed = t.of(t.sessions().at(-1)!);
    assert.equal(assertContiguous(resumed, 800), null);
    const check = checkCounter(Buffer.concat(resumed.map((c) => c.data)), 1);
    assert.equal(check.start, framesBefore % 65536, 'the resumed session starts where the device stopped');
    assert.equal(check.firstMismatch, null);
    const sessionsWithAudio = t.sessions().filter((s) => t.of(s).length > 0);
    assert.equal(sessionsWithAudio.length, 2, 'failed attempts publish nothing');
    const restarts = svc.logs().filter((l) => l.msg === 'starting arecord').length;
    assert.ok(restarts >= 3 && restarts <= 12, `${restarts} arecord starts`);
  } catch (err) {
    throw new Error(`${(err as Error).message}\n--- capture-alsa output:\n${svc.output()}`, { cause: err });
  } finally {
    await writer.pause().catch(() => {}); // keep the FIFO open: arecord must not read EOF (stale-data flood)
    assert.equal(await svc.stop(), 0, svc.output());
    await writer.stop().catch(() => {});
    await tap?.close();
    await dir.remove();
  }
});

test('a PCM that stops keeping time (the file plugin at EOF repeats stale data at full speed) is stopped within seconds of audio', async () => {
  const dir = await tempDir();
  const source = 'eof';
  const { configPath, pcms } = writeAlsaTestConfig(dir.path, ['testeof']);
  const { path: cfg } = await writeCaptureConfig(
    dir.path,
    nats.url,
    'reconnect_min_seconds = 0.5\nreconnect_max_seconds = 1',
    {
      [source]: 'device = testeof\nsample_rate = 8000\nchannels = 1',
    },
  );
  const writer = new FifoWriter({ fifo: pcms[0]!.fifo, sampleRate: 8000, channels: 1, seconds: 3 });
  const writing = writer.start();
  const svc = startService('capture-alsa', ['--config', cfg], { ALSA_CONFIG_PATH: configPath });
  let tap: StreamTap | null = null;
  try {
    const t = (tap = await tapAudio(nats.url, source));
    await writing;
    await writer.finished();
    await writer.stop(); // EOF under a running arecord
    await waitFor('the flood to be stopped', () => svc.logs().some((l) => l.code === 'ISR_ALSA_TOO_FAST'), 10_000);
    await waitFor('arecord to exit', () => svc.logs().some((l) => /^arecord exited/.test(String(l.msg))), 10_000);
    // the reason is written when the flood is detected, the state once arecord has exited: wait for both
    await waitFor(
      'the reason in isr_status, and the state no longer recording',
      async () => {
        const s = await t.status(source);
        return /faster than real time/.test(s?.capture?.message ?? '') && s?.capture?.state !== 'recording' ? s : null;
      },
      10_000,
    );
    const [s1] = t.sessions();
    await sleep(500);
    const frames = frameCount(t.of(s1!));
    // the flood is cut at the first chunk more than 2 s ahead of real time
    assert.ok(
      frames >= 24_000 && frames <= 24_000 + 8000 * 3,
      `${frames} frames published in the first session, not a flood`,
    );
    const pcm = Buffer.concat(t.of(s1!).map((c) => c.data)).subarray(0, 24_000 * 2);
    assert.deepEqual(
      checkCounter(pcm, 1),
      { frames: 24_000, start: 0, firstMismatch: null },
      'the real audio before the EOF is intact',
    );
  } finally {
    assert.equal(await svc.stop(), 0, svc.output());
    await writer.stop().catch(() => {});
    await tap?.close();
    await dir.remove();
  }
});
