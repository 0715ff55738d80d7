import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { taskManagerAbi } from '@verinet/protocol/chain';
import { createPublicClient, custom, type Hex, type PublicClient } from 'viem';
import {
  type ChainFixture,
  cancelQueued,
  createFixtureChainReader,
  createFixtureTask,
  reportError,
  startChainFixture,
  submitScore,
  validateSingle,
} from '../test/chainFixture.js';
import { hookTimeout, testTimeout } from '../test/relayHarness.js';
import { makeSdResult } from '../test/resultFiles.js';
import { type ChainTask, defaultSyncIntervalMs, followDepth } from './createChainReader.js';
import { onChainTaskTypes, taskStates } from './taskStates.js';

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
    // Older than the follower's first window: its state is read with eth_call, not built from its events.
    await rpc('anvil_mine', [`0x${(followDepth + 8n).toString(16)}`]);
    assert.equal((await chain.getTask(task.taskKey)).state, 'Started');
    assert.ok(refused > 0, 'the read at the head block was refused, then made at the latest block');
  });
});

/**
 * Issue 10: the relay made 14 JSON-RPC calls per task (a getTask eth_call per request, an eth_blockNumber and
 * eth_getLogs pair per event lookup). The reader now follows the TaskManager's logs: the calls are counted here
 * through a counting client, and the states it builds from events are compared with getTask's at every step.
 */
describe('chain reader: the log follower', testTimeout, () => {
  let fixture: ChainFixture;
  before(async () => {
    fixture = await startChainFixture({ nodes: 3 });
  }, hookTimeout);
  after(async () => {
    await fixture?.stop();
  }, hookTimeout);

  const rpc = (method: string, params: unknown[] = []) =>
    fixture.actors.publicClient.request({ method: method as never, params: params as never }) as Promise<Hex>;

  /** A client over the fixture's anvil that counts each request by method (eth_call by selector). */
  function countingClient() {
    const calls: Record<string, number> = {};
    const client = createPublicClient({
      transport: custom({
        async request({ method, params }) {
          const args = params as unknown[];
          const name =
            method === 'eth_call' ? `eth_call ${(args[0] as { data: Hex }).data.slice(0, 10)}` : method;
          calls[name] = (calls[name] ?? 0) + 1;
          return rpc(method, args);
        },
      }),
    }) as PublicClient;
    return { calls, client };
  }

  /** What the chain answers now (eth_call at the latest block, the reader's fields). */
  async function onChain(taskKey: Hex): Promise<ChainTask> {
    const info = await fixture.actors.publicClient.readContract({
      address: fixture.deployment.contracts.taskManager,
      abi: taskManagerAbi,
      functionName: 'getTask',
      args: [taskKey],
    });
    return {
      state: taskStates[info.state] ?? 'None',
      taskType: onChainTaskTypes[info.taskType],
      creator: info.creator.toLowerCase() as Hex,
      node: info.node.toLowerCase() as Hex,
    };
  }

  it('builds the states of tasks created while it follows from their events: no eth_call, no backward search', async () => {
    const { calls, client } = countingClient();
    const chain = createFixtureChainReader(fixture, { cacheMs: 0, client });
    await chain.getTask(`0x${'55'.repeat(32)}`);
    const getTask = 'eth_call 0x15a29035';
    const before = calls[getTask] ?? 0;
    const check = async (taskKey: Hex, expected: ChainTask['state']) => {
      const seen = await chain.getTask(taskKey);
      assert.equal(seen.state, expected);
      assert.deepEqual(seen, await onChain(taskKey), `the indexed ${expected} is what getTask answers`);
    };

    // Scored and validated.
    const task = await createFixtureTask(fixture);
    await check(task.taskKey, 'Started');
    assert.equal((await chain.getTaskCreated(task.taskKey))?.argsCommitment, task.argsCommitment);
    const { score } = await makeSdResult(64, 64, 1, 47);
    await submitScore(fixture, task, score);
    await check(task.taskKey, 'ScoreReady');
    assert.equal(await chain.getTaskScore(task.taskKey), score.toLowerCase());
    await validateSingle(fixture, task);
    await check(task.taskKey, 'EndSuccess');

    // An error report, accepted.
    const failed = await createFixtureTask(fixture);
    await check(failed.taskKey, 'Started');
    await reportError(fixture, failed);
    await check(failed.taskKey, 'ErrorReported');
    await validateSingle(fixture, failed);
    await check(failed.taskKey, 'EndAborted');

    // Queued (no node has the VRAM), then cancelled by its creator.
    const queued = await createFixtureTask(fixture, { queued: true });
    await check(queued.taskKey, 'Queued');
    await cancelQueued(fixture, queued);
    await check(queued.taskKey, 'EndAborted');

    assert.equal((calls[getTask] ?? 0) - before, 0, 'no getTask eth_call for tasks the follower saw created');
    assert.equal(calls.eth_blockNumber ?? 0, 0, 'no backward event search');
    assert.equal(calls['eth_call 0x4d703da4'] ?? 0, 0);
  });

  it('reads an older task once with eth_call and applies its later events; a view older than cacheMs is synced', async () => {
    const task = await createFixtureTask(fixture);
    await rpc('anvil_mine', [`0x${(followDepth + 8n).toString(16)}`]);
    const { calls, client } = countingClient();
    const cacheMs = 300;
    const chain = createFixtureChainReader(fixture, { cacheMs, client });
    const first = await Promise.all(Array.from({ length: 10 }, () => chain.getTask(task.taskKey)));
    assert.ok(first.every((seen) => seen.state === 'Started'));
    assert.equal(calls['eth_call 0x15a29035'], 1, 'ten concurrent requests share one read');
    // The requests asked after the first sync began (a later millisecond) share one more before the read.
    assert.ok(calls.eth_getBlockByNumber! <= 2, `head reads ${calls.eth_getBlockByNumber}`);
    const heads = calls.eth_getBlockByNumber!;
    const { score } = await makeSdResult(64, 64, 1, 53);
    await submitScore(fixture, task, score);
    await new Promise((resolve) => setTimeout(resolve, cacheMs + 50));
    assert.equal((await chain.getTask(task.taskKey)).state, 'ScoreReady', 'synced: its event applied');
    assert.equal(calls['eth_call 0x15a29035'], 1, 'no second eth_call: the state came from the event');
    assert.equal(await chain.getTaskScore(task.taskKey), score.toLowerCase());
    assert.equal(calls.eth_blockNumber ?? 0, 0, 'the score came from the follower');
    assert.equal(calls.eth_getBlockByNumber, heads + 1, 'one sync after cacheMs');
  });

  it('a refusal from a stale view is read again at a head read after the request, never answered from the old one', async () => {
    const { calls, client } = countingClient();
    const chain = createFixtureChainReader(fixture, { cacheMs: 60_000, client });
    assert.equal((await chain.getTask(`0x${'66'.repeat(32)}`)).state, 'None', 'first sync');
    // A task created after the view: not in the index, so the request syncs before anything else.
    const task = await createFixtureTask(fixture);
    const seen = await chain.getTask(task.taskKey);
    assert.ok(seen.state === 'Started' && seen.node === task.node, 'found, not refused');
    const { score } = await makeSdResult(64, 64, 1, 59);
    await submitScore(fixture, task, score);
    assert.equal(
      (await chain.getTask(task.taskKey)).state,
      'Started',
      'within cacheMs (one minute here) the view is the last sync: what cacheMs bounds',
    );
    const heads = calls.eth_getBlockByNumber!;
    const started = Date.now();
    const rechecked = await Promise.all(
      Array.from({ length: 10 }, () => chain.getTask(task.taskKey, { recheck: true })),
    );
    assert.ok(
      rechecked.every((state) => state.state === 'ScoreReady'),
      'the refusal re-read sees the score',
    );
    assert.ok(Date.now() - started < 10_000, 'served after one sync, not refused');
    // The first recheck begins a head read; those asked after it began (a later millisecond) share the next one.
    assert.ok(calls.eth_getBlockByNumber! - heads <= 2, 'ten refusals share at most two head reads');
    // The release decision's fresh read: a validation the view has not seen yet is seen.
    await validateSingle(fixture, task);
    assert.equal((await chain.getTask(task.taskKey)).state, 'ScoreReady', 'stale within cacheMs');
    assert.equal((await chain.getTask(task.taskKey, { fresh: true })).state, 'EndSuccess');
    assert.equal(calls['eth_call 0x15a29035'] ?? 0, 1, 'one eth_call: the key unknown at the first sync');
  });

  it('refusal re-reads a client repeats cost the RPC a bounded number of head reads per second', async () => {
    // Review s13: s13-latency began a sync as soon as the one in flight ended, so a client that repeats a refused
    // request (a known task asked by a signer that is not its node: getKnownTask re-reads with recheck every time;
    // fresh signers escape the per-signer rate limit) drove the relay's head reads to one per RPC round trip (357 in
    // one second on anvil), and a paid or rate-limited RPC (HTTP 429) then fails the relay's own reads. Syncs now
    // begin at least defaultSyncIntervalMs (80 ms) apart.
    const task = await createFixtureTask(fixture);
    const { calls, client } = countingClient();
    const chain = createFixtureChainReader(fixture, { cacheMs: 60_000, client });
    assert.equal((await chain.getTask(task.taskKey)).state, 'Started', 'first sync: indexed');
    const heads = calls.eth_getBlockByNumber!;
    const spanMs = 1_000;
    const end = Date.now() + spanMs;
    const loop = async () => {
      while (Date.now() < end) await chain.getTask(task.taskKey, { recheck: true });
    };
    await Promise.all(Array.from({ length: 8 }, loop));
    const reads = calls.eth_getBlockByNumber! - heads;
    // The pre-s13 bound (one per 100 ms), with room for timing: 15 in one second.
    assert.ok(reads <= 15, `${reads} head reads in ${spanMs} ms for one client's repeated refusals`);
  });

  it('a request that arrives while a sync is in flight is served by the next sync, begun as soon as that one ends', async () => {
    // Session 13 (issue 10): such a request waited for a timer (one sync per 100 ms), so a node asking for its
    // arguments right after its draw, or a refusal re-read, waited up to 100 ms for nothing. The head read of the
    // sync in flight is held here for longer than the least interval between syncs (review s13), then released; the
    // next sync must begin before any timer fires.
    const task = await createFixtureTask(fixture);
    let holdNext = false;
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let markerFired = false;
    const headReadsAfterMarker: boolean[] = [];
    const client = createPublicClient({
      transport: custom({
        async request({ method, params }) {
          const args = params as unknown[];
          if (method !== 'eth_getBlockByNumber') return rpc(method, args);
          headReadsAfterMarker.push(markerFired);
          const answer = await rpc(method, args);
          if (holdNext) {
            holdNext = false;
            await gate;
          }
          return answer;
        },
      }),
    }) as PublicClient;
    const chain = createFixtureChainReader(fixture, { cacheMs: 60_000, client });
    assert.equal((await chain.getTask(task.taskKey)).state, 'Started', 'first sync: the task is indexed');
    holdNext = true;
    const inFlight = chain.getTask(`0x${'88'.repeat(32)}`, { recheck: true });
    await new Promise((resolve) => setTimeout(resolve, 5));
    const heads = headReadsAfterMarker.length;
    // Asked after the held sync began: a refusal re-read, and a task the view does not know (as one created after it).
    const later = Promise.all([
      chain.getTask(task.taskKey, { recheck: true }),
      chain.getTask(`0x${'99'.repeat(32)}`),
    ]);
    await new Promise((resolve) => setTimeout(resolve, defaultSyncIntervalMs + 20));
    // Fires after everything that does not wait for a timer (the held sync ends within microtasks: same head).
    setTimeout(() => {
      markerFired = true;
    }, 40);
    release();
    const [, [rechecked, unknown]] = await Promise.all([inFlight, later]);
    assert.equal(rechecked.state, 'Started');
    assert.equal(unknown.state, 'None');
    assert.equal(headReadsAfterMarker.length - heads, 1, 'the two later requests shared one next sync');
    assert.equal(headReadsAfterMarker[heads], false, 'the next sync began at once, not after a timer');
  });
});
