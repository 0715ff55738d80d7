import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { BlockNotFoundError, keccak256, toHex } from 'viem';
import { getTask, insertTask, markReplacedEndsLost, openStore, updateTask } from '../store/index.js';
import { startTestDevnet, type TestDevnet } from '../testing/devnet.js';
import type { ChainSource } from './createChainFeed.js';
import { createChainWatcher } from './createChainWatcher.js';

// Review of s14-lows (3557567): the daemon's onReorg now marks every ended task started above the fork block
// `lost` (restarted from its first step when its TaskStarted is read again). The watcher calls onReorg when the
// newest processed block is merely not found: what a load-balanced RPC answers from a replica a few blocks behind,
// with no block hash changed. Expected: no reorganization (wait for the replica), paid tasks left as they are.

const setupTimeout = { timeout: 180_000 };
const teardownTimeout = { timeout: 60_000 };

let devnet: TestDevnet;
const dir = mkdtempSync(join(tmpdir(), 'verinet-lagging-'));
before(async () => {
  devnet = await startTestDevnet();
}, setupTimeout);
after(async () => {
  await devnet?.stop();
  rmSync(dir, { recursive: true, force: true });
}, teardownTimeout);

describe('a load-balanced RPC whose replica is behind (no block replaced)', { timeout: 120_000 }, () => {
  it('is not a reorganization: no rewind, and an ended (paid) task is not marked lost', async () => {
    const store = openStore({ path: join(dir, 'node.db') });
    /** The replica's head while it lags (undefined: the RPC answers from the up-to-date backend). */
    let lagHead: bigint | undefined;
    // The answers of a replica behind, as viem gives them: its own head, and "not found" for blocks above it.
    const source: ChainSource = {
      getBlockNumber: async () => lagHead ?? (await devnet.client.getBlockNumber({ cacheTime: 0 })),
      getBlock: async ({ blockNumber }) => {
        if (lagHead !== undefined && blockNumber > lagHead) throw new BlockNotFoundError({ blockNumber });
        return devnet.client.getBlock({ blockNumber });
      },
      getLogs: (parameters) => devnet.client.getLogs(parameters),
    };
    let reorgs = 0;
    const watcher = createChainWatcher({
      client: devnet.client,
      source,
      store,
      addresses: [devnet.deployment.contracts.taskManager],
      startBlock: devnet.deployment.startBlock,
      confirmations: 0,
      pollIntervalMs: 20,
      onLogs: () => {},
      // The daemon's rule (createNodeDaemon's onReorg).
      onReorg: (blockNumber) => {
        reorgs++;
        markReplacedEndsLost(store, blockNumber);
      },
    });
    try {
      await devnet.rpc('anvil_mine', ['0x6']);
      while (!(await watcher.pollOnce()));
      const head = await devnet.client.getBlockNumber({ cacheTime: 0 });
      // A task of this node drawn two blocks ago and already paid (as applyChainLogs leaves it).
      const taskKey = keccak256(toHex('paid task'));
      insertTask(store, { taskKey, taskType: 0, startedBlock: Number(head) - 1, argsCommitment: null });
      updateTask(store, taskKey, { step: 'ended', outcome: 'success', fee: '1000' });

      // One answer from a replica 3 blocks behind, then the up-to-date backend again.
      lagHead = head - 3n;
      await watcher.pollOnce();
      assert.equal(reorgs, 0, 'a replica behind replaced no block: not a reorganization');
      assert.equal(watcher.status().reorgs, 0);
      // (In the daemon, a task marked lost here is restarted from its first step when the re-read meets its
      // TaskStarted, and ended again only if its TaskEnded is in the same batch: else it runs again.)
      assert.equal(getTask(store, taskKey)?.outcome, 'success', 'the paid task is left paid');
      lagHead = undefined;
      await watcher.pollOnce();
      assert.equal(reorgs, 0);
    } finally {
      await watcher.stop();
      store.close();
    }
  });
});
