import type { CheckTaskArgs } from '@verinet/sdk';
import type { Logger } from 'pino';
import type { BridgeConfig } from '../config/bridgeConfig.js';
import type { FeeSource } from '../jobs/createFeeSource.js';
import type { JobRunner } from '../jobs/createJobRunner.js';
import type { ApiKeyRecord, JobSource, JobStore } from '../store/types.js';
import type { BridgeMetrics } from './createBridgeMetrics.js';
import type { FollowerLimiter } from './createFollowerLimiter.js';

/** What the bridge's plugins share. */
export type BridgeContext = {
  config: BridgeConfig;
  store: JobStore;
  runner: JobRunner;
  metrics: BridgeMetrics;
  /** Requests waiting for a job and event streams, bounded per job and per key. */
  followers: FollowerLimiter;
  log: Logger;
  /** Fee per on-chain task of each type, in wei (config, else the chain's minimum fee). */
  /** The fee a new job of this type pays per on-chain task (configured, or the SDK's default rule). */
  fees: FeeSource;
  /**
   * Checks of a job's parsed arguments before it is created (an LLM prompt against its model's context), by
   * where the request came from (the field named in a refusal differs); none without config.modelsDir.
   */
  checkArgs: Record<JobSource, CheckTaskArgs> | undefined;
  /** Secret for signing image URLs. */
  urlSecret: Buffer;
  /** Public facts for /ui-config.json and /api/info. */
  info: {
    chainId: number;
    rpcUrl: string;
    relayUrl: string;
    contracts: { taskManager: string; nodeRegistry: string };
    wallet: string;
    explorerUrl: string | null;
  };
  state: { ready: boolean };
};

declare module 'fastify' {
  interface FastifyRequest {
    apiKey?: ApiKeyRecord;
  }
}
