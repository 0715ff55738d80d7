import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { parseEther } from 'viem';
import { contractsOf, readTask } from '../chain/taskManager.js';
import { getTask } from '../store/index.js';
import { createTestTask } from '../testing/app.js';
import { type TestDevnet, waitFor } from '../testing/devnet.js';
import { type RelayedTestNode, startRelayedTestNode } from '../testing/startRelayedTestNode.js';
import type { TestNode } from '../testing/startTestNode.js';
import { runTaskAction } from './runTaskAction.js';

const setupTimeout = { timeout: 180_000 };
const teardownTimeout = { timeout: 60_000 };

// Review s13 (ux): `follow` gives a task up once `task.attempts` reaches maxReportRestores when the chain shows it
// Started on this node (its report undone). But in the 'reported' step `attempts` already counts the follows that
// waited for the app's validation ("waiting for the app to validate" is a failedRetryable: +1 each follow, every
// followIntervalMs = 30 s by default, in a validation window of 4 h). So after the third such follow, the first read
// that shows Started (a one-block reorg whose new block re-includes the report a moment later, or an RPC replica
// behind the report's block) ends the task `lost` at once: no recover(), no new report, no finalizeTask. If the
// report does not land again, the task times out on chain: the fee goes back to the app and recordTimeout counts
// against the node (QoS; kicked after maxTimeoutsBeforeKick).
let network: RelayedTestNode;
let devnet: TestDevnet;
let node: TestNode;
const nodeIndex = 3;
const appIndex = 17;

before(async () => {
  network = await startRelayedTestNode({ prefix: 'verinet-review-restore-', nodeIndex });
  ({ devnet, node } = network);
}, setupTimeout);
after(async () => {
  await network?.stop();
}, teardownTimeout);

describe('review s13: a report the chain went back under, after the node waited for validation', {
  timeout: 180_000,
}, () => {
  it('three validation-window follows already counted: the first Started read is put back, not given up', async () => {
    const contracts = contractsOf(devnet.deployment);
    // A task Started on this node whose arguments never reach the relay: the daemon keeps it `assigned`, so the
    // chain holds it Started on this node, as after a reorg that undid the node's submitScore.
    const task = await createTestTask(
      devnet,
      appIndex,
      'llm',
      {
        model: 'verinet/tiny-gpt2',
        messages: [{ role: 'user', content: 'Report undone' }],
        generation_config: { max_new_tokens: 4 },
        seed: 5,
      },
      parseEther('0.01'),
    );
    await waitFor(() => getTask(node.store, task.taskKey) !== undefined, 60_000, 'assigned');
    const chain = await readTask(devnet.client, contracts, task.taskKey);
    assert.equal(chain.state, 'Started');
    assert.equal(chain.node.toLowerCase(), node.daemon.context.node.toLowerCase());
    const record = getTask(node.store, task.taskKey)!;
    // The node's record after its report and three "waiting for the app to validate" follows (reduceTask:
    // failedRetryable adds 1 to attempts in every step; only a step change resets it).
    const reported = {
      ...record,
      step: 'reported' as const,
      score: `0x${'11'.repeat(32)}` as const,
      attempts: 3,
      lastError: 'waiting for the app to validate',
    };
    // Right after the report (attempts 0) the same read is put back (recover, retry): the test can pass.
    const fresh = await runTaskAction(node.daemon.context, { ...reported, attempts: 0 }, 'follow');
    assert.equal(fresh.type, 'failedRetryable', JSON.stringify(fresh));
    const input = await runTaskAction(node.daemon.context, reported, 'follow');
    assert.notEqual(
      input.type,
      'lost',
      `the first look that found the report undone gave the task up: ${JSON.stringify(input)}`,
    );
    // After three follows that put it back, before the deadline: the node reports again, never gives it up.
    const again = await runTaskAction(
      node.daemon.context,
      {
        ...reported,
        attempts: 3,
        lastError: `the chain went back under this node's report of task ${task.taskKey}: putting it back`,
      },
      'follow',
    );
    assert.equal(again.type, 'reportUndone', JSON.stringify(again));
    assert.equal(again.type === 'reportUndone' && again.again, true);
  });
});
