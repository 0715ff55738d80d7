import { BaseError } from '@verinet/protocol';

/** The node's configuration is invalid (a bad value in the file or the environment). */
export class NodeConfigError extends BaseError {
  override name = 'NodeConfigError' as const;
}

/** The node's SQLite store cannot be opened or has a schema this build does not know. */
export class NodeStoreError extends BaseError {
  override name = 'NodeStoreError' as const;
}

/** The chain RPC did not answer or answered with an error. */
export class ChainUnreachableError extends BaseError {
  override name = 'ChainUnreachableError' as const;
}

/** A transaction could not be built, signed, sent or confirmed. */
export class TransactionError extends BaseError {
  override name = 'TransactionError' as const;
}

/** The relay did not serve what the node asked for. */
export class RelayError extends BaseError {
  override name = 'RelayError' as const;
  /** Whether retrying later may succeed (network) or not (the relay refused for good). */
  readonly retryable: boolean;
  /** The relay's error code (docs/relay-api.md), or `HTTP_<status>` / undefined when it gave none. */
  readonly code: string | undefined;
  /** How long the relay asked the node to wait before asking again (Retry-After). */
  readonly retryAfterMs: number | undefined;
  constructor(
    shortMessage: string,
    parameters: {
      retryable: boolean;
      code?: string | undefined;
      retryAfterMs?: number | undefined;
      details?: string[];
      cause?: unknown;
    },
  ) {
    super(shortMessage, parameters);
    this.retryable = parameters.retryable;
    this.code = parameters.code;
    this.retryAfterMs = parameters.retryAfterMs;
  }
}

/** A configured model source (server or folder) cannot give the model asked for. */
export class ModelSourceError extends BaseError {
  override name = 'ModelSourceError' as const;
}

/** A membership command cannot be carried out in the node's current on-chain state. */
export class MembershipError extends BaseError {
  override name = 'MembershipError' as const;
}
