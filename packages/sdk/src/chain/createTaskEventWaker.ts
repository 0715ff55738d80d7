import type { Address, Hex } from 'viem';
import { TaskCancelledError } from '../errors/index.js';
import { subscribeOverWebSocket, type WebSocketSubscription } from './subscribeOverWebSocket.js';

/** A subscription to the logs of some tasks: `sleep` ends early when one arrives. */
export type TaskEventWatch = {
  /** Whether the subscription is live (else the caller polls at its usual interval). */
  readonly live: boolean;
  /**
   * Waits `ms`, or less when a log of the watched tasks arrived since the last sleep (or arrives meanwhile); with
   * `heads`, also when a new block arrives (where the source sees heads: the HTTP log feed).
   */
  sleep: (
    ms: number,
    signal?: AbortSignal | undefined,
    id?: string,
    options?: { heads?: boolean | undefined },
  ) => Promise<void>;
  /**
   * The caller read its tasks' states at a head at or after `block` (the feed's head before the read): a log of a
   * block up to it that came meanwhile is in that read, and no longer ends the next sleep. Optional: a source
   * without heads (WebSocket) wakes on every log.
   */
  seen?: (block: bigint) => void;
  stop: () => void;
};

export type TaskEventWaker = {
  watch: (taskKeys: readonly Hex[]) => TaskEventWatch;
  close: () => Promise<void>;
};

/**
 * Wakes the SDK's waits on the chain's own news instead of a fixed poll: one `eth_subscribe('logs')` per wait
 * over WebSocket, filtered to the waited tasks' keys (every TaskManager event of a task has its key as first
 * topic), each on a socket of its own (`subscribeOverWebSocket`): a wait's stop, a failed socket or the waker's
 * close touch no other wait or waker. A log only says "read now": the state is still read over HTTP and decided
 * from that read, so a dropped or late subscription costs time (the caller's fallback interval), never
 * correctness. No keep-alive timer and no reconnection of a watch: a subscription that fails (its socket closed,
 * its opening or answer took over 10 s, the RPC refused it) leaves its wait polling as without WebSocket, and the
 * next watch subscribes on a new socket. Browsers use their WebSocket; Node 20 the `ws` package viem brings.
 *
 * @example
 * const waker = createTaskEventWaker({ wsUrl: 'ws://127.0.0.1:8545', taskManager });
 * const watch = waker.watch([taskKey]);
 * await watch.sleep(2_000); // ends at the task's next event, or after 2 s
 */
export function createTaskEventWaker(parameters: { wsUrl: string; taskManager: Address }): TaskEventWaker {
  const { wsUrl } = parameters;
  /** The subscriptions of the watches not stopped: closed with the waker. */
  const open = new Set<WebSocketSubscription>();
  let closed = false;
  return {
    watch(taskKeys) {
      let woken = false;
      let wake: (() => void) | undefined;
      let stopped = false;
      let live = false;
      const subscription: WebSocketSubscription | undefined = closed
        ? undefined
        : subscribeOverWebSocket({
            url: wsUrl,
            params: ['logs', { address: parameters.taskManager, topics: [null, [...taskKeys]] }],
            onData: () => {
              woken = true;
              wake?.();
            },
            onSubscribed: () => {
              live = true;
              // An event between the caller's last read and now was missed: read once more.
              woken = true;
              wake?.();
            },
            // Its socket is already closed: the wait polls.
            onEnd: () => {
              live = false;
              if (subscription) open.delete(subscription);
            },
          });
      if (subscription) open.add(subscription);
      return {
        get live() {
          return live && !stopped && !closed;
        },
        sleep: (ms, signal, id = '') =>
          new Promise<void>((resolve, reject) => {
            if (signal?.aborted) return reject(new TaskCancelledError(id));
            if (woken) {
              woken = false;
              return resolve();
            }
            const done = () => {
              clearTimeout(timer);
              signal?.removeEventListener('abort', onAbort);
              wake = undefined;
              woken = false;
              resolve();
            };
            const onAbort = () => {
              clearTimeout(timer);
              wake = undefined;
              reject(new TaskCancelledError(id));
            };
            const timer = setTimeout(done, ms);
            wake = done;
            signal?.addEventListener('abort', onAbort, { once: true });
          }),
        stop() {
          stopped = true;
          wake = undefined;
          live = false;
          if (!subscription) return;
          open.delete(subscription);
          subscription.close();
        },
      };
    },
    async close() {
      closed = true;
      for (const subscription of open) subscription.close();
      open.clear();
    },
  };
}
