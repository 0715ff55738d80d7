import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { generatePrivateKey } from 'viem/accounts';
import { createClient } from './client/createClient.js';
import { ChainUnreachableError } from './errors/index.js';
import { startRpcProxy } from './testing/startRpcProxy.js';
import { type SdkNetwork, startSdkNetwork } from './testing/startSdkNetwork.js';
import type { TaskEvent } from './types.js';

/**
 * s15 (trial finding): an app whose chain RPC refused connections (a devnet not started) retried for 14.8 s before
 * saying so, where the CLI says it in 2 s. A refusal before the RPC ever answered the process is said at once; once
 * it answered, a refusal (a devnet restarting) keeps its retries.
 */

const setupTimeout = { timeout: 180_000 };
const teardownTimeout = { timeout: 60_000 };

const clientFor = (rpcUrl: string, chain?: SdkNetwork['chain']) =>
  createClient({
    chain: chain
      ? { ...chain, rpcUrl }
      : {
          id: 31_337,
          rpcUrl,
          contracts: {
            taskManager: '0x5FbDB2315678afecb367f032d93F642f64180aa3',
            nodeRegistry: '0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512',
          },
        },
    relay: 'http://127.0.0.1:9',
    account: generatePrivateKey(),
    pollIntervalMs: 100,
  });

describe('a chain RPC that refuses connections', { timeout: 120_000 }, () => {
  it('from the first call: ChainUnreachableError at once, no retries', async () => {
    const forwarder = await startRpcProxy('http://127.0.0.1:9');
    await forwarder.close(); // nothing listens on its port now
    const client = clientFor(forwarder.url);
    const retries: TaskEvent[] = [];
    client.on((event) => {
      if (event.type === 'retry') retries.push(event);
    });
    const started = Date.now();
    try {
      await assert.rejects(client.getOwed(), (error: unknown) => {
        assert.ok(error instanceof ChainUnreachableError, String(error));
        assert.equal(error.refused, true);
        assert.match(error.shortMessage, /is the devnet \(or your local chain\) running\?/);
        return true;
      });
      assert.deepEqual(retries, []);
      assert.ok(Date.now() - started < 3_000, `took ${Date.now() - started} ms`);
    } finally {
      await client.close();
    }
  });

  describe('after it answered', () => {
    let network: SdkNetwork;
    before(async () => {
      network = await startSdkNetwork();
    }, setupTimeout);
    after(async () => {
      await network?.stop();
    }, teardownTimeout);

    it('a refusal (a restart) is retried until the RPC is back', async () => {
      const forwarder = await startRpcProxy(network.devnet.anvil.rpcUrl);
      const client = clientFor(forwarder.url, network.chain);
      const retries: TaskEvent[] = [];
      client.on((event) => {
        if (event.type === 'retry') retries.push(event);
      });
      try {
        assert.equal(await client.getOwed(), 0n);
        await forwarder.close();
        const back = setTimeout(() => void forwarder.open(), 1_500);
        try {
          assert.equal(await client.getOwed(), 0n);
        } finally {
          clearTimeout(back);
        }
        assert.ok(retries.length > 0, 'retried while refused');
      } finally {
        await client.close();
        await forwarder.close();
      }
    });
  });
});
