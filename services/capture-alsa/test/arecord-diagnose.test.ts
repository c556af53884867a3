import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeArecordExit, diagnoseStderrLine, LineSplitter } from '../src/arecord-diagnose.ts';
import { arecordArgs } from '../src/arecord-process.ts';

test('arecord is asked for raw s16le at the configured rate, channels and device', () => {
  assert.deepEqual(arecordArgs({ device: 'plughw:CARD=PCH,DEV=0', sampleRate: 48000, channels: 2 }), [
    '-q',
    '-t',
    'raw',
    '-f',
    'S16_LE',
    '-r',
    '48000',
    '-c',
    '2',
    '-D',
    'plughw:CARD=PCH,DEV=0',
  ]);
});

test('a busy device gets a hint about dsnoop', () => {
  const v = diagnoseStderrLine('arecord: main:831: audio open error: Device or resource busy');
  assert.equal(v.level, 'error');
  assert.match(v.message, /busy.*dsnoop/);
  assert.equal(v.fatal, false);
});

test('a rate the device cannot do is fatal for the session', () => {
  const v = diagnoseStderrLine('Warning: rate is not accurate (requested = 44100Hz, got = 48000Hz)');
  assert.equal(v.fatal, true);
  assert.match(v.message, /sample_rate/);
});

test('overruns are flagged, progress lines are quiet', () => {
  assert.equal(diagnoseStderrLine('overrun!!! (at least 12.345 ms long)').overrun, true);
  assert.equal(
    diagnoseStderrLine("Recording raw data 'stdin' : Signed 16 bit Little Endian, Rate 8000 Hz, Mono").level,
    'debug',
  );
  assert.match(diagnoseStderrLine('arecord: pcm_read:2221: read error: No such device').message, /unplugged/);
});

test('stderr is split into lines whatever the chunking', () => {
  const s = new LineSplitter();
  assert.deepEqual([...s.push('ab'), ...s.push('c\nde'), ...s.push('f\r\n\n'), ...s.push('g')], ['abc', 'def']);
  assert.deepEqual(s.flush(), ['g']);
});

test('why a session ended: missing binary, stall, last stderr error, plain exit', () => {
  const ctx = { arecordPath: '/opt/arecord', stopping: false, stopReason: null, lastError: null };
  const enoent = Object.assign(new Error('spawn /opt/arecord ENOENT'), { code: 'ENOENT' });
  assert.equal(
    describeArecordExit({ code: null, signal: null, spawnError: enoent }, ctx),
    'arecord not found at "/opt/arecord": install alsa-utils or set arecord_path',
  );
  assert.equal(
    describeArecordExit({ code: null, signal: 'SIGKILL' }, { ...ctx, stopReason: 'no audio for 5 s' }),
    'no audio for 5 s',
  );
  assert.equal(
    describeArecordExit({ code: 1, signal: null }, { ...ctx, lastError: 'read error: No such device' }),
    'read error: No such device (arecord exit code 1)',
  );
  assert.equal(describeArecordExit({ code: 0, signal: null }, ctx), 'arecord ended (exit code 0)');
  assert.equal(describeArecordExit({ code: null, signal: 'SIGTERM' }, { ...ctx, stopping: true }), 'stopped');
});
