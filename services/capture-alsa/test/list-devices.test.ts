// `--list-devices` end to end through the service's own entry point: the real arecord on ALSA file-plugin PCMs
// (no soundcard here), and a stand-in arecord printing what a machine with a USB card and a busy card prints.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { repoRoot, tempDir } from '@isr/testkit';

const MAIN = join(repoRoot, 'services/capture-alsa/src/main.ts');

function listDevices(
  env: Record<string, string>,
  args: string[] = ['--list-devices'],
): Promise<{ stdout: string; stderr: string; code: number }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--conditions=development', MAIN, ...args],
      { env: { ...process.env, ...env }, timeout: 30_000 },
      (err, stdout, stderr) =>
        resolve({ stdout, stderr, code: err ? Number((err as { code?: number }).code ?? 1) : 0 }),
    );
  });
}

test('the real arecord: each PCM with its channels and sample rates (a PCM fixed to 2 channels shows it)', async () => {
  const dir = await tempDir();
  try {
    const raw = join(dir.path, 'in.raw');
    writeFileSync(raw, Buffer.alloc(64_000));
    // A regular file as input (a FIFO without a writer would block arecord's open), and a "multi" PCM over it
    // whose two bindings fix the channel count at 2.
    writeFileSync(
      join(dir.path, 'asound.conf'),
      `</usr/share/alsa/alsa.conf>
pcm.anyin { type file; slave.pcm "null"; file "/dev/null"; infile "${raw}"; format "raw"; hint { show on; description "ISR test input" } }
pcm.stereoin { type multi; slaves.a.pcm "anyin"; slaves.a.channels 2; bindings.0.slave a; bindings.0.channel 0; bindings.1.slave a; bindings.1.channel 1; hint { show on; description "ISR stereo test input" } }
`,
    );
    const r = await listDevices({
      ALSA_CONFIG_PATH: join(dir.path, 'asound.conf'),
      ISR_CONFIG: join(dir.path, 'absent.ini'),
    });
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stdout,
      /^ {2}anyin {2}ISR test input\n {6}any channel count and sample rate \(ALSA converts\)\n {6}config: device = anyin$/m,
    );
    assert.match(
      r.stdout,
      /^ {2}stereoin {2}ISR stereo test input\n {6}channels 2, any sample rate \(ALSA converts\)\n {6}config: device = stereoin$/m,
    );
  } finally {
    await dir.remove();
  }
});

test('a stand-in arecord: a USB card with its ranges, a busy card said to be busy; --list-devices takes the config file positionally', async () => {
  const dir = await tempDir();
  try {
    const fake = join(dir.path, 'arecord');
    writeFileSync(
      fake,
      `#!/bin/sh
case "$*" in
  -l) printf '%s\\n' '**** List of CAPTURE Hardware Devices ****' 'card 1: CODEC [USB Audio CODEC], device 0: USB Audio [USB Audio]' '  Subdevices: 1/1' 'card 2: PCH [HDA Intel PCH], device 0: ALC3246 Analog [ALC3246 Analog]' '  Subdevices: 0/1' ;;
  -L) printf '%s\\n' 'null' '    Discard all samples' ;;
  *CARD=CODEC*) printf '%s\\n' 'HW Params of device "hw:CARD=CODEC,DEV=0":' '--------------------' 'FORMAT:  S16_LE' 'CHANNELS: [1 2]' 'RATE: [44100 48000]' '--------------------' >&2; exit 1 ;;
  *CARD=PCH*) echo 'arecord: main:831: audio open error: Device or resource busy' >&2; exit 1 ;;
esac
`,
    );
    chmodSync(fake, 0o755);
    const ini = join(dir.path, 'my.ini');
    writeFileSync(ini, `[general]\narecord_path = ${fake}\n`);
    const r = await listDevices({}, [ini, '--list-devices']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stdout,
      /hw:1,0 {2}card 1 "USB Audio CODEC" \[CODEC\], device 0 "USB Audio"\n {6}channels 1–2, sample rates 44100–48000 Hz \(of the usual: 44100, 48000\), formats S16_LE\n/,
    );
    assert.match(
      r.stdout,
      /hw:2,0 {2}card 2 "HDA Intel PCH" \[PCH\], device 0 "ALC3246 Analog"\n {6}channels and sample rates unknown: busy \(another program records from it — ISR's own capture\?\)\n/,
    );
    const bad = await listDevices({}, [ini, '--list-devices', '--bogus']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /unknown option --bogus/);
  } finally {
    await dir.remove();
  }
});
