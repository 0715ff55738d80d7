import { BaseError } from '@verinet/protocol';
import { type RelayErrorCode, relayErrors } from './catalogue.js';

/** An error the relay answers with: a catalogued code, its HTTP status, a message naming the problem. */
export class RelayError extends BaseError {
  override name = 'RelayError' as const;
  readonly code: RelayErrorCode;
  readonly statusCode: number;
  /** Seconds, for retryable errors (Retry-After). */
  readonly retryAfter: number | undefined;

  constructor(code: RelayErrorCode, message: string, options: { retryAfter?: number; cause?: unknown } = {}) {
    super(message, { docsPath: 'relay-api.md', cause: options.cause });
    this.code = code;
    this.statusCode = relayErrors[code].status;
    this.retryAfter = relayErrors[code].retry ? (options.retryAfter ?? 2) : undefined;
  }
}
