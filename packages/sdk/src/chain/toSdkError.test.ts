import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createWalletClient, http } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { foundry } from 'viem/chains';
import { type Anvil, startAnvil } from '../../../cli/src/anvil/startAnvil.js';
import { ChainRequestError } from '../errors/index.js';
import { toSdkError } from './toSdkError.js';

/** anvil's first test account (its well-known default key). */
const account = privateKeyToAccount('0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80');

/**
 * Two processes sending from one account (ten `verinet task run` on a devnet) race for its nonce. viem's short
 * message is "Transaction creation failed."; the retry line must say what the RPC said, in plain words.
 */
describe('toSdkError: an RPC refusing a transaction', () => {
  let anvil: Anvil;
  before(async () => {
    // Interval mining: the first transaction waits in the pool, as on the devnet.
    anvil = await startAnvil({ blockTime: 5 });
  });
  after(async () => {
    await anvil.stop();
  });

  it('names the RPC reason and the likely nonce race, not viem\'s "Transaction creation failed."', async () => {
    const wallet = createWalletClient({ account, chain: foundry, transport: http(anvil.rpcUrl) });
    await wallet.sendTransaction({ to: account.address, value: 1n, nonce: 0 });
    const refused = await wallet.sendTransaction({ to: account.address, value: 2n, nonce: 0 }).then(
      () => undefined,
      (error: unknown) => error,
    );
    assert.ok(refused, 'anvil refuses a second transaction with a pending nonce');
    const error = toSdkError(refused, 'createTask', account.address);
    assert.ok(error instanceof ChainRequestError);
    assert.equal(error.retryable, true);
    assert.equal(
      error.shortMessage,
      'createTask: the chain RPC refused the transaction (replacement transaction underpriced): another transaction from this account took its nonce (several processes sending from one account?)',
    );
    assert.doesNotMatch(error.shortMessage, /Transaction creation failed/);
  });
});
