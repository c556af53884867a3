/** Stable codes of @isr/runtime's errors: one table for the package, like fastify's `lib/errors.js`. */
export const RuntimeErrorCodes = {
  /** The configuration (INI, secrets file, environment) is invalid: every problem named at once. */
  config: 'ISR_CONFIG',
  /** The command line is not one the service can run with. */
  args: 'ISR_ARGS',
  /** The server refused to change a stream's replica count (stream_replicas; scaling.md). */
  replicas: 'ISR_STREAM_REPLICAS',
} as const;
export type RuntimeErrorCode = (typeof RuntimeErrorCodes)[keyof typeof RuntimeErrorCodes];
