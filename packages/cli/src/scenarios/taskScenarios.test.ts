import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { taskManagerAbi } from '@verinet/protocol/chain';
import { parseEther, parseEventLogs } from 'viem';
import { type Anvil, startAnvil } from '../anvil/startAnvil.js';
import { buildContracts } from '../deploy/artifacts.js';
import { deployContracts } from '../deploy/deployContracts.js';
import { getDevnetPrivateKey } from '../deploy/devnetAccounts.js';
import { createDevnetActors, type DevnetActors } from './devnetActors.js';
import {
  imageScore,
  joinNodes,
  runTaskStream,
  runUnsampledTask,
  runValidationGroup,
  type TxRecord,
  useRelaySigner,
} from './taskScenarios.js';

/** Bounds of this file's hooks (node:test hooks do not inherit a describe's timeout): a hung hook fails, not CI. */
const setupTimeout = { timeout: 180_000 };
const teardownTimeout = { timeout: 60_000 };

// End to end on a real chain: anvil, the compiled contracts, viem, the TypeScript VRF prover and commitments.
describe('task lifecycle on anvil', { timeout: 180_000 }, () => {
  let anvil: Anvil;
  let actors: DevnetActors;
  const stake = parseEther('1');
  const fee = parseEther('0.01');

  before(async () => {
    buildContracts();
    anvil = await startAnvil();
    const deployment = await deployContracts({
      rpcUrl: anvil.rpcUrl,
      privateKey: getDevnetPrivateKey(0),
      minStake: stake,
    });
    actors = createDevnetActors(anvil.rpcUrl, deployment, 3);
    await joinNodes(actors, stake);
    await useRelaySigner(actors);
  }, setupTimeout);

  after(async () => {
    await anvil?.stop();
  }, teardownTimeout);

  it('refuses a task without the relay statement that it holds the arguments', async () => {
    await assert.rejects(
      actors.publicClient.simulateContract({
        account: actors.app.account,
        address: actors.taskManager.address,
        abi: taskManagerAbi,
        functionName: 'createTask',
        args: [
          {
            taskType: 0,
            modelIds: [`0x${'11'.repeat(32)}`],
            minVram: 8,
            requiredGpu: `0x${'0'.repeat(64)}`,
            version: 1n << 32n,
            taskSize: 1n,
            taskIdCommitment: `0x${'22'.repeat(32)}`,
            argsCommitment: `0x${'33'.repeat(32)}`,
            relayExpiry: 2n ** 40n,
            relaySignature: '0x',
          },
        ],
        value: fee,
      }),
      /InvalidRelaySignature/,
    );
  });

  it('runs an unsampled task (the draw in a later transaction) and pays the node', async () => {
    const result = await runUnsampledTask(actors, fee, imageScore('honest'));
    assert.deepEqual(
      result.txs.map((t) => t.label),
      ['createTask', 'settleDraws', 'submitScore', 'validateSingleTask'],
    );
    const created = parseEventLogs({
      abi: taskManagerAbi,
      logs: result.txs[0]!.receipt.logs,
      eventName: 'TaskStarted',
    });
    assert.equal(created.length, 0, 'createTask draws no node (finding 1)');
    const ended = parseEventLogs({
      abi: taskManagerAbi,
      logs: result.txs[3]!.receipt.logs,
      eventName: 'TaskEndSuccess',
    });
    assert.equal(ended.length, 1);
    assert.equal(ended[0]!.args.fee, fee);
    assert.equal(await actors.taskManager.read.owed([result.node]), fee);
    const info = await actors.nodeRegistry.read.getNodeInfo([result.node]);
    assert.equal(info.status, 1, 'the node is Available again');
  });

  it('validates a group: the cheater is slashed, one fee is paid, the rest refunded', async () => {
    const owner = actors.deployer;
    const hash = await owner.wallet.writeContract({
      address: actors.taskManager.address,
      abi: taskManagerAbi,
      functionName: 'setSamplingDenominator',
      args: [2n],
    });
    await actors.publicClient.waitForTransactionReceipt({ hash });

    const cheaterIndex = 2;
    const result = await runValidationGroup(actors, fee, (i) =>
      imageScore(i === cheaterIndex ? 'fake' : 'honest'),
    );
    assert.equal(
      result.txs.length,
      9,
      'three createTask, two settleDraws, three submitScore, one validateTaskGroup',
    );
    const logs = result.txs[8]!.receipt.logs;
    const events = (name: 'TaskEndGroupSuccess' | 'TaskEndGroupRefund' | 'TaskEndInvalidated') =>
      parseEventLogs({ abi: taskManagerAbi, logs, eventName: name });
    assert.equal(events('TaskEndGroupSuccess').length, 1);
    assert.equal(events('TaskEndGroupRefund').length, 1);
    const invalidated = events('TaskEndInvalidated');
    assert.equal(invalidated.length, 1);
    const cheater = result.tasks[cheaterIndex]!.node;
    assert.equal(invalidated[0]!.args.node, cheater);
    const cheaterInfo = await actors.nodeRegistry.read.getNodeInfo([cheater]);
    assert.equal(cheaterInfo.status, 0, 'the cheater is out (Quit)');
    assert.equal(cheaterInfo.stake, 0n);
    const poolBalance = await actors.publicClient.getBalance({
      address: (await actors.nodeRegistry.read.incentivePool()) as `0x${string}`,
    });
    assert.equal(poolBalance, stake, 'the whole stake went to the incentive pool');
  });
  it("runs a stream of tasks in 3 transactions each: every draw settled by a later task's transaction", async () => {
    const result = await runTaskStream(actors, fee, imageScore('honest'), 3);
    assert.equal(result.tasks.length, 3);
    for (const task of result.tasks) {
      assert.deepEqual(
        task.txs.map((t) => t.label),
        ['createTask', 'submitScore', 'validateSingleTask'],
      );
      const ended = parseEventLogs({
        abi: taskManagerAbi,
        logs: task.txs[2]!.receipt.logs,
        eventName: 'TaskEndSuccess',
      });
      assert.equal(ended.length, 1, 'each task ends paid');
      assert.equal(ended[0]!.args.taskKey, task.taskKey);
    }
    // The draws rode on other transactions: task 0's on task 1's createTask, task i's on task (i - 1)'s report.
    const startedIn = (t: TxRecord) =>
      parseEventLogs({ abi: taskManagerAbi, logs: t.receipt.logs, eventName: 'TaskStarted' }).map(
        (e) => e.args.taskKey,
      );
    assert.deepEqual(startedIn(result.tasks[1]!.txs[0]!), [result.tasks[0]!.taskKey]);
    assert.deepEqual(startedIn(result.tasks[0]!.txs[1]!), [result.tasks[1]!.taskKey]);
    assert.deepEqual(startedIn(result.tasks[1]!.txs[1]!), [result.tasks[2]!.taskKey]);
    assert.equal(await actors.taskManager.read.pendingDraws(), 0n);
  });
});
