import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { taskManagerAbi } from '@verinet/protocol/chain';
import { writeTinyGpt2 } from '@verinet/worker/llm';
import { writeTinySdModel } from '@verinet/worker/sd/tiny';
import { parseEther, parseEventLogs } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { getDeploymentChain } from '../chain/createChainClient.js';
import {
  contractsOf,
  pauseRequest,
  quitRequest,
  readNodeStatus,
  readOwed,
  readTask,
  resumeRequest,
} from '../chain/taskManager.js';
import type { NodeRuntime } from '../cli/createNodeRuntime.js';
import { getNodeStatus } from '../cli/membership.js';
import { getTask, listLog, openStore } from '../store/index.js';
import { createTestTask, joinTestNode, settleTestDraws, validateTestTask } from '../testing/app.js';
import { createMemoryRelay } from '../testing/createMemoryRelay.js';
import { startTestDevnet, type TestDevnet, testMinStake, testWallet, waitFor } from '../testing/devnet.js';
import { startTestNode, type TestNode } from '../testing/startTestNode.js';
import { createTxSender } from '../tx/index.js';
import { createDrawSettler } from './createDrawSettler.js';
import { createQueueDispatcher } from './createQueueDispatcher.js';

/** Bounds of this file's hooks (node:test hooks do not inherit a describe's timeout): a hung hook fails, not CI. */
const setupTimeout = { timeout: 180_000 };
const teardownTimeout = { timeout: 60_000 };

const root = mkdtempSync(join(tmpdir(), 'verinet-daemon-'));
const modelsDir = join(root, 'models');
let devnet: TestDevnet;
let node: TestNode;
const relay = createMemoryRelay();
const fee = parseEther('0.01');
const llmArgs = {
  model: 'verinet/tiny-gpt2',
  messages: [{ role: 'user', content: 'Hello' }],
  generation_config: { max_new_tokens: 4 },
  seed: 1,
};
const sdArgs = {
  base_model: 'verinet/tiny-sd',
  prompt: 'a red cat',
  task_config: { image_width: 64, image_height: 64, steps: 2, seed: 3, num_images: 1 },
};

before(async () => {
  await writeTinyGpt2({ modelsDir });
  await writeTinySdModel({ modelsDir, modelId: 'verinet/tiny-sd' });
  devnet = await startTestDevnet();
  await joinTestNode(devnet, 1, ['base:verinet/tiny-gpt2', 'base:verinet/tiny-sd']);
  node = await startTestNode({
    devnet,
    index: 1,
    relay,
    dataDir: join(root, 'node1'),
    modelsDir,
    settleDelayMs: 300,
  });
}, setupTimeout);
after(async () => {
  await node?.stop();
  await devnet?.stop();
  rmSync(root, { recursive: true, force: true });
}, teardownTimeout);

describe('node daemon on anvil with the real worker', { timeout: 240_000 }, () => {
  for (const [type, args] of [
    ['llm', llmArgs],
    ['sd', sdArgs],
  ] as const) {
    it(`runs a ${type} task end to end and is paid`, async () => {
      const task = await createTestTask(devnet, 15, type, args, fee);
      assert.ok(task.node, 'the task got a node');
      relay.putArgs(task.taskKey, task.bytes, task.salt);
      await waitFor(
        () => getTask(node.store, task.taskKey)?.step === 'reported',
        120_000,
        `${type} task reported`,
      );
      const local = getTask(node.store, task.taskKey)!;
      const uploaded = relay.results.get(task.taskKey.toLowerCase());
      assert.ok(uploaded, 'the result was uploaded before the score');
      assert.equal(uploaded.score, local.score);
      const chain = await readTask(devnet.client, contractsOf(devnet.deployment), task.taskKey);
      assert.equal(chain.state, 'ScoreReady');
      const owedBefore = await readOwed(devnet.client, contractsOf(devnet.deployment), task.node!);
      await validateTestTask(devnet, 15, task.taskKey);
      await waitFor(() => getTask(node.store, task.taskKey)?.step === 'ended', 30_000, 'ended');
      assert.equal(getTask(node.store, task.taskKey)?.outcome, 'success');
      assert.equal(
        await readOwed(devnet.client, contractsOf(devnet.deployment), task.node!),
        owedBefore + fee,
      );
      if (type === 'llm') {
        assert.equal(local.score?.length, 66, 'LLM score: sha256 of result.json');
      } else {
        assert.equal(local.score?.length, 18, 'SD score: one 8-byte pHash');
      }
      // One submitScore transaction, mined.
      const txs = node.store.db
        .prepare('SELECT purpose, status FROM transactions WHERE task_key = ?')
        .all(task.taskKey.toLowerCase());
      assert.deepEqual(txs, [{ purpose: 'submitScore', status: 'mined' }]);
    });
  }

  it('reports invalid arguments on chain (the only error it reports), and the app gets its fee back', async () => {
    // Schema-valid, so the app could create it, but longer than the tiny model's 512-token context: the
    // worker's verdict is invalid_args, which every honest node reaches on the same bytes.
    const tooLong = { ...llmArgs, messages: [{ role: 'user', content: 'word '.repeat(3000) }] };
    const task = await createTestTask(devnet, 15, 'llm', tooLong, fee);
    relay.putArgs(task.taskKey, task.bytes, task.salt);
    await waitFor(() => getTask(node.store, task.taskKey)?.step === 'reported', 120_000, 'error reported');
    assert.equal(getTask(node.store, task.taskKey)?.errorKind, 'invalid_args');
    const chain = await readTask(devnet.client, contractsOf(devnet.deployment), task.taskKey);
    assert.equal(chain.state, 'ErrorReported');
    await validateTestTask(devnet, 15, task.taskKey);
    await waitFor(() => getTask(node.store, task.taskKey)?.step === 'ended', 30_000, 'ended');
    assert.equal(getTask(node.store, task.taskKey)?.outcome, 'aborted');
    const txs = node.store.db
      .prepare('SELECT purpose, status FROM transactions WHERE task_key = ?')
      .all(task.taskKey.toLowerCase());
    assert.deepEqual(txs, [{ purpose: 'reportError', status: 'mined' }]);
  });

  it('never reports a missing model: the task is given up and left to time out', async () => {
    const absent = { ...llmArgs, model: 'nobody/absent-model' };
    const task = await createTestTask(devnet, 15, 'llm', absent, fee);
    relay.putArgs(task.taskKey, task.bytes, task.salt);
    await waitFor(() => getTask(node.store, task.taskKey)?.step === 'abandoned', 60_000, 'abandoned');
    assert.match(getTask(node.store, task.taskKey)?.lastError ?? '', /nobody\/absent-model/);
    const chain = await readTask(devnet.client, contractsOf(devnet.deployment), task.taskKey);
    assert.equal(chain.state, 'Started', 'nothing was reported on chain');
    assert.ok(listLog(node.store, 50).some((l) => /given up/.test(l.message)));
    // After the timeout the node ends the task itself (frees itself); nobody is slashed.
    await devnet.rpc('evm_increaseTime', [16 * 60]);
    await devnet.rpc('anvil_mine', ['0x1']);
    await waitFor(() => getTask(node.store, task.taskKey)?.step === 'ended', 60_000, 'aborted after timeout');
    assert.equal(getTask(node.store, task.taskKey)?.outcome, 'aborted');
    const info = await devnet.client.readContract({
      address: devnet.deployment.contracts.nodeRegistry,
      abi: (await import('@verinet/protocol/chain')).nodeRegistryAbi,
      functionName: 'getNodeInfo',
      args: [task.node!],
    });
    assert.equal(info.status, 1, 'Available again, not slashed');
  });

  it('settles a draw nobody else settles (F1): the task is drawn, run and paid; a paused node only backs up', async () => {
    const contracts = contractsOf(devnet.deployment);
    // A second registered node, paused (it cannot be drawn), with its own settler: its wait is the backstop.
    await joinTestNode(devnet, 2, ['base:verinet/tiny-gpt2']);
    const other = privateKeyToAccount(testWallet(devnet, 2).privateKey);
    const otherStore = openStore({ path: ':memory:' });
    const otherSender = createTxSender({
      client: devnet.client,
      account: other,
      chain: getDeploymentChain(devnet.deployment, devnet.anvil.rpcUrl),
      store: otherStore,
    });
    await otherSender.sendAndWait({ purpose: 'pause', request: pauseRequest(contracts) });
    const otherSettler = createDrawSettler({
      client: devnet.client,
      sender: otherSender,
      store: otherStore,
      contracts,
      node: other.address,
      intervalMs: 100,
      delayMs: 0,
      backstopMs: 5_000,
      maxGas: 5_000_000n,
      notice: () => {},
    });
    const settles = (store: typeof otherStore) =>
      store.db.prepare("SELECT status FROM transactions WHERE purpose = 'settleDraws'").all() as {
        status: string;
      }[];
    const before = settles(node.store).length;

    // 1. Nobody settles but the nodes: the Available node (wait < 300 ms) settles; the paused one sends nothing.
    const first = await createTestTask(devnet, 15, 'llm', { ...llmArgs, seed: 11 }, fee, { settle: false });
    assert.equal((await readTask(devnet.client, contracts, first.taskKey)).state, 'Pending');
    relay.putArgs(first.taskKey, first.bytes, first.salt);
    while (getTask(node.store, first.taskKey)?.step !== 'reported') {
      assert.equal(await otherSettler.tick(), 0, 'the paused node waits for its backstop');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const chain = await readTask(devnet.client, contracts, first.taskKey);
    assert.equal(chain.node.toLowerCase(), node.daemon.context.node.toLowerCase());
    assert.deepEqual(settles(node.store).slice(before), [{ status: 'mined' }], 'one settlement, mined');
    await validateTestTask(devnet, 15, first.taskKey);
    await waitFor(() => getTask(node.store, first.taskKey)?.outcome === 'success', 30_000, 'paid');
    assert.equal(await otherSettler.tick(), 0);
    assert.deepEqual(settles(otherStore), [], 'nothing left to settle: the paused node never paid for it');

    // 2. The Available node's settler is stopped: the paused node settles after its backstop, not before.
    await node.daemon.settler.stop();
    try {
      const second = await createTestTask(devnet, 15, 'llm', { ...llmArgs, seed: 12 }, fee, {
        settle: false,
      });
      relay.putArgs(second.taskKey, second.bytes, second.salt);
      const start = Date.now();
      let drawn = 0;
      while (drawn === 0) {
        drawn = await otherSettler.tick();
        if (drawn === 0) assert.ok(Date.now() - start < 20_000, 'backstop settlement');
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      assert.ok(Date.now() - start >= 5_000, 'not before the backstop');
      assert.equal(drawn, 1);
      assert.deepEqual(settles(otherStore), [{ status: 'mined' }]);
      await waitFor(() => getTask(node.store, second.taskKey)?.step === 'reported', 120_000, 'reported');
      await validateTestTask(devnet, 15, second.taskKey);
      await waitFor(() => getTask(node.store, second.taskKey)?.outcome === 'success', 30_000, 'paid');
    } finally {
      node.daemon.settler.start();
      otherStore.close();
    }
  });

  it('re-reads the pending draws after a reorg (onReorg → hint): a draw a replaced block had settled is settled again', async () => {
    const contracts = contractsOf(devnet.deployment);
    const { settler } = node.daemon;
    // Kept out while another account settles (the daemon's own settlement would be the one replaced).
    await settler.stop();
    try {
      const task = await createTestTask(devnet, 15, 'llm', { ...llmArgs, seed: 61 }, fee, { settle: false });
      const snapshot = await devnet.rpc('evm_snapshot');
      await settleTestDraws(devnet, 16);
      // The daemon's watcher saw TaskCreated then TaskStarted: its settler knows of no draw waiting and asks the
      // chain again only after its periodic re-read (60 s by default).
      await waitFor(() => getTask(node.store, task.taskKey) !== undefined, 10_000, 'the draw seen');
      settler.start();
      // Its first round reads pendingDraws() = 0; from then on only a hint (or the 60 s re-read) makes it look.
      await new Promise((resolve) => setTimeout(resolve, 500));
      // The settlement's block is replaced by one without it: the draw is pending again, with no new TaskCreated.
      await devnet.rpc('evm_revert', [snapshot]);
      await devnet.rpc('evm_mine');
      assert.equal((await readTask(devnet.client, contracts, task.taskKey)).state, 'Pending');
      await waitFor(
        async () => (await readTask(devnet.client, contracts, task.taskKey)).state === 'Started',
        15_000,
        'settled again by the daemon within seconds, not at its 60 s re-read',
      );
      assert.ok(node.daemon.watcher.status().reorgs >= 1, 'the watcher saw the reorg');
      // The same creation block's hash and population: the same node runs it to the end.
      relay.putArgs(task.taskKey, task.bytes, task.salt);
      await waitFor(() => getTask(node.store, task.taskKey)?.step === 'reported', 120_000, 'reported');
      await validateTestTask(devnet, 15, task.taskKey);
      await waitFor(() => getTask(node.store, task.taskKey)?.step === 'ended', 30_000, 'ended');
    } finally {
      settler.start();
    }
  });

  it('a reorganization that re-includes the draw but not the report: the kept result is reported again, not run again', async () => {
    const contracts = contractsOf(devnet.deployment);
    const { settler } = node.daemon;
    // Counts the real worker's runs (the daemon calls it through this object).
    const run = node.worker.run.bind(node.worker);
    let runs = 0;
    node.worker.run = ((...args: Parameters<typeof run>) => {
      runs++;
      return run(...args);
    }) as typeof run;
    await settler.stop();
    try {
      const task = await createTestTask(devnet, 15, 'llm', { ...llmArgs, seed: 71 }, fee, { settle: false });
      const snapshot = await devnet.rpc('evm_snapshot');
      await settleTestDraws(devnet, 16);
      relay.putArgs(task.taskKey, task.bytes, task.salt);
      await waitFor(() => getTask(node.store, task.taskKey)?.step === 'reported', 120_000, 'reported');
      await validateTestTask(devnet, 15, task.taskKey);
      await waitFor(() => getTask(node.store, task.taskKey)?.step === 'ended', 30_000, 'ended');
      assert.equal(runs, 1);
      // The draw, the report and the validation are replaced; the creation stands and another account draws it
      // again (the node's own next transaction would put its report back first: submitScore settles the draws).
      await devnet.rpc('evm_revert', [snapshot]);
      await devnet.rpc('evm_mine');
      await settleTestDraws(devnet, 16);
      await waitFor(
        async () => (await readTask(devnet.client, contracts, task.taskKey)).state === 'ScoreReady',
        60_000,
        'drawn onto the node again and reported again',
      );
      assert.equal(runs, 1, 'the worker ran the task once');
      await validateTestTask(devnet, 15, task.taskKey);
      await waitFor(
        () => {
          const record = getTask(node.store, task.taskKey);
          return record?.step === 'ended' && record.outcome === 'success';
        },
        30_000,
        'ended and paid',
      );
    } finally {
      node.worker.run = run;
      settler.start();
    }
  });

  it('an idle node takes a queued task no release reached (F4): resume dispatches nothing, the daemon does', async () => {
    const contracts = contractsOf(devnet.deployment);
    const address = node.daemon.context.node;
    const sender = node.daemon.context.sender;
    // The only Available node pauses: the draw finds nobody and queues the task.
    await sender.sendAndWait({ purpose: 'pause', request: pauseRequest(contracts) });
    const task = await createTestTask(devnet, 15, 'llm', { ...llmArgs, seed: 31 }, fee);
    assert.equal(task.node, null);
    assert.equal((await readTask(devnet.client, contracts, task.taskKey)).state, 'Queued');
    relay.putArgs(task.taskKey, task.bytes, task.salt);
    // resume() puts the node back in the pool without probing the queue: only the daemon's dispatcher
    // (dispatchQueuedDeep) gives it the task.
    const resumed = await sender.sendAndWait({ purpose: 'resume', request: resumeRequest(contracts) });
    assert.equal(
      parseEventLogs({ abi: taskManagerAbi, logs: resumed.receipt.logs, eventName: 'TaskStarted' }).length,
      0,
    );
    await waitFor(
      () => getTask(node.store, task.taskKey)?.step === 'reported',
      120_000,
      'queued task reported',
    );
    const chain = await readTask(devnet.client, contracts, task.taskKey);
    assert.equal(chain.state, 'ScoreReady');
    assert.equal(chain.node.toLowerCase(), address.toLowerCase());
    const dispatches = node.store.db
      .prepare("SELECT status FROM transactions WHERE purpose = 'dispatchQueued'")
      .all() as { status: string }[];
    assert.deepEqual(dispatches, [{ status: 'mined' }], 'one dispatch, mined');
    assert.equal(await node.daemon.dispatcher.tick(), undefined, 'nothing left queued: no second dispatch');
    await validateTestTask(devnet, 15, task.taskKey);
    await waitFor(() => getTask(node.store, task.taskKey)?.outcome === 'success', 30_000, 'paid');
  });

  it('idle nodes do not race for one queued task: one dispatch is mined, the others send nothing', async () => {
    const contracts = contractsOf(devnet.deployment);
    const daemonSender = node.daemon.context.sender;
    // The daemon's node pauses (its own dispatcher stays out); four idle nodes with plain dispatchers. Purposes
    // not used before: the sender finds a mined transaction of the same purpose and sends nothing.
    await daemonSender.sendAndWait({ purpose: 'pauseForRace', request: pauseRequest(contracts) });
    const racers = [];
    for (const index of [3, 4, 5, 6]) {
      await joinTestNode(devnet, index, ['base:verinet/tiny-gpt2']);
      const account = privateKeyToAccount(testWallet(devnet, index).privateKey);
      const store = openStore({ path: ':memory:' });
      const sender = createTxSender({
        client: devnet.client,
        account,
        chain: getDeploymentChain(devnet.deployment, devnet.anvil.rpcUrl),
        store,
      });
      await sender.sendAndWait({ purpose: 'pause', request: pauseRequest(contracts) });
      racers.push({ account, store, sender });
    }
    try {
      const task = await createTestTask(devnet, 15, 'llm', { ...llmArgs, seed: 41 }, fee);
      assert.equal((await readTask(devnet.client, contracts, task.taskKey)).state, 'Queued');
      for (const r of racers)
        await r.sender.sendAndWait({ purpose: 'resume', request: resumeRequest(contracts) });
      // All four see the queue in the same instant; their random waits are spread over 1.2 s.
      const taken = await Promise.all(
        racers.map((r, i) =>
          createQueueDispatcher({
            client: devnet.client,
            sender: r.sender,
            store: r.store,
            contracts,
            node: r.account.address,
            intervalMs: 1_000,
            delayMs: 1_600,
            random: () => i / 4,
            maxGas: 8_000_000n,
            notice: () => {},
          }).tick(),
        ),
      );
      assert.deepEqual(
        taken.filter((key) => key !== undefined),
        [task.taskKey],
      );
      const sent = racers.flatMap(
        (r) =>
          r.store.db.prepare("SELECT status FROM transactions WHERE purpose = 'dispatchQueued'").all() as {
            status: string;
          }[],
      );
      assert.deepEqual(sent, [{ status: 'mined' }], 'one dispatch mined, no losing dispatch paid for');
    } finally {
      for (const r of racers) {
        // The winner is Busy with a task nobody runs (it times out); the others leave the pool.
        if ((await readNodeStatus(devnet.client, contracts, r.account.address)) === 'Available')
          await r.sender.sendAndWait({ purpose: 'pauseAfterRace', request: pauseRequest(contracts) });
        r.store.close();
      }
      await daemonSender.sendAndWait({ purpose: 'resumeAfterRace', request: resumeRequest(contracts) });
    }
  });

  // Last in the file: the node quits here.
  it('takes its next task at its report while the first awaits validation (F6); a quit waits for both as PendingQuit', async () => {
    const contracts = contractsOf(devnet.deployment);
    const address = node.daemon.context.node;
    const runtime = {
      client: devnet.client,
      contracts,
      account: privateKeyToAccount(testWallet(devnet, 1).privateKey),
      deployment: devnet.deployment,
      store: node.store,
    } as unknown as NodeRuntime;
    const first = await createTestTask(devnet, 15, 'llm', { ...llmArgs, seed: 21 }, fee);
    relay.putArgs(first.taskKey, first.bytes, first.salt);
    await waitFor(() => getTask(node.store, first.taskKey)?.step === 'reported', 120_000, 'first reported');
    // Not validated: the node is free again, and the next task is drawn to it (the only Available node).
    const second = await createTestTask(devnet, 15, 'llm', { ...llmArgs, seed: 22 }, fee);
    assert.equal(second.node?.toLowerCase(), address.toLowerCase());
    relay.putArgs(second.taskKey, second.bytes, second.salt);
    await waitFor(() => getTask(node.store, second.taskKey)?.step === 'reported', 120_000, 'second reported');
    assert.equal((await readTask(devnet.client, contracts, first.taskKey)).state, 'ScoreReady');
    assert.equal((await readTask(devnet.client, contracts, second.taskKey)).state, 'ScoreReady');
    assert.equal(getTask(node.store, first.taskKey)?.step, 'reported', 'the first still follows its task');

    // Quitting now holds the stake until both reports are settled; the status says so.
    await node.daemon.context.sender.sendAndWait({ purpose: 'quit', request: quitRequest(contracts) });
    const quitting = await getNodeStatus(runtime);
    assert.equal(quitting.info.status, 'PendingQuit');
    assert.equal(quitting.info.unsettledReports, 2n);
    assert.match(quitting.text, /open reports\s+2 reported task\(s\) not settled/);
    assert.match(quitting.text, /QUITTING: the stake is returned once the 2 open report\(s\) are settled/);

    const owedBefore = await readOwed(devnet.client, contracts, address);
    await validateTestTask(devnet, 15, first.taskKey);
    await validateTestTask(devnet, 15, second.taskKey);
    await waitFor(
      () =>
        getTask(node.store, second.taskKey)?.outcome === 'success' &&
        getTask(node.store, first.taskKey)?.outcome === 'success',
      30_000,
      'both paid',
    );
    assert.equal(await readOwed(devnet.client, contracts, address), owedBefore + 2n * fee);
    const quit = await getNodeStatus(runtime);
    assert.equal(quit.info.status, 'Quit');
    assert.equal(quit.info.unsettledReports, 0n);
    assert.equal(quit.info.pendingWithdrawal, testMinStake, 'the whole stake returned, nothing slashed');
  });
});
