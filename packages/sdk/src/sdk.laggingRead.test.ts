import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { parseEther, toFunctionSelector } from 'viem';
import { createClient, type VerinetClient } from './client/createClient.js';
import { nodeHttp } from './nodeHttp.js';
import { type SdkNetwork, startSdkNetwork, testModels } from './testing/startSdkNetwork.js';

/**
 * s14 review (a defect older than session 14): a load-balanced RPC whose replica answering a state read is a block
 * behind the one that gave the createTask receipt shows the new task as None (getTask of an unknown key). The wait
 * takes None like a running state whose stateTime is 0 (the epoch): `now >= 0 + timeout`, so a task created a
 * moment ago is reported timed out at once (and its record's state becomes None, which runAttempt takes for a
 * createTask never sent). Now a created task the chain answers None for is read again for up to 20 s
 * (unseenTaskWaitMs) before it is taken for gone.
 */

const setupTimeout = { timeout: 180_000 };
const teardownTimeout = { timeout: 60_000 };
const getTaskSelector = toFunctionSelector('getTask(bytes32)');

/** Answers getTask calls one block behind the head (a lagging replica); everything else as is. */
async function startLaggingProxy(target: string) {
  const rpc = async (body: unknown) =>
    (await (
      await fetch(target, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      })
    ).json()) as { result: string };
  const server: Server = createServer(async (request, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    try {
      const parsed = JSON.parse(Buffer.concat(chunks).toString()) as unknown;
      const items = (Array.isArray(parsed) ? parsed : [parsed]) as {
        method: string;
        params?: [{ data?: string; input?: string }, unknown];
      }[];
      for (const item of items) {
        const call = item.params?.[0];
        if (item.method === 'eth_call' && String(call?.data ?? call?.input).startsWith(getTaskSelector)) {
          const head = BigInt(
            (await rpc({ jsonrpc: '2.0', id: 1, method: 'eth_blockNumber', params: [] })).result,
          );
          item.params = [call ?? {}, `0x${(head - 1n).toString(16)}`];
        }
      }
      const upstream = await fetch(target, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(parsed),
      });
      response.writeHead(upstream.status, { 'content-type': 'application/json' });
      response.end(Buffer.from(await upstream.arrayBuffer()));
    } catch {
      request.socket.destroy();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

let network: SdkNetwork;
let proxy: Awaited<ReturnType<typeof startLaggingProxy>>;
let app: VerinetClient;

before(async () => {
  network = await startSdkNetwork();
  for (const index of [1, 2]) await network.joinNode(index);
  proxy = await startLaggingProxy(network.devnet.anvil.rpcUrl);
  app = createClient({
    chain: { ...network.chain, rpcUrl: proxy.url },
    relay: network.relay.url,
    account: network.privateKey(12),
    fee: parseEther('0.01'),
    pollIntervalMs: 100,
    http: nodeHttp,
  });
}, setupTimeout);
after(async () => {
  await app?.close();
  await proxy?.close();
  await network?.stop();
}, teardownTimeout);

describe('a state read one block behind the createTask receipt', { timeout: 120_000 }, () => {
  it('does not report a task created a moment ago as timed out', async () => {
    const record = await app.prepareTask({
      type: 'llm',
      args: {
        model: testModels.llm,
        messages: [{ role: 'user' as const, content: 'Tell me' }],
        generation_config: { max_new_tokens: 4 },
        seed: 1,
      },
    });
    await app.uploadArgs(record.id);
    const created = await app.createTask(record.id);
    assert.equal(created.members[0]?.state, 'Pending');
    const { record: seen, timedOut } = await app.waitForReport(record.id, {
      until: 'seed',
      signal: AbortSignal.timeout(20_000),
    });
    assert.deepEqual(timedOut, [], `timed out at once; the record's state: ${seen.members[0]?.state}`);
  });
});
