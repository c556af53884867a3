import type { KeySpec } from '../spec.ts';

/** Keys of the web archive (the web issue owns this file). */
export const webKeys: readonly KeySpec[] = [
  { key: 'web_port', type: 'port', default: 8080, scope: 'general', env: 'PORT', doc: 'Web archive HTTP port (also serves /metrics and /healthz); the --port flag overrides it' },
  { key: 'web_host', type: 'string', default: '0.0.0.0', scope: 'general', env: 'ISR_WEB_HOST', doc: 'Address the web archive listens on' },
  { key: 'web_threshold', type: 'number', scope: 'general', min: 0, max: 1, doc: 'Seed --threshold (the flag wins): loud-section threshold, linear RMS 0–1 like the analyzer\'s threshold; when set, the page\'s loud sections use it (re-derived by the analyzer from the stored window series, the stored analysis is kept) unless the stored analysis was made with it (empty = the stored analysis as it is)' },
  { key: 'clip_max_minutes', type: 'number', default: 60, scope: 'general', min: 0.01, max: 1440, doc: 'Longest clip /api/clip cuts' },
  { key: 'clip_max_concurrent', type: 'integer', default: 4, scope: 'general', min: 1, max: 256, doc: 'Clips /api/clip cuts at a time; beyond it 429 with Retry-After (each reads recordings and may run a decoder)' },
  { key: 'web_analyze_wait_seconds', type: 'number', default: 5, scope: 'general', min: 0.1, max: 120, doc: 'How long /api/analyze waits for the analyzer before answering 202 (the page then waits for the SSE event)' },
  { key: 'web_delete_token', type: 'string', secret: 'value', default: '', scope: 'general', env: 'ISR_WEB_DELETE_TOKEN', doc: 'Bearer token that allows DELETE /api/files/<path> (empty and no user/password = deleting disabled)' },
  { key: 'web_delete_user', type: 'string', default: '', scope: 'general', env: 'ISR_WEB_DELETE_USER', doc: 'Basic-auth user allowed to delete recordings (with web_delete_password)' },
  { key: 'web_delete_password', type: 'string', secret: 'value', default: '', scope: 'general', env: 'ISR_WEB_DELETE_PASSWORD', doc: 'Basic-auth password for web_delete_user' },
  { key: 'web_delete_max_failures', type: 'integer', default: 10, scope: 'general', min: 1, max: 10000, doc: 'Wrong DELETE/keep credentials one client address may send per minute; beyond that it gets 429 with Retry-After until the minute is over' },
  { key: 'web_sse_max_connections', type: 'integer', default: 200, scope: 'general', min: 1, max: 100000, doc: 'Most pages connected to /api/events at once; beyond that 503 with Retry-After' },
  { key: 'web_sse_max_per_ip', type: 'integer', default: 20, scope: 'general', min: 1, max: 100000, doc: 'Most /api/events connections from one client address; beyond that 429 with Retry-After' },
  { key: 'web_allowed_hosts', type: 'string', default: '', scope: 'general', env: 'ISR_WEB_ALLOWED_HOSTS', doc: 'Comma-separated host names (optionally host:port) the web archive answers to; any other Host header gets 421, which stops DNS rebinding (empty = any host; set it for LAN installs, see operations.md)' },
];
