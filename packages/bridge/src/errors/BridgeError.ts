import { BaseError } from '@verinet/protocol';
import { type BridgeErrorCode, bridgeErrors } from './catalogue.js';

/** What the bridge sends back for an error, in OpenAI's shape. */
export type OpenAiErrorBody = {
  error: { message: string; type: string; param: string | null; code: BridgeErrorCode };
};

/**
 * An error the bridge answers with: a catalogued code, its HTTP status, a message naming the problem, and the
 * request field at fault (`param`, in OpenAI's notation: `messages[1].content`).
 */
export class BridgeError extends BaseError {
  override name = 'BridgeError' as const;
  readonly code: BridgeErrorCode;
  readonly statusCode: number;
  readonly param: string | null;
  /** Seconds, for 429 answers (Retry-After). */
  readonly retryAfter: number | undefined;

  constructor(
    code: BridgeErrorCode,
    message: string,
    options: { param?: string | null; retryAfter?: number; cause?: unknown } = {},
  ) {
    super(message, { docsPath: 'bridge.md', cause: options.cause });
    this.code = code;
    this.statusCode = bridgeErrors[code].status;
    this.param = options.param ?? null;
    this.retryAfter = options.retryAfter;
  }

  toBody(): OpenAiErrorBody {
    return {
      error: {
        message: this.shortMessage,
        type: bridgeErrors[this.code].type,
        param: this.param,
        code: this.code,
      },
    };
  }
}
