import assert from 'node:assert/strict';
import type { AudioErrorCode } from '@isr/audio';

/** The code of the error `f` throws, which must be an `errorClass` (else the test fails), or 'no error'. */
export function thrownCode(
  errorClass: abstract new (...args: never[]) => Error & { code: AudioErrorCode },
  f: () => unknown,
): AudioErrorCode | 'no error' {
  try {
    f();
  } catch (e) {
    assert.ok(e instanceof errorClass, String(e));
    return e.code;
  }
  return 'no error';
}
