import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { parseEther } from 'viem';
import { settleDraws } from '../../../sdk/src/actions/settleDraws.js';
import { createChainAccess } from '../../../sdk/src/chain/createChainAccess.js';
import type { SdkContext } from '../../../sdk/src/client/context.js';
import { createTestTask, joinTestNode } from '../testing/app.js';
import { startTestDevnet, type TestDevnet, testWallet } from '../testing/devnet.js';

/** Bounds of this file's hooks (node:test hooks do not inherit a describe's timeout): a hung hook fails, not CI. */
const setupTimeout = { timeout: 180_000 };
const teardownTimeout = { timeout: 60_000 };

// Review s8: settleDraws is simulated first so that an app pays for no no-op; several waits of one process deciding
// in the same tick (the shared feed wakes every drawing wait on each head) all pass the simulation.
describe('review s8: concurrent settleDraws of one process', { timeout: 180_000 }, () => {
  let devnet: TestDevnet;
  before(async () => {
    devnet = await startTestDevnet();
    await joinTestNode(devnet, 1, ['base:verinet/tiny-sd']);
  }, setupTimeout);
  after(async () => devnet?.stop(), teardownTimeout);

  it('one Pending draw, settleDraws from three waits (two apps) at once: how many transactions are paid', async () => {
    const chain = {
      id: devnet.deployment.chainId,
      rpcUrl: devnet.anvil.rpcUrl,
      contracts: devnet.deployment.contracts,
    };
    const contextOf = (index: number) =>
      ({
        access: createChainAccess({
          chain,
          account: testWallet(devnet, index).privateKey,
          pollIntervalMs: 100,
        }),
        retry: { attempts: 1, baseDelayMs: 10 },
        emit: () => {},
      }) as unknown as SdkContext;
    const a = contextOf(5);
    const b = contextOf(6);
    await createTestTask(
      devnet,
      4,
      'sd',
      { base_model: 'verinet/tiny-sd', prompt: 'x' },
      parseEther('0.01'),
      {
        settle: false,
      },
    );
    const nonces = async () =>
      (await a.access.publicClient.getTransactionCount({ address: a.access.address })) +
      (await b.access.publicClient.getTransactionCount({ address: b.access.address }));
    const before = await nonces();
    const sent = await Promise.all([settleDraws(a), settleDraws(a), settleDraws(b)]);
    const paid = (await nonces()) - before;
    console.log(
      `settleDraws results ${JSON.stringify(sent.map((receipt) => (receipt ? receipt.transactionHash : false)))}, transactions paid: ${paid}`,
    );
    assert.equal(paid, 1, `${paid} settleDraws transactions for one draw (${paid - 1} paid no-ops)`);
  });
});
