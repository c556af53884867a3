/** Base of every ISR error: a stable code, a message for humans and an optional cause. */
export class IsrError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** Stable codes of @isr/contract's errors: one table for the package, like fastify's `lib/errors.js`. */
export const ContractErrorCodes = {
  /** A message on the bus does not follow the contract. */
  contract: 'ISR_CONTRACT',
} as const;
export type ContractErrorCode = (typeof ContractErrorCodes)[keyof typeof ContractErrorCodes];

/** A message on the bus does not follow the contract (missing or malformed header, bad JSON body). */
export class ContractError extends IsrError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(ContractErrorCodes.contract, message, options);
  }
}
