import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { packVersion } from '@verinet/protocol/args';
import { getPublicKey } from '@verinet/protocol/vrf';
import { zeroAddress } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { createChainClient, getDeploymentChain } from '../chain/createChainClient.js';
import { contractsOf, joinRequest, pauseRequest } from '../chain/taskManager.js';
import { openStore } from '../store/index.js';
import { startTestDevnet, type TestDevnet, testMinStake, testWallet } from '../testing/devnet.js';
import { createTxSender } from './createTxSender.js';

const setupTimeout = { timeout: 180_000 };
const teardownTimeout = { timeout: 60_000 };

/**
 * Review s12: on a chain with a mempool (anvil mining a block every 3 s, as a public chain does), another holder of
 * the key (the operator's wallet or CLI) has a transaction waiting in the pool: the pending count includes it, the
 * store's count does not (a sender that trusted its store's nonce replaced it).
 */
let devnet: TestDevnet;
before(async () => {
  devnet = await startTestDevnet({ blockTime: 3 });
}, setupTimeout);
after(async () => {
  await devnet?.stop();
}, teardownTimeout);

describe('createTxSender on a chain with a mempool (anvil, 3 s blocks; review s12)', () => {
  it('a transaction of another holder of the key waiting in the pool is neither replaced nor collided with', async () => {
    const { privateKey, wallet } = testWallet(devnet, 11);
    const account = privateKeyToAccount(privateKey);
    const store = openStore({ path: ':memory:' });
    const client = createChainClient({ rpcUrl: devnet.anvil.rpcUrl, deployment: devnet.deployment });
    const sender = createTxSender({
      client,
      account,
      chain: getDeploymentChain(devnet.deployment, devnet.anvil.rpcUrl),
      store,
      bumpAfterMs: 4_000,
    });
    const joined = await sender.sendAndWait(
      {
        purpose: 'join',
        request: joinRequest(contractsOf(devnet.deployment), {
          gpuName: 'Test GPU',
          vram: 8,
          version: packVersion('1.0.0'),
          publicKey: getPublicKey(privateKey),
          beneficiary: zeroAddress,
          modelIds: [],
          stake: testMinStake,
        }),
      },
      { timeoutMs: 30_000 },
    );
    assert.equal(joined.status, 'mined');
    // The operator sends from its wallet with the same key: the pending count (joined + 1) is read by viem.
    const walletHash = await wallet.sendTransaction({ to: account.address, value: 1n });
    const paused = await sender.sendAndWait(
      { purpose: 'pause', request: pauseRequest(contractsOf(devnet.deployment)) },
      { timeoutMs: 60_000 },
    );
    assert.equal(paused.status, 'mined');
    const walletReceipt = await devnet.client
      .waitForTransactionReceipt({ hash: walletHash, timeout: 20_000 })
      .catch((error: unknown) => error as Error);
    assert.ok(
      !(walletReceipt instanceof Error),
      `the wallet's transaction (nonce ${joined.tx.nonce + 1}) was not mined: the node's pause took its nonce (${paused.tx.nonce}) and replaced it in the pool`,
    );
    const statuses = (
      store.db
        .prepare("SELECT status, nonce FROM transactions WHERE purpose = 'pause' ORDER BY id")
        .all() as {
        status: string;
        nonce: number;
      }[]
    ).map((r) => `${r.status}@${r.nonce - joined.tx.nonce}`);
    assert.deepEqual(statuses, ['mined@2'], 'the pause signed once, with the nonce after the pooled one');
  });
  it('a base fee that jumped above the cached fee cap: the refused send reads the fees again at once (not after bumpAfterMs)', async () => {
    const { privateKey } = testWallet(devnet, 12);
    const account = privateKeyToAccount(privateKey);
    const client = createChainClient({ rpcUrl: devnet.anvil.rpcUrl, deployment: devnet.deployment });
    const sender = createTxSender({
      client,
      account,
      chain: getDeploymentChain(devnet.deployment, devnet.anvil.rpcUrl),
      store: openStore({ path: ':memory:' }),
      // The window in which the cached fee serves (1 s by default) widened so that a loaded machine does not
      // let it expire between the two sends; what follows is the same within 1 s.
      feeCacheMs: 30_000,
    });
    const joined = await sender.sendAndWait(
      {
        purpose: 'join',
        request: joinRequest(contractsOf(devnet.deployment), {
          gpuName: 'Test GPU',
          vram: 8,
          version: packVersion('1.0.0'),
          publicKey: getPublicKey(privateKey),
          beneficiary: zeroAddress,
          modelIds: [],
          stake: testMinStake,
        }),
      },
      { timeoutMs: 30_000 },
    );
    assert.equal(joined.status, 'mined');
    // The base fee jumps (a burst of full blocks, or an L2's fee rule) far above 2 x the cached read.
    await devnet.rpc('anvil_setNextBlockBaseFeePerGas', [`0x${(1_000n * 10n ** 9n).toString(16)}`]);
    await devnet.rpc('evm_mine');
    const started = Date.now();
    const outcome = await sender
      .sendAndWait(
        { purpose: 'pause', request: pauseRequest(contractsOf(devnet.deployment)) },
        { timeoutMs: 20_000 },
      )
      .catch((error: unknown) => error as Error);
    assert.ok(
      !(outcome instanceof Error),
      `not mined after ${Date.now() - started} ms: the fee refusal was taken as sent and the fees were not read again (${outcome instanceof Error ? outcome.message : ''})`,
    );
  });
});
