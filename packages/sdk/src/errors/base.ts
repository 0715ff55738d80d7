import { BaseError, type BaseErrorParameters } from '@verinet/protocol';

/**
 * The base class of every error the SDK throws: a short message a person can act on, detail lines, a docs
 * path and a literal `name` to switch on. `retryable` says whether trying the same step again may succeed.
 */
export class VerinetError extends BaseError {
  override name: string = 'VerinetError';
  readonly retryable: boolean;

  constructor(shortMessage: string, parameters: BaseErrorParameters & { retryable?: boolean } = {}) {
    super(shortMessage, { docsPath: 'sdk.md#errors', ...parameters });
    this.retryable = parameters.retryable ?? false;
  }
}
