import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { taskManagerAbi } from '@verinet/protocol/chain';
import {
  type ChainFixture,
  createFixtureTask,
  type FixtureTask,
  setNodePaused,
  startChainFixture,
} from './chainFixture.js';
import { hookTimeout, testTimeout } from './relayHarness.js';

/**
 * The relay suites' fixture on two nodes, where a queued draw can be forced: tests expecting a started task must
 * get one even when the first draw met only busy nodes (the draw is random; the suites leave many tasks running).
 */
describe('relay chain fixture: a fixture task whose draw queued it', testTimeout, () => {
  let fixture: ChainFixture;
  before(async () => {
    fixture = await startChainFixture({ nodes: 2 });
  }, hookTimeout);
  after(async () => {
    await fixture?.stop();
  }, hookTimeout);

  it('is redrawn through a free node’s own dispatch and starts, its seed the redraw block’s hash', async () => {
    const running = await createFixtureTask(fixture);
    assert.ok(running.nodeActor, 'the first task started');
    const other = fixture.actors.nodes.find((n) => n.account.address.toLowerCase() !== running.node)!;
    // The other node leaves the draws: the next draw sees only the busy node, and queues the task.
    await setNodePaused(fixture, other, true);
    let redraws = 0;
    const task: FixtureTask = await createFixtureTask(fixture, {
      beforeRedraw: async () => {
        if (redraws++ === 0) await setNodePaused(fixture, other, false);
      },
    });
    assert.ok(redraws >= 1, 'the first draw queued the task');
    assert.equal(task.node, other.account.address.toLowerCase(), 'started on the node that came back');
    assert.equal(task.nodeActor, other);
    const { publicClient } = fixture.actors;
    const address = fixture.deployment.contracts.taskManager;
    const queued = await publicClient.getContractEvents({
      address,
      abi: taskManagerAbi,
      eventName: 'TaskQueued',
      args: { taskKey: task.taskKey },
      fromBlock: 0n,
    });
    assert.equal(queued.length, 1, 'queued once, at its first draw');
    const [redraw] = await publicClient.getContractEvents({
      address,
      abi: taskManagerAbi,
      eventName: 'TaskRedraw',
      args: { taskKey: task.taskKey },
      fromBlock: 0n,
    });
    assert.ok(redraw, 'redrawn');
    // What the app's VRF proof and the contract use: the redraw block's hash, not the creation block's.
    assert.equal(task.seedBlockHash, redraw.blockHash);
    const seed = await publicClient.readContract({
      address,
      abi: taskManagerAbi,
      functionName: 'samplingSeed',
      args: [task.taskKey],
    });
    assert.equal(seed, task.seedBlockHash);
  });
});
