import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { writeTinySdModel } from '@verinet/worker/sd/tiny';
import { parseEther } from 'viem';
import { contractsOf, readTask } from '../chain/taskManager.js';
import { getTask, listLog } from '../store/index.js';
import { createTestTask, joinTestNode, validateTestTask } from '../testing/app.js';
import { createMemoryRelay } from '../testing/createMemoryRelay.js';
import { startTestDevnet, type TestDevnet, waitFor } from '../testing/devnet.js';
import { startTestNode } from '../testing/startTestNode.js';

/** Bounds of this file's hooks (node:test hooks do not inherit a describe's timeout): a hung hook fails, not CI. */
const setupTimeout = { timeout: 180_000 };
const teardownTimeout = { timeout: 60_000 };

const root = mkdtempSync(join(tmpdir(), 'verinet-stop-mid-task-'));
const modelsDir = join(root, 'models');
let devnet: TestDevnet;
const relay = createMemoryRelay();

before(async () => {
  await writeTinySdModel({ modelsDir, modelId: 'verinet/tiny-sd' });
  devnet = await startTestDevnet();
  await joinTestNode(devnet, 1, ['base:verinet/tiny-sd']);
}, setupTimeout);
after(async () => {
  await devnet?.stop();
  rmSync(root, { recursive: true, force: true });
}, teardownTimeout);

/**
 * Trial s10: a Ctrl-C of the devnet while a worker ran gave the task up ("will time out on chain"): the node
 * stopped its worker before its daemon, and recorded the worker's cancellation as the task's failure.
 */
describe('a node stopped while its worker runs a task', { timeout: 240_000 }, () => {
  it('leaves the task at its step and runs it again at the next start: reported, validated, paid', async () => {
    const dataDir = join(root, 'node1');
    // No grace: the stop cancels the worker mid-run (a task longer than the grace does the same).
    const first = await startTestNode({ devnet, index: 1, relay, dataDir, modelsDir, stopGraceMs: 0 });
    const args = {
      base_model: 'verinet/tiny-sd',
      prompt: 'a lighthouse at dusk',
      task_config: { image_width: 256, image_height: 256, steps: 30, seed: 5, num_images: 4 },
    };
    const task = await createTestTask(devnet, 15, 'sd', args, parseEther('0.01'));
    assert.ok(task.node, 'the task got a node');
    relay.putArgs(task.taskKey, task.bytes, task.salt);
    await waitFor(
      () => listLog(first.store, 50).some((entry) => entry.message.startsWith('Running the worker')),
      120_000,
      'the worker runs the task',
    );
    await first.stop();
    // Reopened read-only through the next node: the step was not given up.
    const second = await startTestNode({ devnet, index: 1, relay, dataDir, modelsDir });
    try {
      assert.notEqual(getTask(second.store, task.taskKey)?.step, 'abandoned');
      await waitFor(
        () => getTask(second.store, task.taskKey)?.step === 'reported',
        120_000,
        'reported after the restart',
      );
      await validateTestTask(devnet, 15, task.taskKey);
      await waitFor(() => getTask(second.store, task.taskKey)?.step === 'ended', 30_000, 'ended');
      assert.equal(getTask(second.store, task.taskKey)?.outcome, 'success');
      const chain = await readTask(devnet.client, contractsOf(devnet.deployment), task.taskKey);
      assert.equal(chain.state, 'EndSuccess');
    } finally {
      await second.stop();
    }
  });

  it('trial s11: a step still running after the grace, whose store the owner then closed, does not crash the process', async () => {
    const dataDir = join(root, 'node1-grace');
    // The arguments' download hangs until released: the step outlives stop() (grace 0) and its store.
    let release: () => void = () => {};
    let entered = false;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const holding = {
      ...relay,
      fetchTaskArgs: async (taskKey: `0x${string}`) => {
        entered = true;
        await held;
        return relay.fetchTaskArgs(taskKey);
      },
    };
    const rejections: unknown[] = [];
    const onRejection = (reason: unknown) => rejections.push(reason);
    process.on('unhandledRejection', onRejection);
    try {
      const node = await startTestNode({
        devnet,
        index: 1,
        relay: holding,
        dataDir,
        modelsDir,
        stopGraceMs: 0,
      });
      const args = {
        base_model: 'verinet/tiny-sd',
        prompt: 'a harbour at dawn',
        task_config: { image_width: 256, image_height: 256, steps: 5, seed: 6, num_images: 1 },
      };
      const task = await createTestTask(devnet, 16, 'sd', args, parseEther('0.01'));
      assert.ok(task.node, 'the task got a node');
      relay.putArgs(task.taskKey, task.bytes, task.salt);
      await waitFor(() => entered, 60_000, 'the node asks the relay for the arguments');
      await node.stop();
      release();
      // The step goes on with a closed store: before the fix, an unhandled rejection ("The database connection
      // is not open") that ended the devnet with a stack trace.
      await new Promise((resolve) => setTimeout(resolve, 500));
      assert.deepEqual(rejections, []);
    } finally {
      release();
      process.off('unhandledRejection', onRejection);
    }
  });
});
