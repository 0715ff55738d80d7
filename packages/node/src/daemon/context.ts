import type { WorkerSupervisor } from '@verinet/worker';
import type { Logger } from 'pino';
import type { Address, PublicClient } from 'viem';
import type { CachedChainReads } from '../chain/createCachedChainReads.js';
import type { Contracts } from '../chain/taskManager.js';
import type { ModelProvider } from '../models/createModelProvider.js';
import type { RelayClient } from '../relay/types.js';
import type { NodeStore } from '../store/index.js';
import type { TxSender } from '../tx/index.js';

/** Everything a task action may touch. Built once by the daemon. */
export type NodeContext = {
  store: NodeStore;
  client: PublicClient;
  /** Chain clock and settings without a round trip per step (built by the daemon). */
  reads: CachedChainReads;
  sender: TxSender;
  node: Address;
  contracts: Contracts;
  /** First block worth scanning (the deployment's). */
  startBlock: number;
  relay: RelayClient;
  worker: Pick<WorkerSupervisor, 'run' | 'cancel'>;
  /** Folder for task arguments and results. */
  dataDir: string;
  modelsDir: string;
  /** Fetches missing models from the configured model server or folder; without it a missing model gives the task up. */
  models?: ModelProvider | undefined;
  /** Stop executing this long before the on-chain deadline, to leave time for upload and report. */
  deadlineMarginSec: number;
  /**
   * A worker that sends nothing (no progress, no result) for this long during a task is deemed hung: it is
   * killed (the next task gets a fresh one) and the task is given up (default 5 min).
   */
  workerStallMs?: number | undefined;
  /** How often a reported task re-reads the chain while waiting for its end. */
  followIntervalMs: number;
  /** How often a running task checks whether its sampling seed must be recorded (default 30 s). */
  seedCheckIntervalMs?: number | undefined;
  log: Logger;
  /** Plain-language line for the operator's dashboard. */
  notice: (level: 'info' | 'warn' | 'error', message: string, taskKey?: `0x${string}`) => void;
};
