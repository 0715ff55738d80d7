import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { packVersion } from '@verinet/protocol/args';
import { nodeRegistryAbi } from '@verinet/protocol/chain';
import { getPublicKey } from '@verinet/protocol/vrf';
import { type Address, decodeEventLog, type Log, type PublicClient, parseEther, zeroAddress } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { createDrawSettler } from '../daemon/createDrawSettler.js';
import { getCursor, type NodeStore, openStore } from '../store/index.js';
import { createTestTask, joinTestNode, settleTestDraws } from '../testing/app.js';
import {
  startRpcProxy,
  startTestDevnet,
  type TestDevnet,
  testMinStake,
  testWallet,
  waitFor,
} from '../testing/devnet.js';
import { createTxSender } from '../tx/index.js';
import { createChainClient, getDeploymentChain } from './createChainClient.js';
import { createChainFeed } from './createChainFeed.js';
import { createChainWatcher } from './createChainWatcher.js';
import { contractsOf, readPendingDraws } from './taskManager.js';

/** Bounds of this file's hooks (node:test hooks do not inherit a describe's timeout): a hung hook fails, not CI. */
const setupTimeout = { timeout: 180_000 };
const teardownTimeout = { timeout: 60_000 };

let devnet: TestDevnet;
const dir = mkdtempSync(join(tmpdir(), 'verinet-watcher-'));
before(async () => {
  devnet = await startTestDevnet();
}, setupTimeout);
after(async () => {
  await devnet?.stop();
  rmSync(dir, { recursive: true, force: true });
}, teardownTimeout);

async function join_(index: number): Promise<Address> {
  const { wallet, account, privateKey } = testWallet(devnet, index);
  const hash = await wallet.writeContract({
    address: devnet.deployment.contracts.nodeRegistry,
    abi: nodeRegistryAbi,
    functionName: 'join',
    args: ['Test GPU', 8, packVersion('1.0.0'), getPublicKey(privateKey), zeroAddress, []],
    value: testMinStake,
  });
  await devnet.client.waitForTransactionReceipt({ hash });
  return account.address;
}

/** A store with a table of NodeJoined events, maintained by the watcher's handlers like the daemon's. */
function joinedStore(path: string): NodeStore {
  const store = openStore({ path });
  store.db.exec('CREATE TABLE IF NOT EXISTS joined (node TEXT PRIMARY KEY, block INTEGER NOT NULL)');
  return store;
}
const joinedNodes = (store: NodeStore) =>
  (store.db.prepare('SELECT node FROM joined ORDER BY block').all() as { node: string }[]).map((r) => r.node);

function watcherFor(store: NodeStore, client: PublicClient, confirmations = 0, extra = {}) {
  return createChainWatcher({
    client,
    store,
    addresses: [devnet.deployment.contracts.nodeRegistry],
    startBlock: devnet.deployment.startBlock,
    confirmations,
    pollIntervalMs: 20,
    minBackoffMs: 20,
    maxBackoffMs: 100,
    onLogs: (logs: Log[]) => {
      for (const log of logs) {
        const event = decodeEventLog({ abi: nodeRegistryAbi, data: log.data, topics: log.topics });
        if (event.eventName === 'NodeJoined') {
          store.db
            .prepare('INSERT OR REPLACE INTO joined VALUES (?, ?)')
            .run(event.args.node.toLowerCase(), Number(log.blockNumber));
        }
      }
    },
    onReorg: (blockNumber) => {
      store.db.prepare('DELETE FROM joined WHERE block > ?').run(blockNumber);
    },
    ...extra,
  });
}

async function catchUp(watcher: { pollOnce: () => Promise<boolean> }) {
  for (let i = 0; i < 20; i++) if (await watcher.pollOnce()) return;
  throw new Error('watcher did not catch up');
}

describe('createChainWatcher (anvil)', () => {
  it('reads events from the cursor, and a restarted watcher misses nothing', async () => {
    const path = join(dir, 'restart.db');
    let store = joinedStore(path);
    const client = createChainClient({ rpcUrl: devnet.anvil.rpcUrl, deployment: devnet.deployment });
    const a = await join_(1);
    await catchUp(watcherFor(store, client));
    assert.deepEqual(joinedNodes(store), [a.toLowerCase()]);
    store.close();
    // Events while the node is down.
    const b = await join_(2);
    store = joinedStore(path);
    await catchUp(watcherFor(store, client));
    assert.deepEqual(joinedNodes(store), [a.toLowerCase(), b.toLowerCase()]);
    assert.equal(getCursor(store)?.blockNumber, Number(await devnet.client.getBlockNumber()));
    store.close();
  });

  it('commits the cursor with the blocks that wrote, else every N blocks or at stop; a killed watcher re-reads only the blocks after it: nothing lost, nothing applied twice', async () => {
    const path = join(dir, 'deferred.db');
    const client = createChainClient({ rpcUrl: devnet.anvil.rpcUrl, deployment: devnet.deployment });
    const open = () => {
      const store = openStore({ path });
      // A plain INSERT: a join applied twice fails the watcher's transaction (UNIQUE), so the test would see it.
      store.db.exec('CREATE TABLE IF NOT EXISTS applied (node TEXT PRIMARY KEY, block INTEGER NOT NULL)');
      return store;
    };
    const applied = (store: NodeStore) =>
      (store.db.prepare('SELECT node FROM applied ORDER BY block').all() as { node: string }[]).map(
        (r) => r.node,
      );
    const watcher = (store: NodeStore, ranges: number[][], extra = {}) =>
      createChainWatcher({
        client,
        store,
        addresses: [devnet.deployment.contracts.nodeRegistry],
        startBlock: devnet.deployment.startBlock,
        confirmations: 0,
        pollIntervalMs: 20,
        cursorCommitBlocks: 1_000,
        cursorCommitMs: 600_000,
        onLogs: (logs, range) => {
          ranges.push([range.fromBlock, range.toBlock]);
          for (const log of logs) {
            const event = decodeEventLog({ abi: nodeRegistryAbi, data: log.data, topics: log.topics });
            if (event.eventName === 'NodeJoined')
              store.db
                .prepare('INSERT INTO applied VALUES (?, ?)')
                .run(event.args.node.toLowerCase(), Number(log.blockNumber));
          }
        },
        ...extra,
      });

    let store = open();
    const first = watcher(store, []);
    await catchUp(first);
    const x = await join_(13);
    const joinBlock = Number(await devnet.client.getBlockNumber());
    await catchUp(first);
    assert.equal(getCursor(store)?.blockNumber, joinBlock, 'the block that wrote moved the cursor with it');
    await devnet.rpc('anvil_mine', ['0x3']);
    await catchUp(first);
    assert.equal(first.status().cursor?.blockNumber, joinBlock + 3, 'processed up to the head');
    assert.equal(getCursor(store)?.blockNumber, joinBlock, 'three blocks without writes: not committed yet');

    // Killed (no stop): only what was committed remains. The restarted watcher reads again from the join's block on.
    store.close();
    store = open();
    const ranges: number[][] = [];
    const second = watcher(store, ranges);
    await catchUp(second);
    assert.equal(ranges[0]?.[0], joinBlock + 1, 're-reads from the block after the committed cursor');
    const y = await join_(14);
    await catchUp(second);
    assert.deepEqual(applied(store).slice(-2), [x.toLowerCase(), y.toLowerCase()], 'each join applied once');
    await devnet.rpc('anvil_mine', ['0x2']);
    await catchUp(second);
    await second.stop();
    const head = Number(await devnet.client.getBlockNumber());
    assert.equal(getCursor(store)?.blockNumber, head, 'stop() commits the cursor');
    const block = await devnet.client.getBlock({ blockNumber: BigInt(head) });
    assert.equal(getCursor(store)?.blockHash, block.hash.toLowerCase());

    // Without writes, the cursor is committed once it is `cursorCommitBlocks` ahead.
    const third = watcher(store, [], { cursorCommitBlocks: 2 });
    await devnet.rpc('anvil_mine', ['0x1']);
    await catchUp(third);
    assert.equal(getCursor(store)?.blockNumber, head, 'one block ahead: not yet');
    await devnet.rpc('anvil_mine', ['0x1']);
    await catchUp(third);
    assert.equal(getCursor(store)?.blockNumber, head + 2, 'two blocks ahead: committed');
    store.close();
  });

  it('a batch that mayWrite says writes nothing is applied outside a transaction, the cursor left behind until due; one that may write is applied inside, with the cursor', async () => {
    const store = joinedStore(join(dir, 'maywrite.db'));
    const client = createChainClient({ rpcUrl: devnet.anvil.rpcUrl, deployment: devnet.deployment });
    const seen: { joins: number; inTransaction: boolean }[] = [];
    const joinsIn = (logs: Log[]) =>
      logs.filter(
        (log) =>
          decodeEventLog({ abi: nodeRegistryAbi, data: log.data, topics: log.topics }).eventName ===
          'NodeJoined',
      ).length;
    const base = watcherFor(store, client);
    const watcher = createChainWatcher({
      client,
      store,
      addresses: [devnet.deployment.contracts.nodeRegistry],
      startBlock: devnet.deployment.startBlock,
      confirmations: 0,
      pollIntervalMs: 20,
      cursorCommitBlocks: 1_000,
      cursorCommitMs: 600_000,
      mayWrite: (logs) => joinsIn(logs) > 0,
      onLogs: (logs) => {
        seen.push({ joins: joinsIn(logs), inTransaction: store.db.inTransaction });
        for (const log of logs) {
          const event = decodeEventLog({ abi: nodeRegistryAbi, data: log.data, topics: log.topics });
          if (event.eventName === 'NodeJoined')
            store.db
              .prepare('INSERT OR REPLACE INTO joined VALUES (?, ?)')
              .run(event.args.node.toLowerCase(), Number(log.blockNumber));
        }
      },
    });
    await catchUp(base);
    await base.stop();
    const committed = getCursor(store)?.blockNumber;
    await devnet.rpc('anvil_mine', ['0x2']);
    seen.length = 0;
    await catchUp(watcher);
    assert.ok(
      seen.length > 0 && seen.every((batch) => batch.joins === 0 && !batch.inTransaction),
      'no joins: outside',
    );
    assert.equal(getCursor(store)?.blockNumber, committed, 'nothing written: the cursor is not committed');
    const x = await join_(19);
    const joinBlock = Number(await devnet.client.getBlockNumber());
    seen.length = 0;
    await catchUp(watcher);
    assert.deepEqual(seen, [{ joins: 1, inTransaction: true }], 'the join: inside the transaction');
    assert.equal(getCursor(store)?.blockNumber, joinBlock, 'the cursor moved with the join');
    assert.ok(joinedNodes(store).includes(x.toLowerCase()));
    store.close();
  });

  it('waits for the confirmation depth before processing a block', async () => {
    const store = joinedStore(join(dir, 'confirmations.db'));
    const client = createChainClient({ rpcUrl: devnet.anvil.rpcUrl, deployment: devnet.deployment });
    const watcher = watcherFor(store, client, 2);
    await devnet.rpc('anvil_mine', ['0x2']); // earlier tests' blocks get their confirmations
    await catchUp(watcher);
    const before = joinedNodes(store).length;
    const c = await join_(3);
    await catchUp(watcher);
    assert.equal(joinedNodes(store).length, before, 'not yet confirmed');
    await devnet.rpc('anvil_mine', ['0x2']);
    await catchUp(watcher);
    assert.ok(joinedNodes(store).includes(c.toLowerCase()));
    store.close();
  });

  it('detects a reorg, rewinds and reads the replacing blocks', async () => {
    const store = joinedStore(join(dir, 'reorg.db'));
    const client = createChainClient({ rpcUrl: devnet.anvil.rpcUrl, deployment: devnet.deployment });
    const watcher = watcherFor(store, client);
    await catchUp(watcher);
    const snapshot = await devnet.rpc('evm_snapshot');
    const doomed = await join_(4);
    await devnet.rpc('anvil_mine', ['0x1']);
    await catchUp(watcher);
    assert.ok(joinedNodes(store).includes(doomed.toLowerCase()));
    const cursorBefore = getCursor(store)!;
    // Replace those blocks: same heights (and one more), other contents.
    await devnet.rpc('evm_revert', [snapshot]);
    await devnet.rpc('anvil_mine', ['0x1']);
    const replacement = await join_(5);
    await devnet.rpc('anvil_mine', ['0x1']);
    await catchUp(watcher);
    const joined = joinedNodes(store);
    assert.ok(!joined.includes(doomed.toLowerCase()), "the replaced block's event is forgotten");
    assert.ok(joined.includes(replacement.toLowerCase()), "the replacing block's event is read");
    assert.equal(watcher.status().reorgs, 1);
    const cursor = getCursor(store)!;
    assert.ok(cursor.blockNumber >= cursorBefore.blockNumber);
    const block = await devnet.client.getBlock({ blockNumber: BigInt(cursor.blockNumber) });
    assert.equal(cursor.blockHash, block.hash.toLowerCase());
    store.close();
  });

  it('reports an unreachable or slow RPC in plain words, keeps retrying and recovers', async () => {
    const proxy = await startRpcProxy(devnet.anvil.rpcUrl);
    const store = joinedStore(join(dir, 'rpc.db'));
    const client = createChainClient({ rpcUrl: proxy.url, deployment: devnet.deployment, timeoutMs: 300 });
    const notices: string[] = [];
    const watcher = watcherFor(store, client, 0, {
      onNotice: (_: string, message: string) => notices.push(message),
    });
    watcher.start();
    try {
      await waitFor(() => watcher.status().rpcOk, 10_000, 'first poll');
      proxy.mode = 'down';
      await waitFor(
        () => /^chain RPC unreachable since \d{4}-/.test(watcher.status().summary),
        10_000,
        'down',
      );
      proxy.mode = 'slow';
      proxy.slowMs = 1_000;
      const d = await join_(6);
      await new Promise((resolve) => setTimeout(resolve, 500));
      assert.match(watcher.status().summary, /unreachable since .*(timed out|took too long)/i);
      proxy.mode = 'up';
      await waitFor(() => joinedNodes(store).includes(d.toLowerCase()), 10_000, 'recovery');
      assert.equal(watcher.status().rpcOk, true);
      assert.ok(notices.some((n) => /unreachable/.test(n)));
      assert.ok(notices.some((n) => /reachable again/.test(n)));
    } finally {
      await watcher.stop();
      await proxy.close();
      store.close();
    }
  });

  it('two watchers on one chain feed see what the RPC shows, reorgs included, without reading it themselves', async () => {
    const client = createChainClient({ rpcUrl: devnet.anvil.rpcUrl, deployment: devnet.deployment });
    const feed = createChainFeed({
      client,
      addresses: [devnet.deployment.contracts.nodeRegistry],
      pollIntervalMs: 20,
    });
    // The watchers' own client fails every call: every read they make must be answered by the feed.
    const refusing = new Proxy({} as PublicClient, {
      get: () => () => Promise.reject(new Error('the watcher read the RPC itself')),
    });
    const stores = [joinedStore(join(dir, 'feed-a.db')), joinedStore(join(dir, 'feed-b.db'))];
    // Caught up from the RPC first: a feed keeps only the blocks it saw arrive.
    for (const store of stores) await catchUp(watcherFor(store, client));
    feed.start();
    await feed.pollOnce();
    const watchers = stores.map((store) =>
      watcherFor(store, refusing, 0, { source: feed, pollIntervalMs: 60_000 }),
    );
    for (const watcher of watchers) watcher.start();
    const sawAll = (node: Address) =>
      stores.every((store) => joinedNodes(store).includes(node.toLowerCase()));
    try {
      const e = await join_(7);
      // Woken by the feed: the watchers' own poll interval (60 s) never elapses in this test.
      await waitFor(() => sawAll(e), 10_000, 'both watchers see the join');
      const snapshot = await devnet.rpc('evm_snapshot');
      const doomed = await join_(8);
      await waitFor(() => sawAll(doomed), 10_000, 'both watchers see the doomed join');
      await devnet.rpc('evm_revert', [snapshot]);
      await devnet.rpc('anvil_mine', ['0x1']);
      const replacement = await join_(9);
      await devnet.rpc('anvil_mine', ['0x1']);
      await waitFor(() => sawAll(replacement), 10_000, 'both watchers see the replacing join');
      for (const store of stores) assert.ok(!joinedNodes(store).includes(doomed.toLowerCase()));
      for (const watcher of watchers) {
        assert.equal(watcher.status().reorgs, 1);
        assert.equal(watcher.status().lastError, null);
      }
    } finally {
      for (const watcher of watchers) await watcher.stop();
      await feed.stop();
      for (const store of stores) store.close();
    }
  });

  it('a chain feed with a WebSocket endpoint wakes its watchers at each new head, not at its next poll', async () => {
    const client = createChainClient({ rpcUrl: devnet.anvil.rpcUrl, deployment: devnet.deployment });
    // Polls once at start, then not for a minute: only the newHeads subscription can bring the next block.
    const feed = createChainFeed({
      client,
      addresses: [devnet.deployment.contracts.nodeRegistry],
      pollIntervalMs: 60_000,
      wsUrl: devnet.anvil.rpcUrl.replace(/^http/, 'ws'),
    });
    const refusing = new Proxy({} as PublicClient, {
      get: () => () => Promise.reject(new Error('the watcher read the RPC itself')),
    });
    const store = joinedStore(join(dir, 'feed-ws.db'));
    await catchUp(watcherFor(store, client));
    feed.start();
    await feed.pollOnce();
    const watcher = watcherFor(store, refusing, 0, { source: feed, pollIntervalMs: 60_000 });
    watcher.start();
    try {
      // The subscription is made in the background: blocks mined before it is live are left to the polls.
      let heads = 0;
      feed.subscribe(() => heads++);
      for (let tries = 0; heads === 0 && tries < 20; tries++) {
        await devnet.rpc('anvil_mine', ['0x1']);
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
      assert.ok(heads > 0, 'the feed never heard of a new head over WebSocket');
      for (const index of [10, 11]) {
        const node = await join_(index);
        await waitFor(
          () => joinedNodes(store).includes(node.toLowerCase()),
          5_000,
          `the watcher sees join ${index} without a poll`,
        );
      }
      assert.equal(watcher.status().lastError, null);
    } finally {
      await watcher.stop();
      await feed.stop();
      store.close();
    }
  });

  it('a chain feed takes headers from the WebSocket newHeads instead of eth_getBlockByNumber, and still sees a reorg', async () => {
    const proxy = await startRpcProxy(devnet.anvil.rpcUrl);
    const client = createChainClient({ rpcUrl: proxy.url, deployment: devnet.deployment });
    const feed = createChainFeed({
      client,
      addresses: [devnet.deployment.contracts.nodeRegistry],
      pollIntervalMs: 60_000,
      wsUrl: devnet.anvil.rpcUrl.replace(/^http/, 'ws'),
    });
    const refusing = new Proxy({} as PublicClient, {
      get: () => () => Promise.reject(new Error('the watcher read the RPC itself')),
    });
    const store = joinedStore(join(dir, 'feed-ws-headers.db'));
    await catchUp(watcherFor(store, client));
    feed.start();
    await feed.pollOnce();
    const watcher = watcherFor(store, refusing, 0, { source: feed, pollIntervalMs: 60_000 });
    watcher.start();
    try {
      let heads = 0;
      feed.subscribe(() => heads++);
      for (let tries = 0; heads === 0 && tries < 20; tries++) {
        await devnet.rpc('anvil_mine', ['0x1']);
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
      assert.ok(heads > 0, 'the feed never heard of a new head over WebSocket');
      const sees = (node: Address, what: string) =>
        waitFor(() => joinedNodes(store).includes(node.toLowerCase()), 10_000, what);
      proxy.methods.length = 0;
      for (const index of [15, 16]) await sees(await join_(index), `the watcher sees join ${index}`);
      await devnet.rpc('anvil_mine', ['0x2']);
      await waitFor(
        async () => watcher.status().cursor?.blockNumber === Number(await devnet.client.getBlockNumber()),
        10_000,
        'the watcher at the head',
      );
      // Four blocks: the headers below each poll's head came with the newHeads notifications (one read per block
      // before s12); each poll reads only the HTTP node's latest header (s13: its hash decides, not the pushed
      // one's), in place of eth_blockNumber: never more header reads than polls that fetched logs.
      assert.ok(proxy.count('eth_getBlockByNumber') <= proxy.count('eth_getLogs'), proxy.methods.join(' '));
      assert.ok(proxy.count('eth_getLogs') >= 1);

      // A reorg: the replaced block's pushed header is no longer on the chain; the parent-hash checks see it.
      const snapshot = await devnet.rpc('evm_snapshot');
      const doomed = await join_(17);
      await sees(doomed, 'the doomed join');
      await devnet.rpc('evm_revert', [snapshot]);
      await devnet.rpc('anvil_mine', ['0x1']);
      const replacement = await join_(18);
      await devnet.rpc('anvil_mine', ['0x1']);
      await sees(replacement, 'the replacing join');
      assert.ok(!joinedNodes(store).includes(doomed.toLowerCase()), 'the replaced join is undone');
      assert.equal(watcher.status().reorgs, 1);
      assert.equal(watcher.status().lastError, null);
    } finally {
      await watcher.stop();
      await feed.stop();
      await proxy.close();
      store.close();
    }
  });

  it("a chain feed whose WebSocket announces every head skips its timer's head reads, and polls again once heads stop", async () => {
    const proxy = await startRpcProxy(devnet.anvil.rpcUrl);
    const client = createChainClient({ rpcUrl: proxy.url, deployment: devnet.deployment });
    const feed = createChainFeed({
      client,
      addresses: [devnet.deployment.contracts.nodeRegistry],
      pollIntervalMs: 100,
      wsUrl: devnet.anvil.rpcUrl.replace(/^http/, 'ws'),
    });
    let heads = 0;
    feed.subscribe(() => heads++);
    feed.start();
    try {
      // The subscription is live once a mined block reaches the feed through it.
      for (let tries = 0; heads === 0 && tries < 40; tries++) {
        await devnet.rpc('anvil_mine', ['0x1']);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      assert.ok(heads > 0, 'the feed never heard of a new head');
      // A busy chain: a block every 30 ms for 3 s, each announced. Each head's own poll reads the head once (the HTTP
      // node's, review s12) and commits a block; a timer poll between them read the head to find nothing (≈ 30 here).
      proxy.methods.length = 0;
      const before = heads;
      const until = Date.now() + 3_000;
      while (Date.now() < until) {
        await devnet.rpc('anvil_mine', ['0x1']);
        await new Promise((resolve) => setTimeout(resolve, 30));
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
      const committed = heads - before;
      assert.ok(committed >= 20, `only ${committed} heads reached the watchers`);
      const empty = proxy.count('eth_blockNumber') - committed;
      assert.ok(empty <= 6, `${empty} head reads found nothing new: ${proxy.methods.join(' ')}`);
      assert.equal(await feed.getBlockNumber(), await devnet.client.getBlockNumber());
      // Heads stopped: the timer reads the head again (the fallback for a subscription that stops delivering).
      const quiet = proxy.count('eth_blockNumber');
      await new Promise((resolve) => setTimeout(resolve, 600));
      assert.ok(proxy.count('eth_blockNumber') - quiet >= 3, proxy.methods.join(' '));
    } finally {
      await feed.stop();
      await proxy.close();
    }
  });

  it('a draw a reorg puts back is settled by a hinted settler that read none pending (its periodic re-read)', async () => {
    const contracts = contractsOf(devnet.deployment);
    await joinTestNode(devnet, 12, ['base:verinet/tiny-gpt2']);
    const account = privateKeyToAccount(testWallet(devnet, 12).privateKey);
    const store = openStore({ path: ':memory:' });
    const settler = createDrawSettler({
      client: devnet.client,
      sender: createTxSender({
        client: devnet.client,
        account,
        chain: getDeploymentChain(devnet.deployment, devnet.anvil.rpcUrl),
        store,
      }),
      store,
      contracts,
      node: account.address,
      intervalMs: 100,
      delayMs: 0,
      backstopMs: 0,
      maxGas: 5_000_000n,
      hints: true,
      rereadMs: 500,
      notice: () => {},
    });
    try {
      assert.equal(await settler.tick(), 0); // pendingDraws() = 0: idle until a hint or the re-read
      const task = await createTestTask(
        devnet,
        15,
        'llm',
        {
          model: 'verinet/tiny-gpt2',
          messages: [{ role: 'user', content: 'Hi' }],
          generation_config: { max_new_tokens: 4 },
          seed: 9,
        },
        parseEther('0.01'),
        { settle: false },
      );
      settler.hint(task.taskKey); // TaskCreated seen
      const snapshot = await devnet.rpc('evm_snapshot');
      await settleTestDraws(devnet, 16); // someone else settles the draw
      settler.drawn(task.taskKey); // TaskStarted seen
      // The block with the settlement is replaced by blocks without it: the draw is pending again, unhinted.
      await devnet.rpc('evm_revert', [snapshot]);
      await devnet.rpc('evm_mine');
      assert.equal(await readPendingDraws(devnet.client, contracts), 1n);
      let settled = 0;
      for (const start = Date.now(); settled === 0 && Date.now() - start < 3_000; ) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        settled += await settler.tick();
      }
      assert.equal(settled, 1, 'the settler read pendingDraws() again and settled the draw');
    } finally {
      store.close();
    }
  });
});
