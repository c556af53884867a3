import type { KeySpec } from '../spec.ts';

/** Keys of the web archive (the web issue owns this file). */
export const webKeys: readonly KeySpec[] = [
  { key: 'web_port', type: 'port', default: 8080, scope: 'general', env: 'PORT', doc: 'Web archive HTTP port (also serves /metrics and /healthz)' },
];
