import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { privateKeyToAccount } from 'viem/accounts';
import { type Anvil, startAnvil } from '../../cli/src/anvil/startAnvil.js';
import { createChainAccess } from './chain/createChainAccess.js';

/** anvil's first test account (funded). */
const privateKey = '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80';

/**
 * Review s15 (0bc7f46): docs (VerinetChain.fixedGas) say "a transaction that runs out of gas all the same is sent once
 * more with an estimate". The fixed limit's eth_call now runs with gas = the fixed limit, so a call that needs more
 * fails there ("EVM error OutOfGas") before anything is sent, and the estimate never comes.
 */
describe('fixed gas limit fallback (review s15)', () => {
  it('a TaskManager call that needs more than its fixed limit is sent with an estimate and mined', async () => {
    let anvil: Anvil | undefined;
    try {
      anvil = await startAnvil({ chainId: 31337 });
      const rpc = async (method: string, params: unknown[]) => {
        const response = await fetch(anvil!.rpcUrl, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
        });
        return ((await response.json()) as { result: unknown }).result;
      };
      const from = privateKeyToAccount(privateKey).address;
      // A contract that burns ≈ 5.1M gas on any call and succeeds: "TaskManager" whose settleDraws outgrew its
      // fixed limit (4.26M), the case the fallback is for.
      const runtime = '620300005b600190038060045700';
      const deployHash = await rpc('eth_sendTransaction', [
        { from, data: `0x600e600c600039600e6000f3${runtime}` },
      ]);
      const receipt = (await rpc('eth_getTransactionReceipt', [deployHash])) as {
        contractAddress: `0x${string}`;
      };
      assert.ok(receipt.contractAddress, 'the burner deployed');
      const access = createChainAccess({
        chain: {
          id: 31337,
          rpcUrl: anvil.rpcUrl,
          contracts: { taskManager: receipt.contractAddress, nodeRegistry: receipt.contractAddress },
        },
        account: privateKey,
        pollIntervalMs: 50,
      });
      const mined = await access.write({ functionName: 'settleDraws', args: [] } as never);
      assert.equal(mined.status, 'success');
      const sent = (await rpc('eth_getTransactionByHash', [mined.transactionHash])) as { gas: string };
      assert.ok(BigInt(sent.gas) > 4_260_000n, `sent with ${BigInt(sent.gas)} gas`);
    } finally {
      await anvil?.stop();
    }
  });
});
