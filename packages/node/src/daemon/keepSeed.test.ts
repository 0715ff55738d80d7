import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pino from 'pino';
import { parseEther } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { createChainClient, getDeploymentChain } from '../chain/createChainClient.js';
import { contractsOf, readRecordedSeed, readTask, submitScoreRequest } from '../chain/taskManager.js';
import { getTask, insertTask, openStore } from '../store/index.js';
import { createTestTask, joinTestNode } from '../testing/app.js';
import { startTestDevnet, type TestDevnet, testWallet } from '../testing/devnet.js';
import { createTxSender } from '../tx/index.js';
import type { NodeContext } from './context.js';
import { keepSeed } from './runTaskAction.js';

/** Bounds of this file's hooks (node:test hooks do not inherit a describe's timeout): a hung hook fails, not CI. */
const setupTimeout = { timeout: 180_000 };
const teardownTimeout = { timeout: 60_000 };

let devnet: TestDevnet;
before(async () => {
  devnet = await startTestDevnet();
}, setupTimeout);
after(async () => {
  await devnet?.stop();
}, teardownTimeout);

describe('keepSeed (anvil)', () => {
  it('records the seed of a long task before its block hash ages out, so the late report is accepted', async () => {
    const node = await joinTestNode(devnet, 6, ['base:verinet/tiny-gpt2']);
    const task = await createTestTask(
      devnet,
      18,
      'llm',
      { model: 'verinet/tiny-gpt2', messages: [{ role: 'user', content: 'long' }] },
      parseEther('0.01'),
    );
    assert.equal(task.node, node);
    const store = openStore({ path: ':memory:' });
    const client = createChainClient({ rpcUrl: devnet.anvil.rpcUrl, deployment: devnet.deployment });
    const account = privateKeyToAccount(testWallet(devnet, 6).privateKey);
    const sender = createTxSender({
      client,
      account,
      chain: getDeploymentChain(devnet.deployment, devnet.anvil.rpcUrl),
      store,
    });
    const ctx = {
      store,
      client,
      sender,
      node,
      contracts: contractsOf(devnet.deployment),
      notice: () => {},
      log: pino({ level: 'silent' }),
    } as unknown as NodeContext;
    insertTask(store, {
      taskKey: task.taskKey,
      taskType: 1,
      startedBlock: Number(task.blockNumber),
      argsCommitment: null,
    });
    const record = getTask(store, task.taskKey)!;
    assert.equal(await keepSeed(ctx, record), false, 'too early: nothing sent');
    await devnet.rpc('anvil_mine', ['0xc8']); // 200 blocks
    assert.equal(await keepSeed(ctx, record), true);
    assert.equal(await keepSeed(ctx, record), false, 'recorded once');
    const seed = await readRecordedSeed(client, ctx.contracts, task.taskKey);
    const chainTask = await readTask(client, ctx.contracts, task.taskKey);
    const block = await client.getBlock({ blockNumber: chainTask.seedBlock });
    assert.equal(seed, block.hash);
    await devnet.rpc('anvil_mine', ['0x64']); // now 300 blocks after the seed block
    const outcome = await sender.sendAndWait({
      purpose: 'submitScore',
      taskKey: task.taskKey,
      request: submitScoreRequest(ctx.contracts, task.taskKey, `0x${'11'.repeat(32)}`),
    });
    assert.equal(outcome.status, 'mined');
    store.close();
  });
});
