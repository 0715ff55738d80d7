import { type AnvilStateSaveError, saveAnvilState } from './saveAnvilState.js';

export type AnvilStateSaverParameters = {
  rpcUrl: string;
  file: string;
  /** The shortest time between two saves, in ms (anvil's own `--state` dumped every 60 s). */
  intervalMs?: number | undefined;
  /**
   * The largest share of the time spent saving: the next save waits at least `ms / maxBusyShare` after one that
   * took `ms`. anvil serializes its whole chain for each save (≈ 200 MB of JSON after 10,000 tasks), so a fixed
   * interval would make a long chain spend ever more of its CPU on saving.
   */
  maxBusyShare?: number | undefined;
  /** A failed periodic save (the previous file is kept; the next one is tried at the next interval). */
  onError?: ((error: AnvilStateSaveError) => void) | undefined;
};

export type AnvilStateSaver = {
  /** Saves now (after a save in progress), whether or not the chain moved. */
  save(): Promise<void>;
  /** Stops the periodic saves, then saves once more. Rejects with the final save's error. */
  stop(): Promise<void>;
  /** Stops the periodic saves without a last one (anvil exited: there is nothing left to ask). */
  cancel(): void;
};

/**
 * Saves a running anvil's chain to `file` (saveAnvilState: atomic, streamed) every `intervalMs` or less often when
 * saving takes long, skipping saves while the chain has no new block; `stop()` makes the last save, `cancel()` ends
 * the periodic saves without one (anvil is gone). Between two saves a kill of anvil loses the blocks since the last
 * one: at most max(`intervalMs`, the last save's duration / `maxBusyShare`) plus a save's duration.
 *
 * @example
 * const saver = createAnvilStateSaver({ rpcUrl, file: 'chain.json' });
 * // … on shutdown, before stopping anvil:
 * await saver.stop();
 */
export function createAnvilStateSaver(parameters: AnvilStateSaverParameters): AnvilStateSaver {
  const intervalMs = parameters.intervalMs ?? 60_000;
  const maxBusyShare = parameters.maxBusyShare ?? 0.05;
  let savedAtBlock: string | undefined;
  let running: Promise<void> = Promise.resolve();
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;

  async function blockNumber(): Promise<string | undefined> {
    try {
      const response = await fetch(parameters.rpcUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_blockNumber', params: [] }),
        signal: AbortSignal.timeout(10_000),
      });
      const answer = (await response.json()) as { result?: unknown };
      return typeof answer.result === 'string' ? answer.result : undefined;
    } catch {
      return undefined;
    }
  }

  /** One save, serialized after any running one; resolves to its duration in ms (0 when skipped). */
  function enqueue(force: boolean): Promise<number> {
    const next = running.then(async () => {
      const block = await blockNumber();
      if (!force && block !== undefined && block === savedAtBlock) return 0;
      const { ms } = await saveAnvilState(parameters.rpcUrl, parameters.file);
      savedAtBlock = block;
      return ms;
    });
    running = next.then(
      () => {},
      () => {},
    );
    return next;
  }

  function schedule(delayMs: number) {
    if (stopped) return;
    timer = setTimeout(() => {
      enqueue(false).then(
        (ms) => schedule(Math.max(intervalMs, ms / maxBusyShare)),
        (error: AnvilStateSaveError) => {
          parameters.onError?.(error);
          schedule(intervalMs);
        },
      );
    }, delayMs);
    timer.unref();
  }
  schedule(intervalMs);

  return {
    async save() {
      await enqueue(true);
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await enqueue(true);
    },
    cancel() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
