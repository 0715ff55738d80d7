import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { generatePrivateKey } from 'viem/accounts';
import { createChainAccess } from './createChainAccess.js';

// Review s8: the reads of every client of a process share one batch per tick. A batch is answered as one HTTP
// response, so one slow read (an eth_getLogs scan from the deployment block, as discoverLlmBucket makes) holds
// every other client's read of that tick.
describe('review s8: one slow read in a shared batch', () => {
  it("another client's eth_blockNumber in the same tick is not held by a slow eth_getLogs", async () => {
    const answer = (item: { id: number; method: string }) => ({
      jsonrpc: '2.0',
      id: item.id,
      result: item.method === 'eth_getLogs' ? [] : item.method === 'eth_chainId' ? '0x7a69' : '0x10',
    });
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        const parsed = JSON.parse(body);
        const items = Array.isArray(parsed) ? parsed : [parsed];
        const slow = items.some((i: { method: string }) => i.method === 'eth_getLogs');
        setTimeout(
          () => {
            res.setHeader('content-type', 'application/json');
            res.end(JSON.stringify(Array.isArray(parsed) ? items.map(answer) : answer(parsed)));
          },
          slow ? 1_500 : 0,
        );
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const chain = {
      id: 31337,
      rpcUrl: url,
      contracts: { taskManager: `0x${'11'.repeat(20)}`, nodeRegistry: `0x${'22'.repeat(20)}` },
    } as const;
    try {
      const scanner = createChainAccess({ chain, account: generatePrivateKey(), pollIntervalMs: 100 });
      const waiter = createChainAccess({ chain, account: generatePrivateKey(), pollIntervalMs: 100 });
      const started = Date.now();
      const scan = scanner.publicClient.getLogs({
        address: chain.contracts.nodeRegistry,
        fromBlock: 0n,
        toBlock: 16n,
      });
      await waiter.publicClient.getBlockNumber({ cacheTime: 0 });
      const held = Date.now() - started;
      await scan;
      console.log(`eth_blockNumber of another client answered after ${held} ms`);
      assert.ok(held < 500, `held ${held} ms by the other client's slow eth_getLogs`);
    } finally {
      server.close();
    }
  });
});
