import type { KeySpec } from '../spec.ts';

/** Keys of the analyzer (the analyzer issue owns this file). */
export const analyzerKeys: readonly KeySpec[] = [];
