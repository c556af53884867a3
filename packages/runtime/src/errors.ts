/** Stable codes of @isr/runtime's errors: one table for the package, like fastify's `lib/errors.js`. */
export const RuntimeErrorCodes = {
  /** The configuration (INI, secrets file, environment) is invalid: every problem named at once. */
  config: 'ISR_CONFIG',
  /** The command line is not one the service can run with. */
  args: 'ISR_ARGS',
} as const;
export type RuntimeErrorCode = (typeof RuntimeErrorCodes)[keyof typeof RuntimeErrorCodes];
