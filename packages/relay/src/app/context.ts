import type { RelayDomain } from '@verinet/protocol/relay';
import type { Address, Hex, LocalAccount } from 'viem';
import type { ChainReader } from '../chain/createChainReader.js';
import type { RelayConfig } from '../config/relayConfig.js';
import type { ArgsRecord, RelayStorage, TaskRecord } from '../storage/types.js';
import type { RelayMetrics } from './createRelayMetrics.js';

/** What every plugin of one relay instance shares. */
export type RelayContext = {
  config: RelayConfig;
  storage: RelayStorage;
  chain: ChainReader;
  /** The relay key: signs statements only. */
  signer: LocalAccount;
  domain: RelayDomain;
  metrics: RelayMetrics;
  /** False while starting and once shutdown began (readiness). */
  state: { ready: boolean };
  now: () => number;
  /**
   * Processes serving this relay's port (its `workers`): each allows an address `requestsPerMinute / share`
   * requests a minute, so together they never allow more than the configured rate.
   */
  rateLimitShare: number;
  /** The text of /metrics when it is not this instance's registry alone (a worker of a multi-process relay). */
  collectMetrics: (() => Promise<string>) | undefined;
  /** Links of live tasks to the arguments held for them (see getTaskArgs), per instance, bounded. */
  taskArgs: Map<Hex, { link: TaskRecord; args: ArgsRecord }>;
};

declare module 'fastify' {
  interface FastifyRequest {
    /** The authenticated signer (lower case), on routes with `config.auth`. */
    signer: Address | undefined;
    /** The sha256 the signer declared for the body. */
    declaredBodyHash: `0x${string}` | undefined;
  }
  interface FastifyContextConfig {
    auth?: boolean;
  }
}
