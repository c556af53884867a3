import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decideKind, kindFromContentType, sniffKind } from '../src/codec-detect.ts';

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
  assert.throws(
    () => decideKind(undefined, Buffer.alloc(600, 0x80)),
    /no Content-Type and the first bytes match no supported codec/,
  );
});
