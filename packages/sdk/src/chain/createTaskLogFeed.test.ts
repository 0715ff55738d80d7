import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  type Address,
  createPublicClient,
  createWalletClient,
  type Hex,
  http,
  type PublicClient,
  pad,
  toHex,
} from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { foundry } from 'viem/chains';
import { type Anvil, startAnvil } from '../../../cli/src/anvil/startAnvil.js';
import { startWsProxy } from '../testing/startWsProxy.js';
import { createTaskEventWaker } from './createTaskEventWaker.js';
import { createTaskLogFeed, joinTaskLogFeed } from './createTaskLogFeed.js';

/** Bounds of this file's hooks (node:test hooks do not inherit a describe's timeout): a hung hook fails, not CI. */
const setupTimeout = { timeout: 180_000 };
const teardownTimeout = { timeout: 60_000 };

/** anvil's first test account (its well-known default key). */
const account = privateKeyToAccount('0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80');

/**
 * A contract whose every call emits one log with topic 1 = the call's first 32 bytes, as every TaskManager event of
 * a task has its key as first indexed topic: runtime `PUSH1 0 CALLDATALOAD PUSH1 1 PUSH1 0 PUSH1 0 LOG2 STOP`,
 * behind init code that returns it.
 */
const emitterInitCode: Hex = '0x600b600c600039600b6000f3600035600160006000a200';

const key = (n: number) => pad(toHex(n), { size: 32 });

/** Waits until `check` holds, every 50 ms for at most `ms` (false if it never did). */
const until = async (check: () => boolean, ms: number) => {
  for (const end = Date.now() + ms; Date.now() < end; await new Promise((resolve) => setTimeout(resolve, 50)))
    if (check()) return true;
  return check();
};

/** Resolves with how long `promise` took from now (ms). */
const timed = async (promise: Promise<void>) => {
  const started = Date.now();
  await promise;
  return Date.now() - started;
};

describe('createTaskLogFeed: one HTTP reader wakes the waits of a process (real anvil)', () => {
  let anvil: Anvil;
  let publicClient: PublicClient;
  let emitter: Address;
  const wallet = () => createWalletClient({ account, chain: foundry, transport: http(anvil.rpcUrl) });
  const emit = async (taskKey: Hex) => {
    const hash = await wallet().sendTransaction({ to: emitter, data: taskKey });
    return publicClient.waitForTransactionReceipt({ hash, pollingInterval: 10 });
  };

  before(async () => {
    anvil = await startAnvil();
    publicClient = createPublicClient({ chain: foundry, transport: http(anvil.rpcUrl) }) as PublicClient;
    const hash = await wallet().deployContract({ abi: [], bytecode: emitterInitCode });
    const receipt = await publicClient.waitForTransactionReceipt({ hash, pollingInterval: 10 });
    emitter = receipt.contractAddress!;
  }, setupTimeout);
  after(async () => {
    await anvil.stop();
  }, teardownTimeout);

  it("a log of a block the wait's last read covered (seen) leaves it asleep; a later block's log wakes it", async () => {
    const feed = createTaskLogFeed({ publicClient, taskManager: emitter, pollIntervalMs: 20 });
    const watch = feed.watch([key(3)]);
    try {
      await watch.sleep(2_000);
      // Delivered, then covered by the caller's read (it started after the feed's head reached that block).
      const first = await emit(key(3));
      await feed.pollOnce();
      assert.ok((feed.readFloor() ?? 0n) >= first.blockNumber);
      watch.seen?.(feed.readFloor() ?? 0n);
      assert.ok((await timed(watch.sleep(500))) >= 450, 'a covered log does not end the sleep');
      // Covered before the feed read it: a receipt of this process for that block reached it first (readFloor).
      const second = await emit(key(3));
      feed.writing()(second.blockNumber);
      assert.ok((feed.readFloor() ?? 0n) >= second.blockNumber, 'a received receipt raises the floor');
      watch.seen?.(feed.readFloor() ?? 0n);
      await feed.pollOnce();
      assert.ok(
        (await timed(watch.sleep(500))) >= 450,
        'a log of a covered block read late does not wake it',
      );
      // A block after the floor does.
      const later = timed(watch.sleep(5_000));
      await emit(key(3));
      assert.ok((await later) < 4_000, 'a later log wakes it');
    } finally {
      watch.stop();
      await feed.close();
    }
  });

  it('wakes a wait at a log naming its task, not at a log naming another task or at a bare block', async () => {
    const feed = createTaskLogFeed({ publicClient, taskManager: emitter, pollIntervalMs: 20 });
    const watch = feed.watch([key(1)]);
    try {
      // The first read of the head wakes every wait once (it may have missed something before).
      await watch.sleep(2_000);
      assert.equal(watch.live, true);
      const other = timed(watch.sleep(700));
      await emit(key(2));
      await publicClient.request({ method: 'anvil_mine' as never, params: ['0x1'] as never });
      assert.ok((await other) >= 650, 'a log of another task and a bare block leave the wait asleep');
      const mine = timed(watch.sleep(5_000));
      await emit(key(1));
      assert.ok((await mine) < 4_000, 'its own log wakes it');
      // A log arriving between two sleeps is kept for the next one.
      await emit(key(1));
      await feed.pollOnce();
      assert.ok((await timed(watch.sleep(5_000))) < 100);
    } finally {
      watch.stop();
      await feed.close();
    }
  });

  it('with a wsUrl, a new head starts a read at once: a log wakes its wait long before the next poll', async () => {
    // Session 13 (issue 10): the feed read the chain only every pollIntervalMs, so each log a wait needed came on
    // average half an interval late. One newHeads subscription now starts a read at each head; the interval here
    // (60 s, longer than every sleep below) would otherwise leave every wait asleep.
    const feed = createTaskLogFeed({
      publicClient,
      taskManager: emitter,
      pollIntervalMs: 60_000,
      wsUrl: anvil.rpcUrl.replace(/^http/, 'ws'),
    });
    const watch = feed.watch([key(5)]);
    try {
      // The first read (started by a head once the subscription is live) wakes every wait once.
      let first = false;
      const firstRead = watch.sleep(30_000).then(() => {
        first = true;
      });
      for (let i = 0; i < 100 && !first; i++) {
        await publicClient.request({ method: 'anvil_mine' as never, params: ['0x1'] as never });
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      await firstRead;
      assert.equal(feed.head(), await publicClient.getBlockNumber({ cacheTime: 0 }), 'read at the head');
      const mine = timed(watch.sleep(30_000));
      await emit(key(5));
      assert.ok((await mine) < 20_000, 'woken by its log at the head it came in, not by the 60 s poll');
      assert.equal(feed.head(), await publicClient.getBlockNumber({ cacheTime: 0 }));
    } finally {
      watch.stop();
      await feed.close();
    }
  });

  it('with a wsUrl whose socket closes: the polls answer meanwhile, then a new subscription pushes heads again', async () => {
    // Review s13 (Low): viem, with `reconnect: false`, keeps a socket that closed in its cache: the feed's heads
    // stopped for good after an RPC restart or a proxy's cut, and waits were woken by the polls alone.
    const proxy = await startWsProxy(anvil.rpcUrl);
    const feed = createTaskLogFeed({
      publicClient,
      taskManager: emitter,
      pollIntervalMs: 300,
      wsUrl: proxy.url,
    });
    const watch = feed.watch([key(8)]);
    const mine = () => publicClient.request({ method: 'anvil_mine' as never, params: ['0x1'] as never });
    try {
      await watch.sleep(5_000);
      assert.ok(await until(() => proxy.subscribes.length === 1, 10_000), 'subscribed');
      await mine();
      assert.ok(await until(() => (proxy.notifications.get(1) ?? 0) > 0, 10_000), 'heads pushed on it');
      proxy.drop();
      // The timer's polls still read the chain: a log during the outage wakes its wait.
      const during = timed(watch.sleep(20_000));
      await emit(key(8));
      assert.ok((await during) < 10_000, 'woken by a poll while the socket is down');
      assert.ok(
        await until(() => proxy.subscribes.length === 2, 15_000),
        `subscribed again on a new socket (${proxy.subscribes.length} subscriptions)`,
      );
      assert.equal(proxy.subscribes[1]?.connection, 2);
      assert.deepEqual(proxy.subscribes[1]?.params, ['newHeads']);
      await mine();
      assert.ok(
        await until(() => (proxy.notifications.get(2) ?? 0) > 0, 10_000),
        'heads pushed on the new one',
      );
      const woken = timed(watch.sleep(20_000));
      await emit(key(8));
      assert.ok((await woken) < 10_000);
      assert.equal(proxy.subscribes.length, 2, 'one subscription at a time');
    } finally {
      watch.stop();
      await feed.close();
      await proxy.stop();
    }
  });

  it('with a wsUrl whose connection stays open but carries nothing: the stalled subscription is replaced', async () => {
    // No close comes (a dead NAT entry, a hung server): the HTTP reads see heads the subscription did not push.
    const proxy = await startWsProxy(anvil.rpcUrl);
    const feed = createTaskLogFeed({
      publicClient,
      taskManager: emitter,
      pollIntervalMs: 200,
      headsStallMs: 1_000,
      wsUrl: proxy.url,
    });
    const watch = feed.watch([key(9)]);
    const mine = () => publicClient.request({ method: 'anvil_mine' as never, params: ['0x1'] as never });
    try {
      await watch.sleep(5_000);
      assert.ok(await until(() => proxy.subscribes.length === 1, 10_000), 'subscribed');
      // A quiet chain is no stall: nothing is replaced while no block comes.
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      assert.equal(proxy.subscribes.length, 1, 'kept on a quiet chain');
      proxy.stall();
      // A block every 200 ms (each mined before the next check) until the subscription is replaced, for 20 s at most.
      let replaced = false;
      for (const end = Date.now() + 20_000; !replaced && Date.now() < end; ) {
        await mine();
        await new Promise((resolve) => setTimeout(resolve, 200));
        replaced = proxy.subscribes.length >= 2;
      }
      assert.ok(replaced, `subscribed again (${proxy.subscribes.length} subscriptions)`);
      await mine();
      assert.ok(
        await until(() => (proxy.notifications.get(2) ?? 0) > 0, 10_000),
        'heads pushed on the new one',
      );
    } finally {
      watch.stop();
      await feed.close();
      await proxy.stop();
    }
  });

  it('createTaskEventWaker: after its socket closed, the next watch subscribes on a new socket', async () => {
    // The per-wait log subscriptions of a hand-built context (createTaskEventWaker) shared the closed socket viem
    // kept for the URL: every later watch failed at once and polled.
    const proxy = await startWsProxy(anvil.rpcUrl);
    const waker = createTaskEventWaker({ wsUrl: proxy.url, taskManager: emitter });
    try {
      const first = waker.watch([key(10)]);
      await first.sleep(10_000); // ends once its subscription is live
      assert.equal(first.live, true);
      proxy.drop();
      assert.ok(await until(() => !first.live, 10_000), 'a watch on the closed socket is no longer live');
      first.stop();
      const second = waker.watch([key(10)]);
      await second.sleep(10_000);
      assert.equal(second.live, true, 'live on a new socket');
      assert.deepEqual(
        proxy.subscribes.map(({ connection }) => connection),
        [1, 2],
      );
      const woken = timed(second.sleep(20_000));
      await emit(key(10));
      assert.ok((await woken) < 10_000, 'woken by its log over the new socket');
      second.stop();
    } finally {
      await waker.close();
      await proxy.stop();
    }
  });

  it('createTaskEventWaker: closing one waker leaves the watches of another waker of the same URL live', async () => {
    // Two wakers of one wsUrl shared viem's socket for the URL: the first's close closed the second's subscriptions.
    const proxy = await startWsProxy(anvil.rpcUrl);
    const first = createTaskEventWaker({ wsUrl: proxy.url, taskManager: emitter });
    const second = createTaskEventWaker({ wsUrl: proxy.url, taskManager: emitter });
    try {
      const a = first.watch([key(11)]);
      const b = second.watch([key(12)]);
      await a.sleep(10_000);
      await b.sleep(10_000);
      assert.equal(a.live && b.live, true);
      assert.equal(new Set(proxy.subscribes.map(({ connection }) => connection)).size, 2, 'a socket each');
      await first.close();
      assert.equal(a.live, false);
      const woken = timed(b.sleep(20_000));
      await emit(key(12));
      assert.ok((await woken) < 10_000, 'woken by its log on its own socket');
      assert.equal(b.live, true);
      assert.equal(proxy.connections(), 2, 'no new socket');
      b.stop();
    } finally {
      await first.close();
      await second.close();
      await proxy.stop();
    }
  });

  it('with `heads`, any new block wakes the wait (a pending draw is settled by any later transaction)', async () => {
    const feed = createTaskLogFeed({ publicClient, taskManager: emitter, pollIntervalMs: 20 });
    const watch = feed.watch([key(3)]);
    try {
      await watch.sleep(2_000);
      const before = feed.head();
      assert.equal(before, await publicClient.getBlockNumber({ cacheTime: 0 }));
      const woken = timed(watch.sleep(5_000, undefined, '', { heads: true }));
      await publicClient.request({ method: 'anvil_mine' as never, params: ['0x1'] as never });
      assert.ok((await woken) < 4_000);
      assert.equal(feed.head(), before! + 1n);
    } finally {
      watch.stop();
      await feed.close();
    }
  });

  it('a head below the last one (a reorg to a shorter chain) wakes every wait', async () => {
    const feed = createTaskLogFeed({ publicClient, taskManager: emitter, pollIntervalMs: 20 });
    const snapshot = (await publicClient.request({ method: 'evm_snapshot' as never })) as Hex;
    const watch = feed.watch([key(4)]);
    try {
      await watch.sleep(2_000);
      await publicClient.request({ method: 'anvil_mine' as never, params: ['0x3'] as never });
      await feed.pollOnce();
      const woken = timed(watch.sleep(5_000));
      await publicClient.request({ method: 'evm_revert' as never, params: [snapshot] as never });
      assert.ok((await woken) < 4_000);
    } finally {
      watch.stop();
      await feed.close();
    }
  });

  it('counts the chain busy while a write of this process is under way or a foreign block came', async () => {
    // No wait watches: the feed reads only when asked (pollOnce), so the order of reads is the test's.
    const feed = createTaskLogFeed({
      publicClient,
      taskManager: emitter,
      pollIntervalMs: 20,
      busyWindowMs: 60_000,
    });
    try {
      await feed.pollOnce();
      assert.equal(feed.isChainBusy(), false, 'no block seen since the first read');
      const ended = feed.writing();
      assert.equal(feed.isChainBusy(), true, 'a write under way will land in a block');
      const own = await emit(key(6));
      ended(own.blockNumber);
      assert.equal(feed.isChainBusy(), false);
      await feed.pollOnce();
      assert.equal(feed.head(), own.blockNumber);
      assert.equal(feed.isChainBusy(), false, "this process's own block is not someone else's traffic");
      await emit(key(7)); // sent without `writing`: another sender's block
      await feed.pollOnce();
      assert.equal(feed.isChainBusy(), true);
    } finally {
      await feed.close();
    }
  });

  it('is shared by the clients of one RPC URL and closed by the last one to leave', async () => {
    const parameters = { publicClient, taskManager: emitter, pollIntervalMs: 20, rpcUrl: anvil.rpcUrl };
    const first = joinTaskLogFeed(parameters);
    const second = joinTaskLogFeed(parameters);
    const own = joinTaskLogFeed({ ...parameters, rpcUrl: undefined });
    assert.equal(first.feed, second.feed);
    assert.notEqual(own.feed, first.feed, 'a client with its own transport reads on its own');
    await first.release();
    const third = joinTaskLogFeed(parameters);
    assert.equal(third.feed, second.feed, 'still open while a client uses it');
    await second.release();
    await third.release();
    await own.release();
    const fresh = joinTaskLogFeed(parameters);
    assert.notEqual(fresh.feed, first.feed, 'the last release closed it');
    await fresh.release();
  });
});
