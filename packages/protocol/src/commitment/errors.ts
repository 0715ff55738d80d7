import { BaseError } from '../errors/index.js';

export type InvalidBytes32ErrorType = InvalidBytes32Error & { name: 'InvalidBytes32Error' };

/** A commitment input is not a 0x-prefixed 32-byte hex string. */
export class InvalidBytes32Error extends BaseError {
  override name = 'InvalidBytes32Error' as const;
  constructor(what: string, value: unknown) {
    super(`${what} must be a 0x-prefixed 32-byte hex string, got ${JSON.stringify(String(value))}`, {
      details: [
        'Create secrets with createTaskSecrets / createNonce / createSalt; hash arguments with getArgsHash.',
      ],
      docsPath: 'task-args.md',
    });
  }
}

export type InvalidOpeningInputErrorType = InvalidOpeningInputError & { name: 'InvalidOpeningInputError' };

/** An opening check was called with the wrong shape of input (no members array, bytes that are not bytes). */
export class InvalidOpeningInputError extends BaseError {
  override name = 'InvalidOpeningInputError' as const;
  constructor(what: string, expected: string, value: unknown) {
    const got = value == null ? String(value) : Array.isArray(value) ? 'an array' : `a ${typeof value}`;
    super(`${what} must be ${expected}, got ${got}`, { docsPath: 'task-args.md' });
  }
}
