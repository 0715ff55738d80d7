import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { taskManagerAbi } from '@verinet/protocol/chain';
import { createPublicClient, custom, type Hex, hexToBigInt, type PublicClient, parseEther } from 'viem';
import { createTestTask, joinTestNode } from '../testing/app.js';
import { startTestDevnet, type TestDevnet } from '../testing/devnet.js';
import { contractsOf, readStartStands } from './taskManager.js';

const setupTimeout = { timeout: 180_000 };
const teardownTimeout = { timeout: 60_000 };

// Review s13 (s13-ux2's fix): chainVerdict gives a task up as 'lost' ("nothing of it is owed to or by this node")
// when one read shows it None or Queued and readStartStands answers 'gone'. readStartStands makes two separate
// calls, the head (eth_blockNumber) and the logs of the start block (eth_getLogs), and a load-balanced RPC may send
// them to two replicas: the head from one at or past the start block, the logs from one behind it, which answers
// an empty list for a block it does not have yet (anvil does; the chain feed's comment says so). The start then
// reads 'gone' although it stands: the node drops a task the chain still gives it, and the task times out against
// an honest node. Here the logs come from a replica one block behind the start block (a proxy over one anvil that
// answers eth_getLogs as that replica would: no logs for blocks above its head).

let devnet: TestDevnet;
before(async () => {
  devnet = await startTestDevnet();
  await joinTestNode(devnet, 3, ['base:verinet/tiny-gpt2']);
}, setupTimeout);
after(async () => {
  await devnet?.stop();
}, teardownTimeout);

/** The devnet's RPC, with eth_getLogs answered by a replica whose head is `lag.head` (when set). */
function laggingLogsClient(lag: { head?: bigint }): PublicClient {
  const forward = (method: string, params: unknown[]) =>
    devnet.client.request({ method: method as never, params: params as never }) as Promise<unknown>;
  return createPublicClient({
    transport: custom({
      async request({ method, params }) {
        const list = (params ?? []) as unknown[];
        if (method !== 'eth_getLogs' || lag.head === undefined) return forward(method, list);
        const filter = list[0] as { fromBlock?: Hex; toBlock?: Hex };
        if (filter.fromBlock && hexToBigInt(filter.fromBlock) > lag.head) return [];
        return forward(method, list);
      },
    }),
  }) as PublicClient;
}

describe('review s13: readStartStands over a load-balanced RPC whose replicas differ by a block', {
  timeout: 180_000,
}, () => {
  it("never answers 'gone' for a start that stands because the logs' replica is behind the start block", async () => {
    const task = await createTestTask(
      devnet,
      17,
      'llm',
      {
        model: 'verinet/tiny-gpt2',
        messages: [{ role: 'user', content: 'Lagging replica' }],
        generation_config: { max_new_tokens: 4 },
        seed: 5,
      },
      parseEther('0.01'),
    );
    assert.ok(task.node, 'drawn onto the joined node');
    const [started] = await devnet.client.getContractEvents({
      address: devnet.deployment.contracts.taskManager,
      abi: taskManagerAbi,
      eventName: 'TaskStarted',
      args: { taskKey: task.taskKey },
      fromBlock: task.blockNumber,
    });
    assert.ok(started?.blockNumber, 'the start block');
    const startedBlock = Number(started.blockNumber);
    const contracts = contractsOf(devnet.deployment);
    assert.equal(
      await readStartStands(laggingLogsClient({}), contracts, task.taskKey, startedBlock),
      'stands',
      'one consistent RPC: the start stands',
    );
    const answer = await readStartStands(
      laggingLogsClient({ head: BigInt(startedBlock) - 1n }),
      contracts,
      task.taskKey,
      startedBlock,
    );
    assert.notEqual(answer, 'gone', 'a replica behind the start block proves nothing: unknown, retried');
  });
});
