import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { taskManagerAbi } from '@verinet/protocol/chain';
import { getAbiItem, type Hex, parseEther, toEventSelector } from 'viem';
import { createClient, type VerinetClient } from './client/createClient.js';
import { ReportLogUnavailableError } from './errors/index.js';
import { nodeHttp } from './nodeHttp.js';
import { startRpcProxy } from './testing/startRpcProxy.js';
import { type SdkNetwork, startSdkNetwork, testModels } from './testing/startSdkNetwork.js';
import type { TaskEvent } from './types.js';

// waitForReport keeps a member whose chain state is ScoreReady / ErrorReported pending until refreshMember reads its
// report log (readTaskReport: eth_getLogs from the member's seed block to latest), for reportLogWaitMs at most: an
// RPC that prunes old logs, or answers an empty list for a range it does not hold, ends the wait with
// ReportLogUnavailableError instead of a silent wait until the caller aborts (the adversarial review of s13 found
// the wait unbounded). Here an RPC proxy drops TaskScoreReady logs from every eth_getLogs answer.

const setupTimeout = { timeout: 180_000 };
const teardownTimeout = { timeout: 60_000 };
const scoreReady = toEventSelector(getAbiItem({ abi: taskManagerAbi, name: 'TaskScoreReady' }) as never);

/** A JSON-RPC proxy to `target` whose eth_getLogs answers never hold a TaskScoreReady log. */
const startLogDroppingProxy = (target: string) =>
  startRpcProxy(target, {
    onAnswers(answers, calls) {
      for (const item of answers) {
        const call = calls.find((c) => c.id === item.id);
        if (call?.method === 'eth_getLogs' && Array.isArray(item.result))
          item.result = (item.result as { topics: Hex[] }[]).filter((log) => log.topics[0] !== scoreReady);
      }
    },
  });

const appIndex = 13;
let network: SdkNetwork;
let proxy: Awaited<ReturnType<typeof startLogDroppingProxy>>;
let client: VerinetClient;

before(async () => {
  network = await startSdkNetwork();
  for (const index of [1, 2]) {
    await network.joinNode(index);
    await network.startNode(index);
  }
  await network.send(0, 'taskManager', 'setSamplingDenominator', [1000n]);
  proxy = await startLogDroppingProxy(network.devnet.anvil.rpcUrl);
  client = createClient({
    chain: { ...network.chain, rpcUrl: proxy.url },
    relay: network.relay.url,
    account: network.privateKey(appIndex),
    fee: parseEther('0.01'),
    pollIntervalMs: 100,
    http: nodeHttp,
  });
}, setupTimeout);
after(async () => {
  await client?.close();
  await proxy?.close();
  await network?.stop();
}, teardownTimeout);

describe('a reported member whose report log the RPC cannot return', { timeout: 200_000 }, () => {
  it('ends the wait with an error naming the missing log, not a silent wait until the caller aborts', async () => {
    const events: TaskEvent[] = [];
    const abortAfterMs = 60_000;
    const started = Date.now();
    const outcome = await client.chat.completions
      .create(
        {
          model: testModels.llm,
          messages: [{ role: 'user', content: 'Count to three.' }],
          max_tokens: 4,
          seed: 7,
        },
        { signal: AbortSignal.timeout(abortAfterMs), onProgress: (event) => events.push(event) },
      )
      .then(
        () => ({ error: undefined }),
        (error: unknown) => ({ error }),
      );
    const elapsed = Date.now() - started;
    const id = events[0]?.id;
    const record = id ? await client.getTask(id) : undefined;
    const member = record?.members[0];
    console.log(
      `ended after ${elapsed} ms; member state ${member?.state}, score ${member?.score};`,
      outcome.error,
    );
    assert.ok(
      outcome.error instanceof ReportLogUnavailableError,
      `a ReportLogUnavailableError, not ${String(outcome.error)}`,
    );
    assert.match(outcome.error.message, /returned no report log/);
    assert.equal(member?.state, 'ScoreReady', 'the node reported: the chain state says so');
    assert.ok(
      elapsed < abortAfterMs - 1_000,
      `the wait ended only with the caller's abort after ${elapsed} ms (${String(outcome.error)}): it had no bound of its own`,
    );
  });
});
