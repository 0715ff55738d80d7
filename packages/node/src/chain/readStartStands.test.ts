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

/** The first test's task and a chain save taken before it (the second test undoes its start). */
const first: { saved?: string; taskKey?: Hex; startedBlock?: number } = {};

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
    first.saved = (await devnet.rpc('evm_snapshot', [])) as string;
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
    first.taskKey = task.taskKey;
    first.startedBlock = startedBlock;
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
  it("a chain that went back under the start reads 'gone'; a replica without the block, or without its hash, 'unknown'", async () => {
    // The first test's task, its start undone: the chain reverted to a save taken before its creation.
    assert.ok(first.saved && first.taskKey && first.startedBlock, 'the first test ran');
    const contracts = contractsOf(devnet.deployment);
    const task = { taskKey: first.taskKey };
    const startedBlock = first.startedBlock;
    await devnet.rpc('evm_revert', [first.saved]);
    const head = Number(await devnet.client.getBlockNumber({ cacheTime: 0 }));
    // A replica behind the start block: no block at that height.
    assert.equal(
      await readStartStands(devnet.client, contracts, task.taskKey, startedBlock, { confirmAfterMs: 100 }),
      'unknown',
      'no block at the start height proves nothing',
    );
    await devnet.rpc('anvil_mine', [`0x${Math.max(1, startedBlock - head + 1).toString(16)}`]);
    assert.equal(
      await readStartStands(devnet.client, contracts, task.taskKey, startedBlock, { confirmAfterMs: 100 }),
      'gone',
      'another block at the start height, without the TaskStarted',
    );
    // The block's logs from a replica that does not have that hash (EIP-234: an error, not []).
    const withoutHash = createPublicClient({
      transport: custom({
        async request({ method, params }) {
          const list = (params ?? []) as unknown[];
          if (method === 'eth_getLogs' && (list[0] as { blockHash?: Hex }).blockHash)
            throw new Error('unknown block');
          return devnet.client.request({ method: method as never, params: list as never });
        },
      }),
    }) as PublicClient;
    assert.equal(
      await readStartStands(withoutHash, contracts, task.taskKey, startedBlock, { confirmAfterMs: 100 }),
      'unknown',
      'a failed read of the block by its hash proves nothing',
    );
  });
});
