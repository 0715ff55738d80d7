import type { Address, PublicClient } from 'viem';
import {
  type Contracts,
  readChainTime,
  readRelaySigner,
  readTimeout,
  readValidationWindow,
} from './taskManager.js';

export type CachedChainReads = {
  /**
   * The chain's clock (unix seconds): the latest block's timestamp as read at most `clockMaxAgeMs` ago, plus the
   * local time elapsed since that read. A task's deadline is judged against it without a round trip per step.
   */
  chainTime: () => Promise<number>;
  /** Execution timeout of a task type (seconds), re-read after `settingsMaxAgeMs`. */
  timeout: (taskType: number) => Promise<bigint>;
  /** How long an app may validate a reported task (seconds), re-read after `settingsMaxAgeMs`. */
  validationWindow: () => Promise<bigint>;
  /** The relay signer the TaskManager requires (zero when none), re-read after `settingsMaxAgeMs`. */
  relaySigner: () => Promise<Address>;
  /** Forgets the settings (after a read that shows them stale, e.g. a refused relay statement). */
  forget: () => void;
};

export type CachedChainReadsParameters = {
  client: PublicClient;
  contracts: Contracts;
  /** Default 5 s: a block every few seconds keeps the estimate within a block of the truth. */
  clockMaxAgeMs?: number | undefined;
  /** Governance settings change rarely; default 60 s. */
  settingsMaxAgeMs?: number | undefined;
  now?: (() => number) | undefined;
};

/**
 * Reads on a task's critical path that need not be fresh to the block: the chain's clock (estimated from a recent
 * block timestamp and the local clock; a stale block timestamp only makes the estimate lag, never jump ahead of
 * what the contracts will see) and governance settings (timeouts, relay signer). Concurrent callers share one read.
 *
 * @example
 * const reads = createCachedChainReads({ client, contracts });
 * const deadline = Number(task.stateTime + (await reads.timeout(task.taskType)));
 */
export function createCachedChainReads(parameters: CachedChainReadsParameters): CachedChainReads {
  const { client, contracts } = parameters;
  const now = parameters.now ?? Date.now;
  const clockMaxAgeMs = parameters.clockMaxAgeMs ?? 5_000;
  const settingsMaxAgeMs = parameters.settingsMaxAgeMs ?? 60_000;
  const entries = new Map<string, { at: number; value: Promise<unknown> }>();

  const cached = <T>(key: string, maxAgeMs: number, read: () => Promise<T>): Promise<T> => {
    const entry = entries.get(key);
    if (entry && now() - entry.at < maxAgeMs) return entry.value as Promise<T>;
    const at = now();
    const value = read();
    entries.set(key, { at, value });
    // A failed read is not kept: the next caller asks again.
    value.catch(() => {
      if (entries.get(key)?.value === value) entries.delete(key);
    });
    return value;
  };

  return {
    async chainTime() {
      const key = 'chainTime';
      const time = await cached(key, clockMaxAgeMs, () => readChainTime(client));
      const readAt = entries.get(key)?.at ?? now();
      return time + Math.max(0, Math.floor((now() - readAt) / 1000));
    },
    timeout: (taskType) =>
      cached(`timeout:${taskType}`, settingsMaxAgeMs, () => readTimeout(client, contracts, taskType)),
    validationWindow: () =>
      cached('validationWindow', settingsMaxAgeMs, () => readValidationWindow(client, contracts)),
    relaySigner: () => cached('relaySigner', settingsMaxAgeMs, () => readRelaySigner(client, contracts)),
    forget() {
      for (const key of [...entries.keys()]) if (key !== 'chainTime') entries.delete(key);
    },
  };
}
