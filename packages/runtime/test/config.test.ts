import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, parseConfig, type LoadOptions } from '@isr/runtime';

const opts = (env: Record<string, string> = {}): LoadOptions & { file: string } => ({
  service: 'capture-stream',
  file: '/etc/isr/config.ini',
  env,
  cwd: '/srv',
});

function problems(text: string, env: Record<string, string> = {}): readonly string[] {
  try {
    parseConfig(text, opts(env));
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return err.problems;
  }
  assert.fail('expected a ConfigError');
}

test('sections inherit [general] and may override it', () => {
  const c = parseConfig(
    `[general]\noutput_directory = rec\nsplit_minutes = 0.25\n[radio1]\ntype = stream\nurl = http://x/stream\n[radio2]\ntype = stream\nurl = https://y/s\nsplit_minutes = 5\n[mic]\ntype = soundcard\ndevice = shared_mic\nformat = flac\n`,
    opts(),
  );
  assert.equal(c.general.output_directory, '/srv/rec');
  const [r1, r2, mic] = c.sources;
  assert.equal(r1!.settings.split_minutes, 0.25);
  assert.equal(r2!.settings.split_minutes, 5);
  assert.equal(r1!.settings.output_directory, '/srv/rec');
  assert.equal(mic!.type, 'soundcard');
  assert.equal(mic!.settings.format, 'flac');
  assert.equal(mic!.settings.sample_rate, 48000);
  assert.equal(r1!.settings.sample_rate, undefined, 'soundcard keys do not leak into streams');
  assert.ok(Object.isFrozen(c.sources[0]!.settings));
});

test('environment overrides: NATS_URL, METRICS_PORT, output directory', () => {
  const c = parseConfig(
    '[general]\n',
    opts({ NATS_URL: 'nats://a:1, nats://b:2', METRICS_PORT: '9999', ISR_OUTPUT_DIRECTORY: '/data' }),
  );
  assert.deepEqual(c.nats.servers, ['nats://a:1', 'nats://b:2']);
  assert.equal(c.metricsPort, 9999);
  assert.equal(c.general.output_directory, '/data');
});

test('every problem is reported at once, naming file, section and key', () => {
  const p = problems(
    `[general]\nsplit_minutes = soon\nsplit_minuts = 5\n[radio 1]\ntype = stream\n[r2]\ntype = tape\n[r3]\ntype = stream\n[r4]\ntype = stream\nurl = ftp://x\ndevice = hw:0\n`,
  );
  const all = p.join('\n');
  assert.match(all, /\/etc\/isr\/config\.ini \[general\] split_minutes: expected a number/);
  assert.match(all, /\[general\] split_minuts: unknown key \(did you mean "split_minutes"\?\)/);
  assert.match(all, /\[radio 1\]: source name may contain only letters/);
  assert.match(all, /\[r2\] type: unknown source type "tape"/);
  assert.match(all, /\[r3\] url: required key is missing/);
  assert.match(all, /\[r4\] url: must be an http/);
  assert.match(all, /\[r4\] device: does not apply to type = stream/);
  assert.equal(p.length, 7);
});

test('malformed values and misplaced keys', () => {
  assert.match(problems('[general]\nsplit_minutes = 0\n').join(), /split_minutes: must be at least/);
  assert.match(problems('[general]\nurl = http://x\n').join(), /url: belongs in a source section/);
  assert.match(problems('orphan = 1\n[general]\n').join(), /outside any \[section\]/);
  assert.match(problems('[m]\ntype = soundcard\nchannels = 2.5\n').join(), /channels: expected a whole number/);
  assert.match(
    problems('[general]\n', { METRICS_PORT: '70000' }).join(),
    /METRICS_PORT → capture_stream_metrics_port: must be at most 65535/,
  );
});

test('a tone section: PCM keys and tone keys with their defaults; soundcard-only keys do not apply', () => {
  const c = parseConfig(
    '[general]\nsplit_minutes = 1\n[lineup]\ntype = tone\ntone_level_dbfs = -12\nformat = flac\n',
    opts(),
  );
  const t = c.sources[0]!;
  assert.equal(t.type, 'tone');
  assert.deepEqual(
    [
      t.settings.sample_rate,
      t.settings.channels,
      t.settings.format,
      t.settings.tone_frequency,
      t.settings.tone_level_dbfs,
      t.settings.tone_silence_seconds,
      t.settings.tone_period_seconds,
    ],
    [48000, 2, 'flac', 1000, -12, 1, 10],
  );
  assert.equal(t.settings.device, undefined);
});

test('bad tone sections name file, section and key: unknown key, level above 0 dBFS, negative silence, silence ≥ period, frequency ≥ Nyquist', () => {
  const all = problems(
    '[t1]\ntype = tone\ntone_levl_dbfs = -3\ndevice = hw:0\n[t2]\ntype = tone\ntone_level_dbfs = 3\ntone_silence_seconds = -1\n[t3]\ntype = tone\ntone_silence_seconds = 10\n[t4]\ntype = tone\nsample_rate = 8000\ntone_frequency = 4000\n',
  ).join('\n');
  assert.match(all, /\/etc\/isr\/config\.ini \[t1\] tone_levl_dbfs: unknown key \(did you mean "tone_level_dbfs"\?\)/);
  assert.match(all, /\[t1\] device: does not apply to type = tone/);
  assert.match(all, /\[t2\] tone_level_dbfs: must be at most 0 \(got "3"\)/);
  assert.match(all, /\[t2\] tone_silence_seconds: must be at least 0 \(got "-1"\)/);
  assert.match(all, /\[t3\] tone_silence_seconds: must be less than tone_period_seconds \(10\)/);
  assert.match(all, /\[t4\] tone_frequency: must be below half the sample_rate \(4000 Hz\)/);
});

test("--sources (or ISR_SOURCES) selects this instance's share of one config; an unknown name is an error", () => {
  const text = '[general]\n[a]\ntype = tone\n[b]\ntype = tone\n[c]\ntype = stream\nurl = http://x/s\n';
  assert.deepEqual(
    parseConfig(text, opts()).sources.map((s) => s.name),
    ['a', 'b', 'c'],
  );
  assert.deepEqual(
    parseConfig(text, { ...opts(), argv: ['--config', 'x.ini', '--sources', 'a, c'] }).sources.map((s) => s.name),
    ['a', 'c'],
  );
  assert.deepEqual(
    parseConfig(text, { ...opts(), argv: ['--sources=b'] }).sources.map((s) => s.name),
    ['b'],
  );
  assert.deepEqual(
    parseConfig(text, opts({ ISR_SOURCES: 'c' })).sources.map((s) => s.name),
    ['c'],
  );
  assert.throws(
    () => parseConfig(text, { ...opts(), argv: ['--sources', 'a,zz'] }),
    /--sources: no section \[zz\] in \/etc\/isr\/config.ini/,
  );
});
