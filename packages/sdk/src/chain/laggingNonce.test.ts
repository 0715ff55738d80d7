import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { custom, type Hex, toHex } from 'viem';
import { startTestDevnet, type TestDevnet, testWallet } from '../../../node/src/testing/devnet.js';
import { createChainAccess } from './createChainAccess.js';
import { getChainFromDeployment } from './getChainFromDeployment.js';

const setupTimeout = { timeout: 180_000 };
const teardownTimeout = { timeout: 60_000 };

let devnet: TestDevnet;
before(async () => {
  devnet = await startTestDevnet();
}, setupTimeout);
after(async () => {
  await devnet?.stop();
}, teardownTimeout);

// Review s13 (ux): a pending count below `acceptedUpTo` now always goes through restoreRewound, which answers the
// first nonce whose bytes this client does not keep, and clears nextNonce. A load-balanced RPC whose replica lags
// behind a transaction this client did not send (the previous `verinet task run` of the same account, another
// process on the key) answers a pending count below the client's first kept nonce: the client signs anew at that
// taken nonce, ignoring its own count (Math.max(pendingNonce, nextNonce), which guarded against exactly this lag
// before s13). On a real load-balanced RPC the lagging replica accepts it: two transactions for one nonce in two
// pools. Here (one anvil behind a proxy that lags only its pending count) the send is refused and the write fails.

/** JSON-RPC to the devnet, with the pending count of `lagging.address` answered as `lagging.count` when set. */
function laggingTransport(url: string, lagging: { address?: string; count?: number }) {
  return custom({
    async request({ method, params }: { method: string; params?: unknown }) {
      const list = (params ?? []) as unknown[];
      if (
        method === 'eth_getTransactionCount' &&
        lagging.count !== undefined &&
        list[1] === 'pending' &&
        String(list[0]).toLowerCase() === lagging.address?.toLowerCase()
      )
        return toHex(lagging.count);
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params: list }),
      });
      const body = (await response.json()) as { result?: unknown; error?: { code: number; message: string } };
      if (body.error) throw Object.assign(new Error(body.error.message), { code: body.error.code });
      return body.result;
    },
  });
}

describe('review s13: the SDK under a pending count that lags behind a transaction it did not send', () => {
  it('takes its own next nonce, not the lagging count (no new transaction signed over a taken nonce)', async () => {
    const { privateKey } = testWallet(devnet, 14);
    const chain = getChainFromDeployment(devnet.deployment, devnet.anvil.rpcUrl);
    // An earlier process on this key (the previous `task run`): its transaction is mined.
    const earlier = createChainAccess({ chain, account: privateKey as Hex, pollIntervalMs: 50 });
    const first = await earlier.write({ functionName: 'settleDraws', args: [] });
    const taken = (await devnet.client.getTransaction({ hash: first.transactionHash })).nonce;

    const lagging: { address?: string; count?: number } = {};
    const access = createChainAccess({
      chain,
      account: privateKey as Hex,
      pollIntervalMs: 50,
      transport: laggingTransport(devnet.anvil.rpcUrl, lagging),
    });
    lagging.address = access.address;
    const own = await access.write({ functionName: 'settleDraws', args: [] });
    assert.equal((await devnet.client.getTransaction({ hash: own.transactionHash })).nonce, taken + 1);

    // The next read of the pending count reaches a replica that has seen neither transaction.
    lagging.count = taken;
    const next = await access.write({ functionName: 'settleDraws', args: [] });
    assert.equal(next.status, 'success');
    assert.equal((await devnet.client.getTransaction({ hash: next.transactionHash })).nonce, taken + 2);
  });
});
