import { BaseError } from '@verinet/protocol';

/** The relay cannot start: config, keystore, deployment, RPC or a worker process. */
export class RelayStartError extends BaseError {
  override name = 'RelayStartError' as const;
}
