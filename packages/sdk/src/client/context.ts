import type { VrfCurve } from '@verinet/protocol/vrf';
import type { Hex } from 'viem';
import type { ChainAccess } from '../chain/createChainAccess.js';
import type { TaskEventWaker } from '../chain/createTaskEventWaker.js';
import type { TaskLogFeed } from '../chain/createTaskLogFeed.js';
import type { RelayClient } from '../relay/createRelayClient.js';
import type { TaskStore } from '../store/types.js';
import type { CheckTaskArgs, DecodeImage, TaskEvent, TaskRequirements, TimeoutPolicy } from '../types.js';

/** Everything the actions share: one per client. Actions are free functions `(context, parameters)`. */
export type SdkContext = {
  access: ChainAccess;
  relay: RelayClient;
  store: TaskStore;
  decodeImage: DecodeImage;
  fee: bigint | undefined;
  maxDefaultFee: bigint | undefined;
  requirements: Partial<TaskRequirements>;
  pollIntervalMs: number;
  /**
   * Wakes waits on task events: the process's shared HTTP log feed (its reads started by new heads over WebSocket
   * when the chain has a `wsUrl`), or another waker in hand-built contexts (undefined: waits then poll).
   */
  events: TaskEventWaker | undefined;
  /** The shared HTTP log feed (heads, whether the chain is busy); undefined only in hand-built contexts. */
  feed?: TaskLogFeed | undefined;
  retry: { attempts: number; baseDelayMs: number };
  onTimeout: TimeoutPolicy;
  maxResubmits: number;
  maxGroupReplacements: number;
  vrfKey: Hex | undefined;
  /** The VRF prover's multiplications (CreateClientParameters.curve); undefined: noble's. */
  vrfCurve?: VrfCurve | undefined;
  checkArgs: CheckTaskArgs | undefined;
  /** Delivers an event to the client's listeners and to the run that asked for this task's progress. */
  emit: (event: DistributiveOmit<TaskEvent, 'at'>) => void;
  /** Listeners of one task id (RunOptions.onProgress). */
  taskListeners: Map<string, Set<(event: TaskEvent) => void>>;
  listeners: Set<(event: TaskEvent) => void>;
  /** Per-client caches (the VRF key). */
  cache: Map<string, unknown>;
  /**
   * Chain values every client of the process on this RPC and TaskManager reads alike (joinChainCache): the default
   * fee's inputs, the sampling denominator, the timeouts, the chain's clock. Each entry keeps its own time to live.
   */
  chainCache: Map<string, unknown>;
};

export type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
