import assert from 'node:assert/strict';
import { test } from 'node:test';
import { capabilityText, parseHwParams } from '../src/device-caps.ts';

// `arecord -D hw:CARD=CODEC,DEV=0 --dump-hw-params …` of a USB audio codec (alsa-utils 1.2.8), trimmed.
const USB = `Recording WAVE '/dev/null' : Signed 16 bit Little Endian, Rate 8000 Hz, Mono
HW Params of device "hw:CARD=CODEC,DEV=0":
--------------------
ACCESS:  MMAP_INTERLEAVED RW_INTERLEAVED
FORMAT:  S16_LE S24_3LE
SUBFORMAT:  STD
SAMPLE_BITS: [16 24]
FRAME_BITS: [16 48]
CHANNELS: [1 2]
RATE: [8000 96000]
PERIOD_TIME: [125 1000000]
--------------------
arecord: set_params:1358: Channels count non available
`;
// The ALSA file plugin over "null" (the test soundcard): it takes anything.
const ANY = `HW Params of device "testin":
--------------------
FORMAT:  S8 U8 S16_LE S16_BE
CHANNELS: [1 1073741823]
RATE: [1 4294967295]
--------------------
`;

test('arecord --dump-hw-params: channel and rate ranges, single values, open intervals', () => {
  assert.deepEqual(parseHwParams(USB), {
    channels: { min: 1, max: 2 },
    rate: { min: 8000, max: 96000 },
    formats: ['S16_LE', 'S24_3LE'],
  });
  assert.deepEqual(parseHwParams('CHANNELS: 2\nRATE: 48000\nFORMAT:  S32_LE\n'), {
    channels: { min: 2, max: 2 },
    rate: { min: 48000, max: 48000 },
    formats: ['S32_LE'],
  });
  assert.deepEqual(parseHwParams('CHANNELS: (0 8]\nRATE: [44100 48000)\n'), {
    channels: { min: 1, max: 8 },
    rate: { min: 44100, max: 47999 },
    formats: [],
  });
  assert.equal(parseHwParams('arecord: main:831: audio open error: Device or resource busy\n'), null);
});

test('the listing\'s words: ranges, the rates a config can use, "any" for a converting PCM', () => {
  assert.equal(
    capabilityText(parseHwParams(USB)!),
    'channels 1–2, sample rates 8000–96000 Hz (of the usual: 8000, 11025, 16000, 22050, 32000, 44100, 48000, 88200, 96000), formats S16_LE S24_3LE',
  );
  assert.equal(
    capabilityText(parseHwParams('CHANNELS: 2\nRATE: 48000\nFORMAT:  S32_LE\n')!),
    'channels 2, sample rate 48000 Hz, formats S32_LE',
  );
  assert.equal(capabilityText(parseHwParams(ANY)!), 'any channel count and sample rate (ALSA converts)');
});
