import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { generatePrivateKey } from 'viem/accounts';
import { createChainAccess } from './createChainAccess.js';

// Review s8: every read of the SDK now goes out as a JSON-RPC batch (an array body, even for one call). An RPC that
// answers batches with one error object (as endpoints without batch support, or with a lower batch limit, do).
describe('review s8: an RPC endpoint without JSON-RPC batch support', () => {
  it('a single read still works', async () => {
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        const parsed = JSON.parse(body);
        res.setHeader('content-type', 'application/json');
        if (Array.isArray(parsed))
          return res.end(
            JSON.stringify({
              jsonrpc: '2.0',
              id: null,
              error: { code: -32600, message: 'batch requests are not supported' },
            }),
          );
        res.end(
          JSON.stringify({
            jsonrpc: '2.0',
            id: parsed.id,
            result: parsed.method === 'eth_chainId' ? '0x7a69' : '0x10',
          }),
        );
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const access = createChainAccess({
        chain: {
          id: 31337,
          rpcUrl: url,
          contracts: { taskManager: `0x${'11'.repeat(20)}`, nodeRegistry: `0x${'22'.repeat(20)}` },
        },
        account: generatePrivateKey(),
        pollIntervalMs: 100,
      });
      let outcome: string;
      try {
        outcome = `block ${await access.publicClient.getBlockNumber()}`;
      } catch (error) {
        outcome = `error: ${(error as Error).message.split('\n')[0]}`;
      }
      console.log(outcome);
      assert.equal(outcome, 'block 16');
    } finally {
      server.close();
    }
  });
});
