/** Base of every ISR error: a stable code, a message for humans and an optional cause. */
export class IsrError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** A message on the bus does not follow the contract (missing or malformed header, bad JSON body). */
export class ContractError extends IsrError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ISR_CONTRACT', message, options);
  }
}
