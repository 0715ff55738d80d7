import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createPublicClient, custom, type Hex, type PublicClient } from 'viem';
import {
  type ChainFixture,
  createFixtureChainReader,
  createFixtureTask,
  startChainFixture,
  submitScore,
  validateSingle,
} from '../test/chainFixture.js';
import { hookTimeout, testTimeout } from '../test/relayHarness.js';
import { makeSdResult } from '../test/resultFiles.js';

/**
 * Review s9 finding 8: task states were cached by the head's block number (a reorg to another block of the same
 * height served the replaced block's state until the next block) and terminal states for good (a reorg that
 * undoes one was never seen). On its own anvil: the test reverts blocks.
 */
describe('chain reader: a reorg of the head', testTimeout, () => {
  let fixture: ChainFixture;
  before(async () => {
    fixture = await startChainFixture({ nodes: 2 });
  }, hookTimeout);
  after(async () => {
    await fixture?.stop();
  }, hookTimeout);

  const rpc = (method: string, params: unknown[] = []) =>
    fixture.actors.publicClient.request({ method: method as never, params: params as never }) as Promise<Hex>;

  /** Replaces the blocks after `snapshot` by as many empty ones: the head has the same height, another hash. */
  async function reorgTo(snapshot: Hex): Promise<void> {
    const height = BigInt(await rpc('eth_blockNumber'));
    const replaced = ((await rpc('eth_getBlockByNumber', ['latest', false])) as unknown as { hash: Hex })
      .hash;
    await rpc('evm_revert', [snapshot]);
    while (BigInt(await rpc('eth_blockNumber')) < height) await rpc('evm_mine');
    const head = (await rpc('eth_getBlockByNumber', ['latest', false])) as unknown as { hash: Hex };
    assert.notEqual(head.hash, replaced, 'the head block was replaced at the same height');
  }

  it('is seen at the next head read: neither a live nor a terminal state of the replaced block is served', async () => {
    const cacheMs = 50;
    const chain = createFixtureChainReader(fixture, { cacheMs });
    const pause = () => new Promise((resolve) => setTimeout(resolve, cacheMs + 20));
    const task = await createFixtureTask(fixture);
    assert.ok(task.nodeActor, 'the task started');
    const { score } = await makeSdResult(64, 64, 1, 43);

    // A live state: the block that reported the score is replaced by an empty one of the same height.
    let snapshot = await rpc('evm_snapshot');
    await submitScore(fixture, task, score);
    await pause();
    assert.equal((await chain.getTask(task.taskKey)).state, 'ScoreReady');
    await reorgTo(snapshot);
    await pause();
    assert.equal(
      (await chain.getTask(task.taskKey)).state,
      'Started',
      'the state at the new head block, not the cached one of the block it replaced',
    );

    // A terminal state: the validation is reorganized away.
    await submitScore(fixture, task, score);
    snapshot = await rpc('evm_snapshot');
    await validateSingle(fixture, task);
    await pause();
    assert.equal((await chain.getTask(task.taskKey)).state, 'EndSuccess');
    await reorgTo(snapshot);
    await pause();
    assert.equal(
      (await chain.getTask(task.taskKey)).state,
      'ScoreReady',
      'a terminal state is not kept past a reorg that undoes it',
    );
  });

  it("reads the latest state when the RPC no longer holds the cached head block's state (pruned history)", async () => {
    // The RPC answers eth_call at a block number as anvil does for a state it pruned (--prune-history).
    let refused = 0;
    const client = createPublicClient({
      transport: custom({
        async request({ method, params }) {
          const args = params as unknown[];
          if (method === 'eth_call' && args[1] !== 'latest' && args[1] !== undefined) {
            refused++;
            throw {
              code: -32602,
              message: `BlockOutOfRangeError: block height is 999 but requested was ${args[1]}`,
            };
          }
          return rpc(method, args);
        },
      }),
    }) as PublicClient;
    const chain = createFixtureChainReader(fixture, { client });
    const task = await createFixtureTask(fixture);
    assert.equal((await chain.getTask(task.taskKey)).state, 'Started');
    assert.ok(refused > 0, 'the read at the head block was refused, then made at the latest block');
  });
});
