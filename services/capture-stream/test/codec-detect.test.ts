import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decideKind, kindFromContentType, sniffKind } from '../src/codec-detect.ts';
import { flacMetadataLength } from '../src/flac-metadata.ts';

test('content types map to codecs; generic ones defer to the bytes', () => {
  assert.deepEqual(kindFromContentType('audio/mpeg'), { kind: 'mpeg' });
  assert.deepEqual(kindFromContentType('Audio/AACP; charset=x'), { kind: 'aac' });
  assert.deepEqual(kindFromContentType('application/ogg'), { kind: 'ogg' });
  assert.deepEqual(kindFromContentType('audio/x-flac'), { kind: 'flac' });
  assert.deepEqual(kindFromContentType(undefined), { sniff: true });
  assert.deepEqual(kindFromContentType('application/octet-stream'), { sniff: true });
  assert.deepEqual(kindFromContentType('text/html'), { notAudio: 'text/html' });
  assert.equal(sniffKind(Buffer.from('OggS\0\x02')), 'ogg');
  assert.equal(sniffKind(Buffer.from('  <html>')), 'html');
  assert.equal(decideKind('application/octet-stream', Buffer.from('fLaC\0\0\0\x22')), 'flac');
  assert.throws(() => decideKind(undefined, Buffer.alloc(600, 0x80)), /no Content-Type and the first bytes match no supported codec/);
});

test('FLAC metadata length waits for the last block and refuses non-FLAC', () => {
  const streaminfo = Buffer.concat([Buffer.from('fLaC'), Buffer.from([0x00, 0, 0, 34]), Buffer.alloc(34), Buffer.from([0x84, 0, 0, 8]), Buffer.alloc(8)]);
  assert.equal(flacMetadataLength(streaminfo.subarray(0, 50)), null);
  assert.equal(flacMetadataLength(streaminfo), streaminfo.length);
  assert.equal(flacMetadataLength(Buffer.concat([streaminfo, Buffer.from([0xff, 0xf8])])), streaminfo.length);
  assert.throws(() => flacMetadataLength(Buffer.from('RIFF....')), /does not start with "fLaC"/);
});
