/** What ended a subscription that was not closed by its owner (its `onEnd`). */
export class WebSocketSubscriptionError extends Error {
  override name = 'WebSocketSubscriptionError';
}

export type WebSocketSubscription = {
  /** Ends the subscription and its socket at once (an opening under way is aborted); `onEnd` is not called. */
  close: () => void;
};

export type SubscribeOverWebSocketParameters = {
  url: string;
  /** The `eth_subscribe` parameters (`['newHeads']`, `['logs', filter]`). */
  params: unknown[];
  /** Each notification's `result`. */
  onData: (result: unknown) => void;
  /** The endpoint confirmed the subscription. */
  onSubscribed?: (() => void) | undefined;
  /**
   * The subscription ended without `close`: the socket closed or failed, the opening or the subscription's answer
   * took longer than `openTimeoutMs`, the endpoint refused it or sent what is not JSON. Called at most once; the
   * socket is already closed.
   */
  onEnd: (error: WebSocketSubscriptionError) => void;
  /** How long the socket's opening and the answer to `eth_subscribe` may take together (default 10 s). */
  openTimeoutMs?: number | undefined;
};

type Socket = {
  readonly readyState: number;
  send: (data: string) => void;
  close: () => void;
  terminate?: () => void;
  addEventListener: (type: string, listener: (event: { data?: unknown }) => void) => void;
};

/** The platform's WebSocket (browsers, Node 22+), else the `ws` package viem brings (through its `isows`). */
const loadWebSocket = async (): Promise<new (url: string) => Socket> => {
  const native = (globalThis as { WebSocket?: new (url: string) => Socket }).WebSocket;
  if (native) return native;
  const module = await import('isows');
  return module.WebSocket as unknown as new (
    url: string,
  ) => Socket;
};

/**
 * One `eth_subscribe` on a socket of its own (no socket shared with other subscriptions of the process, as viem's
 * per-URL socket cache would): closing it, or its failure, touches no other subscription. The opening has a
 * timeout (viem's has none: an endpoint that accepts TCP and never answers the upgrade held it forever), and
 * `close` ends the socket at once whatever its state, so nothing is left open after it. No reconnection: the owner
 * decides whether and when to subscribe again.
 *
 * @example
 * const subscription = subscribeOverWebSocket({
 *   url: 'ws://127.0.0.1:8545',
 *   params: ['newHeads'],
 *   onData: (head) => console.log(head),
 *   onEnd: (error) => console.warn(error.message),
 * });
 * subscription.close();
 */
export function subscribeOverWebSocket(parameters: SubscribeOverWebSocketParameters): WebSocketSubscription {
  const { url } = parameters;
  const openTimeoutMs = parameters.openTimeoutMs ?? 10_000;
  let done = false;
  let socket: Socket | undefined;
  let subscription: string | undefined;

  const dispose = () => {
    clearTimeout(openTimer);
    const ending = socket;
    socket = undefined;
    if (!ending) return;
    // `terminate` (ws) ends the TCP connection without a closing handshake a failing peer may never answer; the
    // browser's close() also aborts an opening.
    try {
      if (ending.terminate) ending.terminate();
      else ending.close();
    } catch {
      // Already closed.
    }
  };
  const end = (reason: string) => {
    if (done) return;
    done = true;
    dispose();
    parameters.onEnd(new WebSocketSubscriptionError(`WebSocket subscription on ${url} ended: ${reason}`));
  };

  const openTimer = setTimeout(
    () =>
      end(
        subscription === undefined
          ? `no open socket and subscription after ${openTimeoutMs} ms (the endpoint does not answer)`
          : 'timed out',
      ),
    openTimeoutMs,
  );

  void loadWebSocket().then(
    (WebSocket) => {
      if (done) return;
      let opened: Socket;
      try {
        opened = new WebSocket(url);
      } catch (error) {
        end(`cannot open (${(error as Error).message})`);
        return;
      }
      socket = opened;
      opened.addEventListener('open', () => {
        if (done || socket !== opened) return;
        try {
          opened.send(
            JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_subscribe', params: parameters.params }),
          );
        } catch (error) {
          end(`cannot send (${(error as Error).message})`);
        }
      });
      opened.addEventListener('message', (event) => {
        if (done || socket !== opened) return;
        let message: {
          id?: unknown;
          result?: unknown;
          error?: { message?: unknown };
          method?: unknown;
          params?: { subscription?: unknown; result?: unknown };
        };
        try {
          message = JSON.parse(String(event.data));
        } catch {
          end('the endpoint sent a message that is not JSON');
          return;
        }
        if (message.method === 'eth_subscription') {
          if (subscription !== undefined && message.params?.subscription === subscription)
            parameters.onData(message.params.result);
          return;
        }
        if (message.id !== 1 || subscription !== undefined) return;
        if (typeof message.result !== 'string') {
          end(
            `the endpoint refused eth_subscribe (${String(message.error?.message ?? 'no subscription id')})`,
          );
          return;
        }
        subscription = message.result;
        clearTimeout(openTimer);
        parameters.onSubscribed?.();
      });
      opened.addEventListener('error', () => {
        if (socket === opened) end('socket error');
      });
      opened.addEventListener('close', () => {
        if (socket === opened) end('socket closed');
      });
    },
    (error: unknown) => end(`no WebSocket implementation (${(error as Error).message})`),
  );

  return {
    close() {
      if (done) return;
      done = true;
      dispose();
    },
  };
}
