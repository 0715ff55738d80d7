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
