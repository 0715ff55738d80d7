import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { keccak256, parseEther, toHex } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { contractsOf, readTask } from '../chain/taskManager.js';
import { getLatestTx, getTask, listLog } from '../store/index.js';
import type { TaskRecord } from '../task/types.js';
import { createTestTask } from '../testing/app.js';
import { type TestDevnet, testWallet, waitFor } from '../testing/devnet.js';
import type { RealRelay } from '../testing/startRealRelay.js';
import { type RelayedTestNode, startRelayedTestNode } from '../testing/startRelayedTestNode.js';
import type { TestNode } from '../testing/startTestNode.js';
import { runTaskAction } from './runTaskAction.js';

/** Bounds of this file's hooks (node:test hooks do not inherit a describe's timeout): a hung hook fails, not CI. */
const setupTimeout = { timeout: 180_000 };
const teardownTimeout = { timeout: 60_000 };

// Trial s12: after the devnet's anvil was killed and came back some blocks shorter, nodes retried the tasks the
// chain no longer had on every start (TASK_UNKNOWN from the relay, `finalizeTask would revert: InvalidState`).
let network: RelayedTestNode;
let devnet: TestDevnet;
let relay: RealRelay;
let node: TestNode;
const nodeIndex = 3;
const appIndex = 17;

before(async () => {
  network = await startRelayedTestNode({ prefix: 'verinet-daemon-rewound-', nodeIndex });
  ({ devnet, relay, node } = network);
}, setupTimeout);
after(async () => {
  await network?.stop();
}, teardownTimeout);

describe('node daemon: a task the chain went back under (evm_snapshot / evm_revert)', {
  timeout: 180_000,
}, () => {
  it('reported, then gone from the chain: given up once with one log line, no finalizeTask tried', async () => {
    const contracts = contractsOf(devnet.deployment);
    const app = privateKeyToAccount(testWallet(devnet, appIndex).privateKey);
    const saved = (await devnet.rpc('evm_snapshot', [])) as string;
    const task = await createTestTask(
      devnet,
      appIndex,
      'llm',
      {
        model: 'verinet/tiny-gpt2',
        messages: [{ role: 'user', content: 'Rewound' }],
        generation_config: { max_new_tokens: 4 },
        seed: 3,
      },
      parseEther('0.01'),
    );
    assert.ok(task.node);
    await relay.uploadArgs(app, task.taskKey, task.bytes, task.salt);
    await waitFor(() => getTask(node.store, task.taskKey)?.step === 'reported', 120_000, 'reported');
    // What a reload of an older chain save does: the task, its draw and the node's report are gone.
    await devnet.rpc('evm_revert', [saved]);
    assert.equal((await readTask(devnet.client, contracts, task.taskKey)).state, 'None');
    // Lost only once provable: the chain's head at or past the block that drew it, which holds no draw of it.
    const startedBlock = getTask(node.store, task.taskKey)!.startedBlock;
    const head = Number(await devnet.client.getBlockNumber({ cacheTime: 0 }));
    await devnet.rpc('anvil_mine', [toHex(Math.max(1, startedBlock - head + 1))]);
    await waitFor(() => getTask(node.store, task.taskKey)?.step === 'ended', 30_000, 'given up');
    const record = getTask(node.store, task.taskKey)!;
    assert.equal(record.outcome, 'lost');
    assert.match(record.lastError ?? '', /the chain no longer has task 0x\w{64} \(it went back under it/);
    assert.equal(getLatestTx(node.store, 'finalizeTask', task.taskKey), undefined, 'nothing sent for it');
    const lines = listLog(node.store, 200).filter(
      (entry) => entry.taskKey?.toLowerCase() === task.taskKey.toLowerCase() && entry.level !== 'info',
    );
    assert.deepEqual(
      lines.map((entry) => entry.message.replace(/0x\w{64}/g, 'KEY')),
      [
        'Task no longer ours: the chain no longer has task KEY (it went back under it: a chain reloaded from an older save, or a reorg); given up, nothing of it is owed to or by this node',
      ],
    );
  });

  it('a result upload the relay refuses for a task the chain does not have: lost at once, not retried', async () => {
    const now = Date.now();
    const task: TaskRecord = {
      taskKey: keccak256(toHex('a task the chain went back under')),
      taskType: 1,
      step: 'executed',
      startedBlock: 1,
      argsCommitment: null,
      salt: null,
      argsPath: null,
      outputDir: join(network.root, 'none'),
      score: `0x${'11'.repeat(32)}`,
      resultFiles: '[]',
      errorKind: null,
      outcome: null,
      fee: null,
      attempts: 0,
      lastError: null,
      nextAttemptAt: 0,
      deadlineAt: Math.floor(now / 1000) + 600,
      resultSignature: null,
      endedBlock: null,
      createdAt: now,
      updatedAt: now,
    };
    const input = await runTaskAction(node.daemon.context, task, 'uploadResult');
    assert.equal(input.type, 'lost', JSON.stringify(input));
  });
});
