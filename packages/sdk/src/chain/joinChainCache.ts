/** Caches shared by the clients of one process on one chain (by RPC URL and TaskManager), with their users. */
const shared = new Map<string, { cache: Map<string, unknown>; users: number }>();

/**
 * The process's cache of chain values for this RPC and TaskManager (created at first use): the values every
 * client of a process reads alike (`goingPrice`, `minFee`, `samplingDenominator`, `timeout`, the chain's clock),
 * so that 20 apps in one process read each once per its time to live, not 20 times. `release` when the client
 * closes (the last one drops it). A client with its own transport (`key` undefined) gets a cache of its own.
 *
 * @example
 * const { cache, release } = joinChainCache(`${rpcUrl}|${taskManager}`);
 */
export function joinChainCache(key: string | undefined): {
  cache: Map<string, unknown>;
  release: () => void;
} {
  let entry = key ? shared.get(key) : undefined;
  if (!entry) {
    entry = { cache: new Map(), users: 0 };
    if (key) shared.set(key, entry);
  }
  entry.users++;
  const joined = entry;
  let released = false;
  return {
    cache: joined.cache,
    release() {
      if (released) return;
      released = true;
      joined.users--;
      if (joined.users === 0 && key && shared.get(key) === joined) shared.delete(key);
    },
  };
}
