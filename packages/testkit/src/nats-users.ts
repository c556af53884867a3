// Plain TypeScript with no imports beyond node:, so that `npm start` (script/lib/start/local-nats.mjs) runs it
// directly with Node's type stripping, before anything is built.
import { randomBytes } from 'node:crypto';

/** The users nats.conf defines (one per service, and ops) and the environment variable holding each one's password. */
export const NATS_USERS = {
  'capture-stream': 'ISR_NATS_CAPTURE_STREAM_PASSWORD',
  'capture-alsa': 'ISR_NATS_CAPTURE_ALSA_PASSWORD',
  segmenter: 'ISR_NATS_SEGMENTER_PASSWORD',
  analyzer: 'ISR_NATS_ANALYZER_PASSWORD',
  web: 'ISR_NATS_WEB_PASSWORD',
  ops: 'ISR_NATS_OPS_PASSWORD',
} as const;
export type NatsUser = keyof typeof NATS_USERS;

/**
 * A password for every nats.conf user, as nats-server's environment variables: the one `env` holds, else a random
 * one. nats-server parses a variable's value as a config token (a leading '-' or an all-digit value is not a
 * string), so the random ones are a letter prefix plus hex.
 */
export function natsPasswords(env: Readonly<Record<string, string | undefined>> = {}): Record<string, string> {
  return Object.fromEntries(
    Object.values(NATS_USERS).map((v) => [v, env[v] || `isr${randomBytes(18).toString('hex')}`]),
  );
}
