import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { taskManagerAbi } from '@verinet/protocol/chain';
import { parseEther, parseEventLogs } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import {
  contractsOf,
  pauseRequest,
  readNodeInfo,
  readOwed,
  readTask,
  resumeRequest,
} from '../chain/taskManager.js';
import { RelayError } from '../errors/index.js';
import { createHttpRelayClient } from '../relay/createHttpRelayClient.js';
import { getTask } from '../store/index.js';
import { createTestTask, validateTestTask } from '../testing/app.js';
import { type TestDevnet, testWallet, waitFor } from '../testing/devnet.js';
import type { RealRelay } from '../testing/startRealRelay.js';
import { type RelayedTestNode, startRelayedTestNode } from '../testing/startRelayedTestNode.js';
import type { TestNode } from '../testing/startTestNode.js';

/** Bounds of this file's hooks (node:test hooks do not inherit a describe's timeout): a hung hook fails, not CI. */
const setupTimeout = { timeout: 180_000 };
const teardownTimeout = { timeout: 60_000 };

// Review M2 path on the daemon's side, end to end with the real relay and a relay signer on chain (so a timeout
// would count against the node): Queued → TaskRedraw (Pending) → a later settlement draws this node →
// TaskStarted → the result committed at the relay → submitScore with the relay's statement → validated, paid.
let network: RelayedTestNode;
let devnet: TestDevnet;
let relay: RealRelay;
let node: TestNode;
const nodeIndex = 2;
const appIndex = 16;
const fee = parseEther('0.01');

before(async () => {
  // A short settle wait: the redraw is settled by this node's settler, hinted by TaskRedraw; its unhinted
  // re-read comes only after 60 s, beyond this test's bound on the start.
  network = await startRelayedTestNode({
    prefix: 'verinet-daemon-redraw-',
    nodeIndex,
    relaySigner: true,
    settleDelayMs: 300,
  });
  ({ devnet, relay, node } = network);
}, setupTimeout);
after(async () => {
  await network?.stop();
}, teardownTimeout);

describe('node daemon: a queued task redrawn onto it (review M2)', { timeout: 180_000 }, () => {
  it('runs it, commits the result at the relay, reports, is paid and takes no penalty', async () => {
    const contracts = contractsOf(devnet.deployment);
    const address = node.daemon.context.node;
    const sender = node.daemon.context.sender;
    const app = privateKeyToAccount(testWallet(devnet, appIndex).privateKey);
    const before = await readNodeInfo(devnet.client, contracts, address);

    // The only node pauses: the task's draw finds nobody and queues it.
    await sender.sendAndWait({ purpose: 'pause', request: pauseRequest(contracts) });
    const args = {
      model: 'verinet/tiny-gpt2',
      messages: [{ role: 'user', content: 'Redrawn' }],
      generation_config: { max_new_tokens: 4 },
      seed: 7,
    };
    const task = await createTestTask(devnet, appIndex, 'llm', args, fee, {
      relayStatement: relay.statementFor(app, 'llm'),
    });
    assert.equal(task.node, null);
    assert.equal((await readTask(devnet.client, contracts, task.taskKey)).state, 'Queued');

    // resume() probes no queue: the daemon's dispatcher sends dispatchQueuedDeep as this node (Queued → Pending,
    // TaskRedraw), and its settler draws the task's node in a later block.
    await sender.sendAndWait({ purpose: 'resume', request: resumeRequest(contracts) });
    await waitFor(
      () => getTask(node.store, task.taskKey) !== undefined,
      30_000,
      'the redrawn task started on this node',
    );
    const redraws = await devnet.client.getContractEvents({
      address: contracts.taskManager,
      abi: taskManagerAbi,
      eventName: 'TaskRedraw',
      args: { taskKey: task.taskKey },
      fromBlock: task.blockNumber,
    });
    assert.equal(redraws.length, 1, 'one redraw');
    assert.equal(
      (
        redraws[0]!.transactionHash &&
        (await devnet.client.getTransaction({ hash: redraws[0]!.transactionHash }))
      )?.from.toLowerCase(),
      address.toLowerCase(),
      'the node dispatched it itself (review s7, finding 4)',
    );

    await waitFor(() => getTask(node.store, task.taskKey)?.step === 'reported', 120_000, 'reported').catch(
      (error: Error) => {
        throw new Error(`${error.message}: ${JSON.stringify(getTask(node.store, task.taskKey))}`);
      },
    );
    const record = getTask(node.store, task.taskKey)!;
    assert.match(record.resultSignature ?? '', /^0x[0-9a-f]{130}$/i, "the relay's statement was kept");
    const chain = await readTask(devnet.client, contracts, task.taskKey);
    assert.equal(chain.state, 'ScoreReady');
    assert.equal(chain.node.toLowerCase(), address.toLowerCase());

    // The relay holds the committed result: the same upload again (a daemon restarted after its commit) gets
    // the same statement back, a different score is refused for good (RESULT_COMMITTED).
    const own = createHttpRelayClient({
      url: relay.url,
      signer: privateKeyToAccount(testWallet(devnet, nodeIndex).privateKey),
      chainId: devnet.deployment.chainId,
      taskManager: contracts.taskManager,
    });
    const files = (
      JSON.parse(record.resultFiles ?? '[]') as {
        name: string;
        mediaType: string;
        size: number;
        sha256: string;
      }[]
    ).map((f) => ({ ...f, path: join(record.outputDir!, f.name) }));
    const again = await own.uploadResult({ taskKey: task.taskKey, score: record.score!, files });
    assert.equal(again.signature.toLowerCase(), record.resultSignature!.toLowerCase());
    const other = await own
      .uploadResult({ taskKey: task.taskKey, score: `0x${'00'.repeat(32)}`, files: [] })
      .then(
        () => assert.fail('the relay took a second score'),
        (error: unknown) => error as RelayError,
      );
    assert.ok(other instanceof RelayError);
    assert.equal(other.code, 'RESULT_COMMITTED');

    await validateTestTask(devnet, appIndex, task.taskKey);
    await waitFor(() => getTask(node.store, task.taskKey)?.step === 'ended', 30_000, 'ended');
    assert.equal(getTask(node.store, task.taskKey)?.outcome, 'success');
    assert.equal(await readOwed(devnet.client, contracts, address), fee, 'paid the fee');
    const after = await readNodeInfo(devnet.client, contracts, address);
    assert.equal(after.status, 'Available');
    assert.equal(after.consecutiveTimeouts, 0n, 'no timeout counted');
    assert.ok(after.qosScore >= before.qosScore, 'QoS credited, not penalised');
    assert.equal(after.unsettledReports, before.unsettledReports, 'its report settled');
    const aborted = await devnet.client.getContractEvents({
      address: contracts.taskManager,
      abi: taskManagerAbi,
      eventName: 'TaskEndAborted',
      args: { taskKey: task.taskKey },
      fromBlock: task.blockNumber,
    });
    assert.equal(aborted.length, 0);
    const started = parseEventLogs({
      abi: taskManagerAbi,
      logs: await devnet.client.getContractEvents({
        address: contracts.taskManager,
        abi: taskManagerAbi,
        eventName: 'TaskStarted',
        args: { taskKey: task.taskKey },
        fromBlock: task.blockNumber,
      }),
      eventName: 'TaskStarted',
    });
    assert.equal(started.length, 1, 'started once, after the redraw');
    assert.ok(started[0]!.blockNumber > redraws[0]!.blockNumber, 'drawn in a block after the redraw');
  });
});
