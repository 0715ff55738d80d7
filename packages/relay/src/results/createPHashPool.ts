import { availableParallelism } from 'node:os';
import type { RawPixels } from '@verinet/protocol/score';
import { Piscina } from 'piscina';

export type PHashPool = {
  /** The pHash of decoded pixels, computed on a worker thread (the event loop keeps serving meanwhile). */
  hash(pixels: RawPixels): Promise<Uint8Array>;
  close(): Promise<void>;
};

/**
 * A bounded pool of worker threads for the pHash of result images: at most `maxThreads` (default: one per core:
 * the event loop only waits meanwhile) hash at once, the rest wait in the pool's queue; idle threads exit after
 * `idleTimeoutMs`, by default never: under tsx (how the relay runs here) each thread starts its own esbuild
 * service child, which a thread that ends leaves behind as a zombie (`[esbuild] <defunct>`) that nothing reaps;
 * the devnet gathered one per idle period.
 * The hash is the same function as on the main thread (`getPixelsPHash`), so scores do not change.
 *
 * @example
 * const pool = createPHashPool();
 * const hash = await pool.hash({ data, width: 512, height: 512, channels: 3 });
 */
export function createPHashPool({
  maxThreads = availableParallelism(),
  idleTimeoutMs = Number.POSITIVE_INFINITY,
}: {
  maxThreads?: number;
  idleTimeoutMs?: number;
} = {}): PHashPool {
  const pool = new Piscina<RawPixels, Uint8Array>({
    filename: new URL('./hashPixelsWorker.ts', import.meta.url).href,
    minThreads: 0,
    maxThreads,
    idleTimeout: idleTimeoutMs,
  });
  return {
    async hash(pixels) {
      // Structured clone copies the pixels (≈ 0.2 ms for 512² RGB); the caller's buffer stays usable.
      return new Uint8Array(await pool.run(pixels));
    },
    async close() {
      await pool.destroy();
    },
  };
}
