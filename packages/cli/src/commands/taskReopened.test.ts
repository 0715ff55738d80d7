import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { writeDeployment } from '@verinet/protocol/chain';
import { taskManagerAbi } from '@verinet/protocol/chain/abis';
import { type Address, type Hex, parseEther } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { createClient } from '../../../sdk/src/client/createClient.js';
import { toLlmTaskArgs } from '../../../sdk/src/high/createChatCompletion.js';
import { createSqliteStore } from '../../../sdk/src/store/createSqliteStore.js';
import { type SdkNetwork, startSdkNetwork, testModels } from '../../../sdk/src/testing/startSdkNetwork.js';
import { captureCli } from '../cli/captureCli.js';
import { encryptKeystore } from '../keystore/keystore.js';

// Session 13's closing note: a REOPENED task's `task resume` to "verified and paid" with a node and a relay running
// was not tested end to end (taskStatus.test's rewound case has no node: its resume stops at its --timeout).

/** Bounds of this file's hooks (node:test hooks do not inherit a describe's timeout): a hung hook fails, not CI. */
const setupTimeout = { timeout: 180_000 };
const teardownTimeout = { timeout: 60_000 };

const appIndex = 10;
const nodeIndex = 1;
let network: SdkNetwork;
let deploymentPath = '';
let keystore = '';

before(async () => {
  network = await startSdkNetwork();
  await network.joinNode(nodeIndex);
  await network.startNode(nodeIndex);
  // Unsampled tasks (1 in 1000 is sampled): one node validates them alone.
  await network.send(0, 'taskManager', 'setSamplingDenominator', [1000n]);
  deploymentPath = join(network.root, 'deployment.json');
  writeDeployment(deploymentPath, network.devnet.deployment);
  keystore = join(network.root, 'app-key.json');
  writeFileSync(
    keystore,
    JSON.stringify(encryptKeystore(network.privateKey(appIndex), 'pw', { scryptN: 1024 })),
  );
}, setupTimeout);
after(async () => {
  await network?.stop();
}, teardownTimeout);

const read = <T>(functionName: 'owed' | 'getTask', args: readonly unknown[]) =>
  network.devnet.client.readContract({
    address: network.chain.contracts.taskManager,
    abi: taskManagerAbi,
    functionName,
    args,
  } as never) as Promise<T>;
const owed = (account: Address) => read<bigint>('owed', [account]);
const chainState = async (taskKey: Hex) => (await read<{ state: number }>('getTask', [taskKey])).state;
const events = async (eventName: 'TaskCreated' | 'TaskScoreReady' | 'TaskEndSuccess', taskKey: Hex) =>
  (
    await network.devnet.client.getContractEvents({
      address: network.chain.contracts.taskManager,
      abi: taskManagerAbi,
      eventName,
      args: { taskKey },
      fromBlock: 0n,
    } as never)
  ).length;

/** `verinet task …` on this network with the app's keystore and the given store. */
const cli =
  (storePath: string) =>
  (...args: string[]) =>
    captureCli(
      [
        'task',
        ...args,
        '--rpc-url',
        network.chain.rpcUrl,
        '--relay-url',
        network.relay.url,
        '--deployment',
        deploymentPath,
        '--keystore',
        keystore,
        '--store',
        storePath,
      ],
      { VERINET_KEYSTORE_PASSWORD: 'pw' },
    );

/** A client of the app account on the SQLite store the CLI reads. */
const appClient = (storePath: string) =>
  createClient({
    chain: network.chain,
    relay: network.relay.url,
    account: network.privateKey(appIndex),
    fee: parseEther('0.01'),
    pollIntervalMs: 200,
    store: createSqliteStore({ path: storePath }),
  });

/** An LLM task prepared, its arguments uploaded. */
const prepareLlm = async (app: ReturnType<typeof appClient>, seed: number) => {
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

describe('`task resume` of a REOPENED task, to verified and paid (real chain, relay and node)', {
  timeout: 300_000,
}, () => {
  it('the chain went back under its validation: status says REOPENED, resume validates it, the node is paid once', async () => {
    const storePath = join(network.root, 'tasks.db');
    const app = appClient(storePath);
    const node = privateKeyToAccount(network.privateKey(nodeIndex)).address;
    const owedBefore = await owed(node);
    let id = '';
    let taskKey: Hex;
    let reported: Hex;
    let paid: bigint;
    try {
      ({ id, taskKey } = await prepareLlm(app, 7));
      await app.createTask(id);
      await app.waitForReport(id);
      assert.equal(await chainState(taskKey), 3, 'ScoreReady');
      // The step the chain will go back to: the node's report stands, the app's validation and payment do not.
      reported = (await network.devnet.rpc('evm_snapshot', [])) as Hex;
      await app.runTask(undefined, { id });
      assert.equal(await chainState(taskKey), 5, 'EndSuccess');
      paid = (await owed(node)) - owedBefore;
      assert.ok(paid > 0n, 'the node is owed its fee');
      assert.equal((await app.getTask(id))?.phase, 'done');
    } finally {
      await app.close();
    }
    const appOwed = await owed(app.address);
    await network.devnet.rpc('evm_revert', [reported]);
    assert.equal(await chainState(taskKey), 3, 'back to ScoreReady');
    assert.equal(await owed(node), owedBefore, 'the payment is undone');

    const task = cli(storePath);
    const status = await task('status', id);
    assert.equal(status.status, 0, status.stderr);
    assert.match(status.stdout, /\n {2}chain {7}REOPENED: /);
    assert.match(
      status.stdout,
      /\n {2}original {4}0x\w{64} {2}ScoreReady \(local record: EndSuccess\) {2}node 0x\w{40} {2}paid \(undone\)\n/,
    );

    const resumed = await task('resume', id, '--timeout', '120');
    assert.equal(resumed.status, 0, `resume failed:\n${resumed.stderr}`);
    assert.match(resumed.stderr, /reopened {9}the chain went back under the end of 0x\w{64} \(ScoreReady\)/);
    assert.equal(await chainState(taskKey), 5, 'EndSuccess again');
    assert.equal(await owed(node), owedBefore + paid, 'the node is owed its fee once');
    assert.equal(await owed(app.address), appOwed, 'nothing owed back to the app');
    assert.equal(await events('TaskCreated', taskKey), 1, 'created once: no second fee');
    assert.equal(await events('TaskScoreReady', taskKey), 1, 'reported once');
    assert.equal(await events('TaskEndSuccess', taskKey), 1, 'paid once on the chain that stands');
    const after = await task('status', id);
    assert.match(after.stdout, /\n {2}phase {7}done/);
    assert.doesNotMatch(after.stdout, /REOPENED|LOST|BEHIND/);
  });
  it("the chain went back under the node's report: resume waits for the node to report again, then pays once", async () => {
    const storePath = join(network.root, 'tasks-created.db');
    const app = appClient(storePath);
    const node = privateKeyToAccount(network.privateKey(nodeIndex)).address;
    const owedBefore = await owed(node);
    let id = '';
    let taskKey: Hex;
    let created: Hex;
    let paid: bigint;
    try {
      ({ id, taskKey } = await prepareLlm(app, 8));
      await app.createTask(id);
      // The step the chain will go back to: created (its node drawn or about to be), nothing reported.
      created = (await network.devnet.rpc('evm_snapshot', [])) as Hex;
      await app.runTask(undefined, { id });
      assert.equal(await chainState(taskKey), 5, 'EndSuccess');
      paid = (await owed(node)) - owedBefore;
      assert.ok(paid > 0n, 'the node is owed its fee');
    } finally {
      await app.close();
    }
    const endedHead = await network.devnet.client.getBlockNumber({ cacheTime: 0 });
    await network.devnet.rpc('evm_revert', [created]);
    assert.equal(await owed(node), owedBefore, 'the payment is undone');
    assert.equal(await events('TaskScoreReady', taskKey), 0, 'the report is undone');
    // Past the height the chain had reached: the relay keeps its view of the task while the head is below it (a
    // load-balanced RPC's lagging backend looks the same), and sees the new blocks once the chain passes it.
    const head = await network.devnet.client.getBlockNumber({ cacheTime: 0 });
    await network.devnet.rpc('anvil_mine', [`0x${(endedHead - head + 1n).toString(16)}`]);
    const task = cli(storePath);
    const status = await task('status', id);
    assert.equal(status.status, 0, status.stderr);
    assert.match(status.stdout, /\n {2}chain {7}REOPENED: /);

    const resumed = await task('resume', id, '--timeout', '120');
    assert.equal(resumed.status, 0, `resume failed:\n${resumed.stderr}`);
    assert.match(resumed.stderr, /reopened {9}the chain went back under the end of 0x\w{64}/);
    assert.equal(await chainState(taskKey), 5, 'EndSuccess again');
    assert.equal(await owed(node), owedBefore + paid, 'the node is owed its fee once');
    assert.equal(await events('TaskCreated', taskKey), 1, 'created once: no second fee');
    assert.equal(await events('TaskScoreReady', taskKey), 1, 'reported again, once on the chain that stands');
    assert.equal(await events('TaskEndSuccess', taskKey), 1, 'paid once');
    assert.match((await task('status', id)).stdout, /\n {2}phase {7}done/);
  });
});
