import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { taskManagerAbi } from '@verinet/protocol/chain/abis';
import { type Address, type Hex, parseEther } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { getTask } from '../../node/src/store/index.js';
import { createClient } from './client/createClient.js';
import { toLlmTaskArgs } from './high/createChatCompletion.js';
import { createSqliteStore } from './store/createSqliteStore.js';
import { type SdkNetwork, startSdkNetwork, testModels } from './testing/startSdkNetwork.js';

// Review of s14-lows (3557567): onReorg marks lost only the ended tasks whose TaskStarted was replaced. A task
// started below the fork whose END (the app's validation) was replaced is left `ended` in the node's store while
// the chain that stands shows it ScoreReady again: the node never follows it, so it never finalizes it after the
// validation window (its own path to its fee when the app does not validate). Expected: the node finalizes it.

const setupTimeout = { timeout: 180_000 };
const teardownTimeout = { timeout: 60_000 };
const appIndex = 10;
const nodeIndex = 1;
let network: SdkNetwork;

before(async () => {
  network = await startSdkNetwork();
  await network.joinNode(nodeIndex);
  await network.startNode(nodeIndex);
  await network.send(0, 'taskManager', 'setSamplingDenominator', [1000n]);
}, setupTimeout);
after(async () => {
  await network?.stop();
}, teardownTimeout);

const read = <T>(functionName: string, args: readonly unknown[] = []) =>
  network.devnet.client.readContract({
    address: network.chain.contracts.taskManager,
    abi: taskManagerAbi,
    functionName,
    args,
  } as never) as Promise<T>;
const owed = (account: Address) => read<bigint>('owed', [account]);
const chainState = async (taskKey: Hex) => (await read<{ state: number }>('getTask', [taskKey])).state;

const until = async (what: string, check: () => Promise<boolean> | boolean, timeoutMs: number) => {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
};

/** An app client of this network, on its own SQLite store. */
const appClient = (name: string) =>
  createClient({
    chain: network.chain,
    relay: network.relay.url,
    account: network.privateKey(appIndex),
    fee: parseEther('0.01'),
    pollIntervalMs: 200,
    store: createSqliteStore({ path: join(network.root, name) }),
  });

/** An LLM task prepared and uploaded (not created). */
const prepare = async (app: ReturnType<typeof appClient>, seed: number) => {
  const prepared = await app.prepareTask({
    type: 'llm',
    args: toLlmTaskArgs({
      model: testModels.llm,
      messages: [{ role: 'user', content: 'Hello there' }],
      max_tokens: 4,
      seed,
    }),
  });
  await app.uploadArgs(prepared.id);
  return { id: prepared.id, taskKey: prepared.members[0]!.taskKey };
};

describe('a reorg that undoes only the end of a task the node saw end', { timeout: 300_000 }, () => {
  it('the node follows it again and finalizes it after the validation window, as it does a task the app never validated', async () => {
    const app = appClient('tasks.db');
    const nodeAddress = privateKeyToAccount(network.privateKey(nodeIndex)).address;
    const node = network.nodes.get(nodeIndex)!;
    const owedBefore = await owed(nodeAddress);
    let control: Hex;
    let taskKey: Hex;
    let reported: Hex;
    let paid: bigint;
    try {
      // The control: a task the app never validates (the node finalizes it after the window).
      const first = await prepare(app, 10);
      control = first.taskKey;
      await app.createTask(first.id);
      await app.waitForReport(first.id);
      const second = await prepare(app, 11);
      taskKey = second.taskKey;
      await app.createTask(second.id);
      await app.waitForReport(second.id);
      assert.equal(await chainState(taskKey), 3, 'ScoreReady');
      reported = (await network.devnet.rpc('evm_snapshot', [])) as Hex;
      await app.runTask(undefined, { id: second.id });
      assert.equal(await chainState(taskKey), 5, 'EndSuccess');
      paid = (await owed(nodeAddress)) - owedBefore;
      assert.ok(paid > 0n);
    } finally {
      // The app goes away: nobody but the node has a reason to finalize its tasks.
      await app.close();
    }
    await until('the node to see the end', () => getTask(node.store, taskKey)?.step === 'ended', 30_000);
    assert.equal(getTask(node.store, taskKey)?.outcome, 'success');
    const endedHead = await network.devnet.client.getBlockNumber({ cacheTime: 0 });

    // The chain goes back under the validation only (the TaskStarted and the report stand), and moves on past the
    // height it had: the node's watcher sees its newest processed block replaced (a reorganization).
    await network.devnet.rpc('evm_revert', [reported]);
    const head = await network.devnet.client.getBlockNumber({ cacheTime: 0 });
    await network.devnet.rpc('anvil_mine', [`0x${(endedHead - head + 2n).toString(16)}`]);
    assert.equal(await chainState(taskKey), 3, 'ScoreReady again');
    assert.equal(await owed(nodeAddress), owedBefore, 'the payment is undone');
    await until('the node to see the reorganization', () => node.daemon.watcher.status().reorgs > 0, 30_000);

    // The app never validates: past the window the node's own follow finalizes its reports.
    const window = await read<bigint>('validationWindow');
    await network.warp(Number(window) + 1);
    await until(
      'the node to finalize the control task',
      async () => (await chainState(control)) === 5,
      60_000,
    );
    await until(
      'the node to finalize the reopened task (chain state EndSuccess)',
      async () => (await chainState(taskKey)) === 5,
      60_000,
    ).catch((error: Error) => {
      const record = getTask(node.store, taskKey);
      throw new Error(`${error.message}; node record step=${record?.step} outcome=${record?.outcome}`);
    });
    assert.ok((await owed(nodeAddress)) > owedBefore + paid, 'the node is owed both fees');
  });
});
