import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createPublicClient, http } from 'viem';
import { AnvilStartError, startAnvil } from './startAnvil.js';

describe('startAnvil', () => {
  it('starts a chain on loopback that answers RPC, and stops it', async () => {
    const anvil = await startAnvil({ chainId: 4242 });
    try {
      assert.match(anvil.rpcUrl, /^http:\/\/127\.0\.0\.1:\d+$/);
      const client = createPublicClient({ transport: http(anvil.rpcUrl) });
      assert.equal(await client.getChainId(), 4242);
    } finally {
      await anvil.stop();
    }
    assert.notEqual(anvil.process.exitCode ?? anvil.process.signalCode, null);
  });

  it('fails with a typed error when the port is taken', async () => {
    const first = await startAnvil();
    try {
      await assert.rejects(startAnvil({ port: first.port, timeoutMs: 3000 }), AnvilStartError);
    } finally {
      await first.stop();
    }
  });
});
