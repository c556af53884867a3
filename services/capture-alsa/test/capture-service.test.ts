import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  assertContiguous,
  checkCounter,
  frameCount,
  startNatsServer,
  startService,
  tapAudio,
  tempDir,
  waitFor,
  writeFakeArecord,
  type NatsServerHandle,
  type ServiceHandle,
  type StreamTap,
} from '@isr/testkit';
import { writeCaptureConfig } from './capture-config.ts';

// capture-alsa as users run it (built dist/main.js) against a real nats-server; the soundcard edge is a
// paced stand-in for arecord that prints a frame counter in odd-sized writes.

let nats: NatsServerHandle;
before(async () => {
  nats = await startNatsServer();
});
after(async () => {
  await nats.stop();
});

function config(
  dir: string,
  source: string,
  extra: string,
  general = '',
): Promise<{ path: string; metricsPort: number }> {
  return writeCaptureConfig(
    dir,
    nats.url,
    `output_directory = ${dir}\nreconnect_min_seconds = 0.3\nreconnect_max_seconds = 2\n${general}`,
    { [source]: extra },
  );
}

/** Runs the built capture-alsa on `cfg` with a tap on `source`; afterwards the service must stop with exit code 0. */
async function withCapture(
  cfg: string,
  source: string,
  body: (t: StreamTap, svc: ServiceHandle) => Promise<void>,
): Promise<void> {
  const svc = startService('capture-alsa', ['--config', cfg]);
  let tap: StreamTap | null = null;
  try {
    tap = await tapAudio(nats.url, source);
    await body(tap, svc);
  } finally {
    assert.equal(await svc.stop(), 0, svc.output());
    await tap?.close();
  }
}

test('publishes exact 100 ms chunks with contiguous offsets and seq; a failed arecord is logged and restarted as a new session', async () => {
  const dir = await tempDir();
  const source = 'mic';
  const fake = writeFakeArecord(dir.path, {
    seconds: 2.35,
    exitCode: 1,
    stderr: 'arecord: pcm_read:2221: read error: No such device',
    stateFile: join(dir.path, 'state'),
    argsLog: join(dir.path, 'args'),
  });
  const { path: cfg, metricsPort } = await config(
    dir.path,
    source,
    'device = hw:1,0\nsample_rate = 16000\nchannels = 2',
    `arecord_path = ${fake}`,
  );
  try {
    await withCapture(cfg, source, async (t, svc) => {
      await waitFor(
        'two sessions with audio',
        () => t.sessions().length >= 2 && t.of(t.sessions()[1]!).length >= 5,
        20_000,
      );
      const [s1, s2] = t.sessions();
      const first = t.of(s1!);
      assert.equal(assertContiguous(first, 1600), null);
      // 2.35 s at 16 kHz = 37600 frames: 23 whole chunks and a last one of 800
      assert.equal(frameCount(first), 37600);
      assert.equal(first.at(-1)!.meta.frames, 800);
      const pcm1 = Buffer.concat(first.map((c) => c.data));
      assert.deepEqual(checkCounter(pcm1, 2), { frames: 37600, start: 0, firstMismatch: null });
      for (const c of first) {
        assert.equal(c.meta.format, 'pcm');
        assert.equal(c.meta.codec, 'pcm_s16le');
        assert.equal(c.meta.sampleRate, 16000);
        assert.equal(c.meta.channels, 2);
      }
      assert.ok(Math.abs(first[0]!.meta.sessionStartMs - Date.now()) < 60_000);
      // the next session continues the device's counter: nothing captured was lost between sessions
      const second = t.of(s2!);
      assert.equal(assertContiguous(second, 1600), null);
      assert.equal(checkCounter(Buffer.concat(second.map((c) => c.data)), 2).start, 37600);
      assert.ok(second[0]!.meta.sessionStartMs >= first[0]!.meta.sessionStartMs + 2000);

      const logs = svc.logs();
      assert.ok(
        logs.some((l) => typeof l.arecord === 'string' && /read error: No such device/.test(l.arecord as string)),
        'arecord stderr is logged',
      );
      assert.ok(logs.some((l) => /restarting it after a pause/.test(String(l.msg))));
      const args = JSON.parse(readFileSync(join(dir.path, 'args'), 'utf8').split('\n')[0]!) as string[];
      assert.deepEqual(args, ['-q', '-t', 'raw', '-f', 'S16_LE', '-r', '16000', '-c', '2', '-D', 'hw:1,0']);

      const metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
      assert.match(metrics, /isr_capture_alsa_restarts_total\{source="mic",service="capture-alsa"\} [1-9]/);
      assert.match(metrics, /isr_capture_alsa_frames_total\{source="mic",service="capture-alsa"\} \d{5,}/);
      assert.match(metrics, /isr_capture_alsa_clock_drift_seconds\{source="mic",service="capture-alsa"\} -?\d/);
      assert.match(metrics, /isr_capture_alsa_up\{source="mic",service="capture-alsa"\} 1/);
    });
  } finally {
    await dir.remove();
  }
});

test('arecord missing: a clear error in the log and in isr_status, retried with backoff, no crash loop', async () => {
  const dir = await tempDir();
  const source = 'nocard';
  const { path: cfg } = await config(
    dir.path,
    source,
    'sample_rate = 8000\nchannels = 1',
    `arecord_path = ${join(dir.path, 'no-such-arecord')}`,
  );
  try {
    await withCapture(cfg, source, async (t, svc) => {
      const status = await waitFor(
        'error status',
        async () => {
          const s = await t.status(source);
          return s?.capture?.state === 'error' ? s : null;
        },
        15_000,
      );
      assert.match(
        status.capture!.message!,
        /arecord not found at ".*no-such-arecord": install alsa-utils or set arecord_path/,
      );
      await sleep(3000);
      assert.equal(svc.child.exitCode, null, 'the service keeps running');
      const attempts = svc.logs().filter((l) => l.msg === 'starting arecord').length;
      // 0.3 + 0.6 + 1.2 + 2 + 2 s …: a handful of attempts in ~4 s, not hundreds
      assert.ok(attempts >= 2 && attempts <= 6, `${attempts} attempts`);
      assert.ok(svc.logs().some((l) => l.level === 50 && /arecord not found/.test(String(l.msg))));
    });
  } finally {
    await dir.remove();
  }
});

test('a busy device and a rate the card cannot do: clear errors in isr_status with what to do, retried with backoff', async () => {
  const dir = await tempDir();
  try {
    const busy = writeFakeArecord(
      dir.path,
      { seconds: 0, exitCode: 1, stderr: 'arecord: main:831: audio open error: Device or resource busy' },
      'busy-arecord',
    );
    const { path: cfg } = await config(dir.path, 'busy', 'sample_rate = 8000\nchannels = 1', `arecord_path = ${busy}`);
    await withCapture(cfg, 'busy', async (t) => {
      const status = await waitFor(
        'busy in isr_status',
        async () => {
          const s = await t.status('busy');
          return s?.capture?.state === 'error' && /busy/.test(s.capture.message ?? '') ? s : null;
        },
        15_000,
      );
      assert.match(
        status.capture!.message!,
        /Device or resource busy: the device is busy: another program records from it \(share it with a dsnoop PCM/,
      );
      assert.equal(t.chunks.length, 0);
    });

    const wrongRate = writeFakeArecord(
      dir.path,
      {
        stderrAtStart:
          'Warning: rate is not accurate (requested = 44100Hz, got = 48000Hz)\nplease, try the plug plugin',
      },
      'rate-arecord',
    );
    const { path: cfg2 } = await config(
      dir.path,
      'rate',
      'sample_rate = 44100\nchannels = 1',
      `arecord_path = ${wrongRate}`,
    );
    await withCapture(cfg2, 'rate', async (t, svc) => {
      const status = await waitFor(
        'wrong rate in isr_status',
        async () => {
          const s = await t.status('rate');
          return /rate is not accurate/.test(s?.capture?.message ?? '') &&
            s?.capture?.state !== 'recording' &&
            s?.capture?.state !== 'connecting'
            ? s
            : null;
        },
        15_000,
      );
      assert.match(
        status.capture!.message!,
        /does not support this sample_rate: change sample_rate or use a plughw: device/,
      );
      await waitFor('a restart', () => svc.logs().filter((l) => l.msg === 'starting arecord').length >= 2, 10_000);
    });
  } finally {
    await dir.remove();
  }
});
