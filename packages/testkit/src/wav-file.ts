import { buildWavHeader, type WavFormat } from '@isr/audio';

/** The Broadcast Wave fields of a fixture file: fixed, since no reader of fixtures looks at them. */
const FIXTURE_BEXT = { originationDate: '2026-01-01', originationTime: '00:00:00', timeReference: 0 };

/** A whole WAV file holding `pcm`, with the header the segmenter writes (@isr/audio's buildWavHeader). */
export function wavFile(format: WavFormat, pcm: Uint8Array): Buffer {
  return Buffer.concat([buildWavHeader(format, FIXTURE_BEXT, pcm.length), pcm]);
}
