import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One JSON-RPC call of a request (an item of a batch), as the client sent it. */
export type RpcProxyCall = {
  id?: unknown;
  method: string;
  params?: unknown[];
};

/** One JSON-RPC answer of the upstream (an item of a batch). */
export type RpcProxyAnswer = { id?: unknown; result?: unknown; error?: unknown };

export type StartRpcProxyParameters = {
  /** Sees (and may change) the calls of each request before they are forwarded. */
  onCalls?: ((calls: RpcProxyCall[]) => void | Promise<void>) | undefined;
  /** Sees (and may change) the upstream's answers, with the calls they answer, before they are returned. */
  onAnswers?: ((answers: RpcProxyAnswer[], calls: RpcProxyCall[]) => void) | undefined;
};

export type RpcProxy = {
  /** Its URL (the same port across `close` and `open`). */
  url: string;
  /** Stops listening: connections to its port are refused until `open`. */
  close: () => Promise<void>;
  /** Listens again on the same port. */
  open: () => Promise<void>;
};

/**
 * A JSON-RPC proxy on 127.0.0.1 in front of `target` (anvil), for tests of an RPC that misbehaves: a lagging
 * replica (`onCalls` moves a call's block), one that drops logs (`onAnswers`), one that counts calls, one that
 * refuses connections (`close`, then `open`). A body that is not JSON is forwarded as is; an upstream that fails
 * drops the connection.
 *
 * @example
 * const proxy = await startRpcProxy(anvil.rpcUrl, { onCalls: (calls) => void count(calls) });
 */
export async function startRpcProxy(
  target: string,
  parameters: StartRpcProxyParameters = {},
): Promise<RpcProxy> {
  const { onCalls, onAnswers } = parameters;
  let server: Server | undefined;
  let port = 0;
  const handle = async (body: Buffer): Promise<{ status: number; body: Buffer | string }> => {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString());
    } catch {
      parsed = undefined;
    }
    const calls = (Array.isArray(parsed) ? parsed : parsed === undefined ? [] : [parsed]) as RpcProxyCall[];
    if (parsed !== undefined) await onCalls?.(calls);
    const upstream = await fetch(target, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: parsed === undefined || !onCalls ? body : JSON.stringify(parsed),
    });
    const answer = Buffer.from(await upstream.arrayBuffer());
    if (!onAnswers || parsed === undefined) return { status: upstream.status, body: answer };
    let answered: unknown;
    try {
      answered = JSON.parse(answer.toString());
    } catch {
      return { status: upstream.status, body: answer };
    }
    const answers = (Array.isArray(answered) ? answered : [answered]) as RpcProxyAnswer[];
    onAnswers(answers, calls);
    return { status: upstream.status, body: JSON.stringify(Array.isArray(answered) ? answers : answers[0]) };
  };
  const open = async () => {
    const made = createServer(async (request, response) => {
      const chunks: Buffer[] = [];
      for await (const chunk of request) chunks.push(chunk as Buffer);
      try {
        const { status, body } = await handle(Buffer.concat(chunks));
        response.writeHead(status, { 'content-type': 'application/json' });
        response.end(body);
      } catch {
        request.socket.destroy();
      }
    });
    await new Promise<void>((resolve) => made.listen(port, '127.0.0.1', resolve));
    port = (made.address() as AddressInfo).port;
    server = made;
  };
  const close = async () => {
    const closing = server;
    server = undefined;
    if (!closing) return;
    closing.closeAllConnections();
    await new Promise((resolve) => closing.close(resolve));
  };
  await open();
  return { url: `http://127.0.0.1:${port}`, close, open };
}
