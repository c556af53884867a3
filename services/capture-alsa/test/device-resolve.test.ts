import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { parseHardwareList, parsePcmList } from '../src/device-list.ts';
import { formatDeviceListing } from '../src/device-listing.ts';
import { needsInventory, resolveDevice, type DeviceInventory } from '../src/device-resolve.ts';
import { CaptureErrorCodes } from '../src/errors.ts';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');
const inventory = (l: string, L: string): DeviceInventory => ({
  hardware: parseHardwareList(fixture(l)),
  pcms: parsePcmList(fixture(L)),
});
const studio = inventory('arecord-l.studio.txt', 'arecord-L.studio.txt');
const none = inventory('arecord-l.none.txt', 'arecord-L.none.txt');

test('parses arecord -l into cards and devices', () => {
  assert.deepEqual(studio.hardware, [
    { card: 0, cardId: 'PCH', cardName: 'HDA Intel PCH', device: 0, deviceName: 'ALC3246 Analog' },
    { card: 1, cardId: 'Loopback', cardName: 'Loopback', device: 0, deviceName: 'Loopback PCM' },
    { card: 1, cardId: 'Loopback', cardName: 'Loopback', device: 1, deviceName: 'Loopback PCM' },
    { card: 2, cardId: 'CODEC', cardName: 'USB Audio CODEC', device: 0, deviceName: 'USB Audio' },
  ]);
  assert.deepEqual(none.hardware, []);
});

test('parses arecord -L into PCM names with their descriptions', () => {
  assert.equal(studio.pcms.length, 16);
  assert.deepEqual(studio.pcms[1], {
    name: 'shared_mic',
    description: 'Microphone of hw:0,0 shared by darkice and ISR (dsnoop)',
  });
  assert.deepEqual(
    studio.pcms.find((p) => p.name === 'hw:CARD=PCH,DEV=0'),
    {
      name: 'hw:CARD=PCH,DEV=0',
      description: 'HDA Intel PCH, ALC3246 Analog — Direct hardware device without any conversions',
    },
  );
  assert.deepEqual(parsePcmList('testin\n'), [{ name: 'testin', description: '' }]);
});

test('default is passed through', () => {
  assert.equal(resolveDevice('default', studio).device, 'default');
  assert.equal(resolveDevice('', none).by, 'default');
  assert.equal(needsInventory('default'), false);
});

test('exact hw:X,Y and plughw:X,Y are used as written', () => {
  for (const spec of ['hw:0,0', 'plughw:2,0', 'hw:1,1,3', 'hw:CARD=PCH,DEV=0', 'plughw:Loopback,1']) {
    assert.deepEqual(resolveDevice(spec, none), { device: spec, by: 'exact', label: spec });
    assert.equal(needsInventory(spec), false, spec);
  }
});

test('a PCM name from arecord -L, such as the dsnoop shared_mic, is used as written', () => {
  const r = resolveDevice('shared_mic', studio);
  assert.equal(r.device, 'shared_mic');
  assert.equal(r.by, 'pcm');
  assert.match(r.label, /darkice/);
  assert.equal(needsInventory('shared_mic'), true);
});

test('a partial card name matches case-insensitively and resolves to a stable plughw:CARD= name', () => {
  assert.equal(resolveDevice('usb', studio).device, 'plughw:CARD=CODEC,DEV=0');
  assert.equal(resolveDevice('Intel', studio).device, 'plughw:CARD=PCH,DEV=0');
  assert.equal(resolveDevice('alc3246', studio).device, 'plughw:CARD=PCH,DEV=0');
  assert.equal(resolveDevice('codec', studio).by, 'card');
});

test("monitor is the Loopback card's capture side (device 1)", () => {
  const r = resolveDevice('monitor', studio);
  assert.equal(r.device, 'plughw:CARD=Loopback,DEV=1');
  assert.equal(r.by, 'monitor');
});

test('monitor prefers a PCM named like a monitor', () => {
  const inv = {
    hardware: studio.hardware,
    pcms: [...studio.pcms, { name: 'speaker_monitor', description: 'what the speakers play' }],
  };
  assert.equal(resolveDevice('monitor', inv).device, 'speaker_monitor');
});

test('monitor without a Loopback card is a clear error', () => {
  assert.throws(
    () => resolveDevice('monitor', none),
    (err: Error & { code?: string }) => {
      assert.equal(err.code, CaptureErrorCodes.noMonitor);
      assert.match(err.message, /no ALSA Loopback card/);
      assert.match(err.message, /snd-aloop/);
      return true;
    },
  );
});

test('no match is a clear error listing what exists', () => {
  assert.throws(
    () => resolveDevice('Scarlett', studio),
    (err: Error & { code?: string }) => {
      assert.equal(err.code, CaptureErrorCodes.deviceNotFound);
      assert.match(err.message, /"Scarlett" matches no soundcard and no PCM/);
      assert.match(err.message, /hw:2,0 \(card "USB Audio CODEC" \[CODEC\]/);
      assert.match(err.message, /shared_mic/);
      assert.match(err.message, /--list-devices/);
      return true;
    },
  );
  assert.throws(() => resolveDevice('usb', none), /capture hardware: none/);
});

test('a partial name matching two cards is an error, not a guess', () => {
  const two = inventory('arecord-l.two-usb.txt', 'arecord-L.none.txt');
  assert.throws(
    () => resolveDevice('usb audio', two),
    (err: Error & { code?: string }) => {
      assert.equal(err.code, CaptureErrorCodes.deviceAmbiguous);
      assert.match(err.message, /\[Device\].*\[Device_1\]/);
      return true;
    },
  );
  assert.equal(resolveDevice('Device_1', two).device, 'plughw:CARD=Device_1,DEV=0');
});

test('--list-devices text shows id, name and how to write each device', () => {
  const text = formatDeviceListing(studio);
  assert.match(text, /hw:2,0 {2}card 2 "USB Audio CODEC" \[CODEC\], device 0 "USB Audio"/);
  assert.match(text, /config: device = CODEC/);
  assert.match(text, /device = monitor/);
  assert.match(text, /shared_mic {2}Microphone of hw:0,0/);
  assert.match(text, /config: device = shared_mic/);
  assert.match(formatDeviceListing(none), /^No soundcard found/);
});
