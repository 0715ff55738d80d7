import { TaskCancelledError } from '../errors/index.js';

/** Waits `ms`, or throws TaskCancelledError as soon as `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal | undefined, id = ''): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new TaskCancelledError(id));
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(new TaskCancelledError(id));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
