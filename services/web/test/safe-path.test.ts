import assert from 'node:assert/strict';
import { test } from 'node:test';
import { WebError, WebErrorCodes } from '../src/errors.ts';
import { checkRelativePath, decodeUrlPath } from '../src/safe-path.ts';

const refuse = (raw: string) => {
  try {
    checkRelativePath(decodeUrlPath(raw));
  } catch (err) {
    assert.ok(err instanceof WebError, String(err));
    return err.status;
  }
  return 200;
};

test('accepts ordinary recording paths', () => {
  assert.equal(
    checkRelativePath(decodeUrlPath('radio1/2026-11-24/2026-11-24_05-00-00%2B0100.wav')),
    'radio1/2026-11-24/2026-11-24_05-00-00+0100.wav',
  );
  assert.equal(checkRelativePath('a b/ü.wav'), 'a b/ü.wav');
});

test('refuses traversal, encodings, backslashes, absolute paths, NUL and over-long names with 400', () => {
  for (const raw of [
    '../etc/passwd',
    'a/../../x',
    '%2e%2e/x',
    '%2E%2E%2Fetc',
    '%252e%252e/x',
    'a%5c..%5cb',
    'a\\b',
    '/etc/passwd',
    '%2Fetc',
    'a/%00.wav',
    'a//b',
    './a',
    'a/.',
    'C:/x',
    'x'.repeat(300),
    `a/${'b/'.repeat(600)}c`,
    '%zz',
    '%e0%a4%a',
  ]) {
    assert.equal(refuse(raw), 400, raw);
  }
});

test('error codes are unique', () => {
  const codes = Object.values(WebErrorCodes).map(([c]) => c);
  assert.equal(new Set(codes).size, codes.length);
});
