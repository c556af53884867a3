import type { KeySpec } from '../spec.ts';
import { analyzerKeys } from './analyzer.ts';
import { generalKeys } from './general.ts';
import { segmenterKeys } from './segmenter.ts';
import { soundcardKeys } from './soundcard.ts';
import { streamKeys } from './stream.ts';
import { toneKeys } from './tone.ts';
import { webKeys } from './web.ts';

/** Every key ISR understands, one table (documented in docs/configuration.md and config.example.ini, both generated from it). */
export const allKeys: readonly KeySpec[] = [
  ...generalKeys,
  ...streamKeys,
  ...soundcardKeys,
  ...toneKeys,
  ...segmenterKeys,
  ...analyzerKeys,
  ...webKeys,
];
