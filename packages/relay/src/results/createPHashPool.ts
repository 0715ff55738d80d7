import { availableParallelism } from 'node:os';
import type { RawPixels } from '@verinet/protocol/score';
import { Piscina } from 'piscina';

export type PHashPool = {
  /** The pHash of decoded pixels, computed on a worker thread (the event loop keeps serving meanwhile). */
  hash(pixels: RawPixels): Promise<Uint8Array>;
  /**
   * The pHashes of one result's images, admitted together or not at all: throws {@link PHashPoolBusyError}
   * when the pixels already waiting or being hashed plus these would exceed the pool's bound.
   */
  hashAll(pixels: readonly RawPixels[], options?: { reserved?: boolean }): Promise<Uint8Array[]>;
  /**
   * Counts `bytes` of pixels against the pool's bound before they are even decoded (so a refused result costs
   * no decode): throws {@link PHashPoolBusyError} like hashAll; returns the release. Pixels hashed under a
   * reservation go to `hashAll(pixels, { reserved: true })`, which then does not count them again.
   */
  reserve(bytes: number): () => void;
  /** Waits for the tasks in flight and 250 ms without a task (why: in the function), then ends the threads. */
  close(): Promise<void>;
};

/** How long the threads stay idle before close() terminates them (why: close()). */
const SETTLE_MS = 250;

/** The pool holds as many pixels as it takes: nothing was queued, ask again later. */
export class PHashPoolBusyError extends Error {
  override name = 'PHashPoolBusyError';
}

/**
 * A bounded pool of worker threads for the pHash of result images: at most `maxThreads` (default: one per core:
 * the event loop only waits meanwhile) hash at once, the rest wait in the pool's queue; idle threads exit after
 * `idleTimeoutMs`, by default never: under tsx (how the relay runs here) each thread starts its own esbuild
 * service child, which a thread that ends leaves behind as a zombie (`[esbuild] <defunct>`) that nothing reaps
 * (s9-cli's finding; the same change is on their branch). The queue is bounded in pixel bytes (`maxPendingBytes`, default 128 MiB: 170 images of 512²,
 * 10 results of 4 × 1024²): a result whose images would go beyond it is refused whole (PHashPoolBusyError), unless
 * nothing is pending (one result is always taken, however large, so no valid result is refused for good).
 * The hash is the same function as on the main thread (`getPixelsPHash`), so scores do not change.
 *
 * @example
 * const pool = createPHashPool();
 * const hash = await pool.hash({ data, width: 512, height: 512, channels: 3 });
 */
export function createPHashPool({
  maxThreads = availableParallelism(),
  idleTimeoutMs = Number.POSITIVE_INFINITY,
  maxPendingBytes = 128 * 1024 * 1024,
}: {
  maxThreads?: number;
  idleTimeoutMs?: number;
  maxPendingBytes?: number;
} = {}): PHashPool {
  const pool = new Piscina<RawPixels, Uint8Array>({
    filename: new URL('./hashPixelsWorker.ts', import.meta.url).href,
    minThreads: 0,
    maxThreads,
    idleTimeout: idleTimeoutMs,
  });
  let pendingBytes = 0;
  // Tasks in flight, and when the last one ended: close() waits for both (see close()).
  const running = new Set<Promise<unknown>>();
  let lastEndedAt = 0;
  const reserve = (bytes: number): (() => void) => {
    if (pendingBytes > 0 && pendingBytes + bytes > maxPendingBytes)
      throw new PHashPoolBusyError(
        `${Math.ceil(pendingBytes / 1048576)} MiB of pixels are waiting to be hashed (at most ${Math.floor(maxPendingBytes / 1048576)} MiB)`,
      );
    pendingBytes += bytes;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      pendingBytes -= bytes;
    };
  };
  const hashAll = async (
    pixels: readonly RawPixels[],
    options: { reserved?: boolean } = {},
  ): Promise<Uint8Array[]> => {
    const release = options.reserved
      ? () => {}
      : reserve(pixels.reduce((sum, p) => sum + (p.data?.byteLength ?? 0), 0));
    try {
      // Structured clone copies the pixels (≈ 0.2 ms for 512² RGB); the caller's buffers stay usable.
      const hashes = Promise.all(pixels.map((p) => pool.run(p)));
      running.add(hashes);
      try {
        return (await hashes).map((hash) => new Uint8Array(hash));
      } finally {
        running.delete(hashes);
        lastEndedAt = performance.now();
      }
    } finally {
      release();
    }
  };
  return {
    async hash(pixels) {
      return (await hashAll([pixels]))[0]!;
    },
    hashAll,
    reserve,
    async close() {
      // Node 20 unregisters a worker's isolate from the platform before it disposes of it; a TurboFan job of that
      // isolate still running on a background thread in between aborts the whole process ("Assertion failed:
      // (data.first) != nullptr" in NodePlatform::ForIsolate; CI hit it once, after a test hashed 3 images and
      // closed at once). Such jobs are queued while code runs hot, so the threads are only terminated once no task
      // has run for SETTLE_MS.
      await Promise.allSettled([...running]);
      const quietFor = performance.now() - lastEndedAt;
      if (lastEndedAt > 0 && quietFor < SETTLE_MS)
        await new Promise((resolve) => setTimeout(resolve, SETTLE_MS - quietFor));
      await pool.destroy();
    },
  };
}
