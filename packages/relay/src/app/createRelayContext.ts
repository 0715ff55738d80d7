import { getRelayDomain } from '@verinet/protocol/relay';
import type { LocalAccount } from 'viem';
import type { ChainReader } from '../chain/createChainReader.js';
import type { RelayConfig } from '../config/relayConfig.js';
import type { RelayStorage } from '../storage/types.js';
import type { RelayContext } from './context.js';
import { createRelayMetrics } from './createRelayMetrics.js';

export type CreateRelayContextParameters = {
  config: RelayConfig;
  storage: RelayStorage;
  chain: ChainReader;
  signer: LocalAccount;
  /** Unix seconds; tests move the clock. */
  now?: (() => number) | undefined;
  defaultMetrics?: boolean | undefined;
  /** Processes sharing the port (see RelayContext.rateLimitShare); 1 by default. */
  rateLimitShare?: number | undefined;
  collectMetrics?: (() => Promise<string>) | undefined;
};

/**
 * Binds one relay instance's parts together.
 *
 * @example
 * const context = createRelayContext({ config, storage, chain, signer: privateKeyToAccount(key) });
 */
export function createRelayContext(parameters: CreateRelayContextParameters): RelayContext {
  return {
    config: parameters.config,
    storage: parameters.storage,
    chain: parameters.chain,
    signer: parameters.signer,
    domain: getRelayDomain({ chainId: parameters.chain.chainId, taskManager: parameters.chain.taskManager }),
    metrics: createRelayMetrics({ defaults: parameters.defaultMetrics ?? false }),
    state: { ready: true },
    now: parameters.now ?? (() => Math.floor(Date.now() / 1000)),
    taskArgs: new Map(),
    rateLimitShare: parameters.rateLimitShare ?? 1,
    collectMetrics: parameters.collectMetrics,
  };
}
