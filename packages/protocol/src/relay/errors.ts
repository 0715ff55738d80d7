import { BaseError } from '../errors/index.js';

/** Why a request's authentication was refused; the relay maps each to a stable error code. */
export type RelayAuthProblem = 'missing' | 'malformed' | 'stale' | 'future' | 'bad_signature';

export type RelayAuthErrorType = RelayAuthError & { name: 'RelayAuthError' };

/** A relay request's signature headers are missing, malformed, outside the validity window or not the signer's. */
export class RelayAuthError extends BaseError {
  override name = 'RelayAuthError' as const;
  readonly problem: RelayAuthProblem;
  constructor(problem: RelayAuthProblem, message: string) {
    super(message, { docsPath: 'relay-api.md' });
    this.problem = problem;
  }
}
