import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createPublicClient, custom, type Hex, type PublicClient } from 'viem';
import {
  type ChainFixture,
  createFixtureChainReader,
  createFixtureTask,
  startChainFixture,
  submitScore,
} from '../test/chainFixture.js';
import { hookTimeout, testTimeout } from '../test/relayHarness.js';
import { makeSdResult } from '../test/resultFiles.js';
import { followDepth } from './createChainReader.js';

/**
 * Review s12 (chain reader): findings that fail on the reviewed commit. Each case runs on the fixture's own anvil;
 * a lagging or load-balanced RPC is played by a client in front of it (anvil cannot lag by itself).
 */
describe('chain reader behind a lagging or load-balanced RPC (review s12)', testTimeout, () => {
  let fixture: ChainFixture;
  before(async () => {
    fixture = await startChainFixture({ nodes: 4 });
  }, hookTimeout);
  after(async () => {
    await fixture?.stop();
  }, hookTimeout);

  const rpc = (method: string, params: unknown[] = []) =>
    fixture.actors.publicClient.request({ method: method as never, params: params as never }) as Promise<Hex>;

  it('an eth_call answered by a lagging backend (fallback to latest) is not kept as the state at the followed head', async () => {
    // A task older than the follower's window: its state is read with eth_call at the followed head.
    const task = await createFixtureTask(fixture);
    await rpc('anvil_mine', [`0x${(followDepth + 8n).toString(16)}`]);
    const lagBlock = await rpc('eth_blockNumber');
    const { score } = await makeSdResult(64, 64, 1, 61);
    await submitScore(fixture, task, score);

    // A load-balanced RPC: the head and the logs come from an up-to-date backend; the eth_call at the head's
    // number lands on a backend one block behind, which has no such block ("header not found") and answers
    // 'latest' at its own head (the block before the score).
    let lagging = true;
    const client = createPublicClient({
      transport: custom({
        async request({ method, params }) {
          const args = params as unknown[];
          if (lagging && method === 'eth_call') {
            if (args[1] !== 'latest' && args[1] !== undefined)
              throw { code: -32000, message: 'header not found' };
            return rpc(method, [args[0], lagBlock]);
          }
          return rpc(method, args);
        },
      }),
    }) as PublicClient;
    const chain = createFixtureChainReader(fixture, { cacheMs: 50, client });
    await chain.getTask(task.taskKey);
    // The backend catches up: from now on every answer is the chain's.
    lagging = false;
    await rpc('anvil_mine', ['0x3']);
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal(
      (await chain.getTask(task.taskKey, { fresh: true })).state,
      'ScoreReady',
      'the lagging answer (Started, one block old) must not stay in the index once the RPC is in step',
    );
  });
  it("`since` (the retention pass's one view): the view comes from a head read begun at or after it", async () => {
    const chain = createFixtureChainReader(fixture, { cacheMs: 60_000 });
    const task = await createFixtureTask(fixture);
    assert.equal((await chain.getTask(task.taskKey)).state, 'Started');
    const { score } = await makeSdResult(64, 64, 1, 67);
    await submitScore(fixture, task, score);
    const since = Date.now();
    assert.equal(
      (await chain.getTask(task.taskKey, { since })).state,
      'ScoreReady',
      'a view read before `since` (up to cacheMs old) was served: the option is not read',
    );
  });

  it('a load-balanced RPC whose head flips between two backends one block apart does not drop the index at every flip', async () => {
    const old = await createFixtureTask(fixture);
    await rpc('anvil_mine', [`0x${(followDepth + 8n).toString(16)}`]);
    let behind = false;
    let getTaskCalls = 0;
    const client = createPublicClient({
      transport: custom({
        async request({ method, params }) {
          const args = params as unknown[];
          if (method === 'eth_call' && (args[0] as { data: Hex }).data.startsWith('0x15a29035'))
            getTaskCalls++;
          if (method === 'eth_getBlockByNumber' && args[0] === 'latest' && behind) {
            const head = BigInt(await rpc('eth_blockNumber'));
            return rpc(method, [`0x${(head - 1n).toString(16)}`, ...args.slice(1)]);
          }
          return rpc(method, args);
        },
      }),
    }) as PublicClient;
    const chain = createFixtureChainReader(fixture, { cacheMs: 0, client });
    assert.equal((await chain.getTask(old.taskKey)).state, 'Started');
    for (let round = 0; round < 4; round++) {
      // Other traffic: state events in the head block (a queued task: no node needed).
      await createFixtureTask(fixture, { queued: true });
      behind = false;
      await chain.getTask(old.taskKey);
      behind = true;
      await chain.getTask(old.taskKey);
    }
    behind = false;
    assert.equal((await chain.getTask(old.taskKey)).state, 'Started');
    assert.ok(
      getTaskCalls <= 2,
      `${getTaskCalls} getTask eth_calls for one task older than the window: each flip back a block dropped the index`,
    );
  });
});
