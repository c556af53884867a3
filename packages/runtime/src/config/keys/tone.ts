import type { KeySpec } from '../spec.ts';

/** Keys of `type = tone` sections: the line-up tone capture-alsa generates at wall-clock pace (also the demo source). */
export const toneKeys: readonly KeySpec[] = [
  {
    key: 'tone_frequency',
    type: 'integer',
    default: 1000,
    scope: 'source',
    types: ['tone'],
    min: 1,
    max: 20000,
    doc: 'Tone: sine frequency in whole Hz (below half the sample_rate)',
  },
  {
    key: 'tone_level_dbfs',
    type: 'number',
    default: -18,
    scope: 'source',
    types: ['tone'],
    min: -150,
    max: 0,
    doc: 'Tone: peak level of the sine in dBFS (0 = full scale; the EBU line-up level is -18); its unweighted RMS reads 3 dB lower',
  },
  {
    key: 'tone_silence_seconds',
    type: 'number',
    default: 1,
    scope: 'source',
    types: ['tone'],
    min: 0,
    doc: 'Tone: digital silence at the end of every tone_period_seconds (0 = continuous tone), so loud sections and dead air have something to show',
  },
  {
    key: 'tone_period_seconds',
    type: 'number',
    default: 10,
    scope: 'source',
    types: ['tone'],
    min: 0.1,
    max: 86400,
    doc: 'Tone: length of the tone-then-silence pattern, aligned to the UTC clock (every file shows the same pattern at the same times)',
  },
];
