import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { taskManagerAbi } from '@verinet/protocol/chain/abis';
import { getPublicKey } from '@verinet/protocol/vrf';
import { type Hex, keccak256, toHex } from 'viem';
import { startTestDevnet, type TestDevnet, testWallet } from '../../../node/src/testing/devnet.js';
import { getBareTaskParameters } from '../testing/getBareTaskParameters.js';
import { createChainAccess } from './createChainAccess.js';
import { getChainFromDeployment } from './getChainFromDeployment.js';

/** Bounds of this file's hooks (node:test hooks do not inherit a describe's timeout). */
const setupTimeout = { timeout: 180_000 };
const teardownTimeout = { timeout: 60_000 };

let devnet: TestDevnet;
before(async () => {
  devnet = await startTestDevnet();
}, setupTimeout);
after(async () => {
  await devnet?.stop();
}, teardownTimeout);

/** A write that must end within `ms` (a transaction behind a nonce gap waits for ever). */
async function within<T>(ms: number, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`not done within ${ms} ms (a nonce gap?)`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

function accessFor(index: number, isTaskWanted?: (taskKey: Hex) => boolean) {
  const { privateKey } = testWallet(devnet, index);
  const access = createChainAccess({
    chain: getChainFromDeployment(devnet.deployment, devnet.anvil.rpcUrl),
    account: privateKey,
    pollIntervalMs: 50,
    isTaskWanted,
  });
  return { access, privateKey };
}

/**
 * A bare task created by `access` (its receipt and nonce), then the chain taken back to just before it: the
 * createTask is neither in a block nor in the pool, as after a reload of an older chain save.
 */
async function createThenRewind(access: ReturnType<typeof accessFor>['access'], label: string) {
  const minFee = (await devnet.client.readContract({
    address: devnet.deployment.contracts.taskManager,
    abi: taskManagerAbi,
    functionName: 'minFee',
  })) as bigint;
  const taskKey = keccak256(toHex(label));
  const saved = (await devnet.rpc('evm_snapshot', [])) as string;
  const created = await within(
    30_000,
    access.write({ functionName: 'createTask', args: [getBareTaskParameters(taskKey)], value: minFee }),
  );
  const createdNonce = (await devnet.client.getTransaction({ hash: created.transactionHash })).nonce;
  await devnet.rpc('evm_revert', [saved]);
  return { taskKey, created, createdNonce };
}

const bindKey = (privateKey: Hex) => ({
  functionName: 'bindVrfKey',
  args: [getPublicKey(privateKey)],
});

describe('review s12: the SDK after the chain went back under its nonce (evm_snapshot / evm_revert)', () => {
  it('puts the lost transaction back (same bytes) before the next one, which then lands: no gap, no hang', async () => {
    const { access, privateKey } = accessFor(15);
    const { address } = access;
    const saved = (await devnet.rpc('evm_snapshot', [])) as string;
    const lost = await within(30_000, access.write(bindKey(privateKey)));
    const lostNonce = (await devnet.client.getTransaction({ hash: lost.transactionHash })).nonce;
    // What a reload of an older chain save does: the transaction is neither in a block nor in the pool.
    await devnet.rpc('evm_revert', [saved]);
    assert.equal(await devnet.client.getTransactionCount({ address, blockTag: 'pending' }), lostNonce);
    const next = await within(30_000, access.write({ functionName: 'settleDraws', args: [] }));
    assert.equal(next.status, 'success');
    assert.equal((await devnet.client.getTransaction({ hash: next.transactionHash })).nonce, lostNonce + 1);
    // The lost one is back with its own bytes (nothing signed twice for its nonce).
    const back = await devnet.client.getTransactionReceipt({ hash: lost.transactionHash });
    assert.equal(back.status, 'success');
    assert.equal(await devnet.client.getTransactionCount({ address }), lostNonce + 2);
  });

  it('a write whose estimate needs the lost transaction (abortTask after its createTask) is estimated again once it is back', async () => {
    const { access } = accessFor(16, () => true);
    const { address } = access;
    const { taskKey, created, createdNonce } = await createThenRewind(access, 'rewound task');
    // On the rewound chain the task does not exist: abortTask's estimate reverts (InvalidState) until the lost
    // createTask is back. No node has joined this chain's test devnet: the task queues, and its creator cancels it.
    const aborted = await within(30_000, access.write({ functionName: 'abortTask', args: [taskKey] }));
    assert.equal(aborted.status, 'success');
    assert.equal(
      (await devnet.client.getTransaction({ hash: aborted.transactionHash })).nonce,
      createdNonce + 1,
    );
    assert.equal(
      (await devnet.client.getTransactionReceipt({ hash: created.transactionHash })).status,
      'success',
    );
    assert.equal(await devnet.client.getTransactionCount({ address }), createdNonce + 2);
  });
  it('a createTask the chain went back under whose task is no longer wanted is not paid again: a no-op takes its nonce', async () => {
    const { access } = accessFor(18, () => false);
    const { address } = access;
    const { taskKey, createdNonce } = await createThenRewind(access, 'dropped task');
    const next = await within(30_000, access.write({ functionName: 'settleDraws', args: [] }));
    assert.equal(next.status, 'success');
    assert.equal(
      (await devnet.client.getTransaction({ hash: next.transactionHash })).nonce,
      createdNonce + 1,
    );
    const filler = await devnet.client.getBlock({ blockTag: 'latest', includeTransactions: true });
    const all = [
      filler,
      await devnet.client.getBlock({ blockNumber: filler.number - 1n, includeTransactions: true }),
    ]
      .flatMap((block) => block.transactions)
      .filter(
        (tx) =>
          typeof tx !== 'string' &&
          tx.from.toLowerCase() === address.toLowerCase() &&
          tx.nonce === createdNonce,
      );
    assert.equal(all.length, 1, "one transaction took the createTask's nonce");
    const tx = all[0] as { to: string | null; value: bigint };
    assert.equal(tx.to?.toLowerCase(), address.toLowerCase(), 'a transfer to the account itself');
    assert.equal(tx.value, 0n);
    const task = (await devnet.client.readContract({
      address: devnet.deployment.contracts.taskManager,
      abi: taskManagerAbi,
      functionName: 'getTask',
      args: [taskKey],
    } as never)) as { state: number };
    assert.equal(task.state, 0, 'the dropped task was not created again');
  });
});
