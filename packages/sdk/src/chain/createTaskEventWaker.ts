import { type Address, createPublicClient, type Hex, type PublicClient, webSocket } from 'viem';
import { TaskCancelledError } from '../errors/index.js';

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

type Subscribe = (args: {
  params: unknown[];
  onData: (data: unknown) => void;
  onError?: (error: unknown) => void;
}) => Promise<{ unsubscribe: () => Promise<unknown> }>;

type SocketEntry = { client: PublicClient; users: number; retired: boolean };

/**
 * viem keeps one socket per URL for the whole process: the clients of one URL share it (and its connection), and
 * the last one to close closes it (an open socket keeps a process alive). A socket whose subscription failed (it
 * closed: an RPC restart, a proxy's cut) is retired: closed, which takes it out of viem's cache (with
 * `reconnect: false` viem keeps a socket that closed by itself there), and the next watch opens a new one.
 */
const sockets = new Map<string, SocketEntry>();

const retire = (wsUrl: string, entry: SocketEntry) => {
  if (entry.retired) return;
  entry.retired = true;
  if (sockets.get(wsUrl) === entry) sockets.delete(wsUrl);
  void (entry.client.transport as unknown as { getRpcClient: () => Promise<{ close: () => void }> })
    .getRpcClient()
    .then((rpc) => rpc.close())
    .catch(() => {});
};

/**
 * Wakes the SDK's waits on the chain's own news instead of a fixed poll: one `eth_subscribe('logs')` per wait
 * over WebSocket, filtered to the waited tasks' keys (every TaskManager event of a task has its key as first
 * topic). A log only says "read now": the state is still read over HTTP and decided from that read, so a
 * dropped or late subscription costs time (the caller's fallback interval), never correctness. No keep-alive
 * timer and no reconnection of a watch: a subscription that fails leaves its wait polling as without WebSocket,
 * and the next watch subscribes on a new socket. Browsers
 * use their WebSocket; Node 20 the `ws` package viem brings.
 *
 * @example
 * const waker = createTaskEventWaker({ wsUrl: 'ws://127.0.0.1:8545', taskManager });
 * const watch = waker.watch([taskKey]);
 * await watch.sleep(2_000); // ends at the task's next event, or after 2 s
 */
export function createTaskEventWaker(parameters: { wsUrl: string; taskManager: Address }): TaskEventWaker {
  const { wsUrl } = parameters;
  /** The socket this waker uses (counted in its users): a retired one is left for the next. */
  let joined: SocketEntry | undefined;
  let closed = false;
  const getSocket = (): SocketEntry | undefined => {
    if (closed) return undefined;
    let entry = sockets.get(wsUrl);
    if (!entry) {
      entry = {
        client: createPublicClient({
          transport: webSocket(wsUrl, { keepAlive: false, reconnect: false, retryCount: 0, timeout: 10_000 }),
        }) as PublicClient,
        users: 0,
        retired: false,
      };
      sockets.set(wsUrl, entry);
    }
    if (joined !== entry) {
      if (joined) joined.users--;
      joined = entry;
      entry.users++;
    }
    return entry;
  };
  return {
    watch(taskKeys) {
      let woken = false;
      let wake: (() => void) | undefined;
      let stopped = false;
      let live = false;
      let unsubscribe: (() => Promise<unknown>) | undefined;
      const socket = getSocket();
      (socket?.client.transport as unknown as { subscribe: Subscribe } | undefined)
        ?.subscribe({
          params: ['logs', { address: parameters.taskManager, topics: [null, [...taskKeys]] }],
          onData: () => {
            woken = true;
            wake?.();
          },
          // A socket that failed (closed, or a request it could not send) is retired; an error answer of the RPC
          // (a plain object: it refused the subscription) leaves the socket to the others.
          onError: (error) => {
            live = false;
            if (socket && !closed && error instanceof Error) retire(wsUrl, socket);
          },
        })
        .then(
          (subscription) => {
            if (stopped || closed) {
              if (!closed) void subscription.unsubscribe().catch(() => {});
              return;
            }
            unsubscribe = subscription.unsubscribe;
            live = true;
            // An event between the caller's last read and now was missed: read once more.
            woken = true;
            wake?.();
          },
          () => {},
        );
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
          // After close the socket is gone: an unsubscribe would open a new one.
          if (!closed) void unsubscribe?.().catch(() => {});
        },
      };
    },
    async close() {
      if (closed) return;
      closed = true;
      const entry = joined;
      if (!entry || entry.retired) return;
      entry.users--;
      if (entry.users > 0) return;
      entry.retired = true;
      if (sockets.get(wsUrl) === entry) sockets.delete(wsUrl);
      const rpc = await (
        entry.client.transport as unknown as { getRpcClient: () => Promise<{ close: () => void }> }
      )
        .getRpcClient()
        .catch(() => undefined);
      rpc?.close();
    },
  };
}
