import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { nodeRegistryAbi, taskManagerAbi } from '@verinet/protocol/chain';
import {
  type Address,
  encodeAbiParameters,
  encodeEventTopics,
  getAbiItem,
  type Hex,
  keccak256,
  type Log,
  toHex,
} from 'viem';
import { decodeNodeEvents } from './taskManager.js';

const contracts = {
  taskManager: '0x5FbDB2315678afecb367f032d93F642f64180aa3' as Address,
  nodeRegistry: '0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512' as Address,
};
const me: Address = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8';
const other: Address = '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC';
const key = (n: number) => keccak256(toHex(`task ${n}`));

/** A TaskManager log of `eventName` as the RPC serves it (indexed arguments in topics, the rest in data). */
function logOf(eventName: string, args: Record<string, unknown>, n: number, registry = false): Log {
  const abi = registry ? nodeRegistryAbi : taskManagerAbi;
  const event = getAbiItem({ abi, name: eventName as never }) as {
    inputs: readonly { name: string; type: string; indexed?: boolean }[];
  };
  const topics = encodeEventTopics({
    abi,
    eventName: eventName as never,
    args: args as never,
  });
  const unindexed = event.inputs.filter((input) => !input.indexed);
  const data = encodeAbiParameters(
    unindexed,
    unindexed.map((input) => args[input.name]),
  );
  return {
    address: registry ? contracts.nodeRegistry : contracts.taskManager,
    topics: topics as [Hex, ...Hex[]],
    data,
    blockNumber: 10n,
    blockHash: keccak256(toHex('block 10')),
    logIndex: n,
    transactionHash: keccak256(toHex(`tx ${n}`)),
    transactionIndex: 0,
    removed: false,
  };
}

describe('decodeNodeEvents', () => {
  it("keeps the ends of this node's tasks and every abort, not the ends naming another node", () => {
    const ends = ['TaskEndSuccess', 'TaskEndGroupSuccess'].flatMap((eventName, i) => [
      logOf(eventName, { taskKey: key(i), node: me, beneficiary: me, fee: 5n }, 2 * i),
      logOf(eventName, { taskKey: key(10 + i), node: other, beneficiary: other, fee: 5n }, 2 * i + 1),
    ]);
    const others = [
      logOf('TaskEndGroupRefund', { taskKey: key(20), node: me, fee: 1n }, 4),
      logOf('TaskEndGroupRefund', { taskKey: key(21), node: other, fee: 1n }, 5),
      logOf('TaskEndInvalidated', { taskKey: key(22), node: other, fee: 1n }, 6),
      logOf('TaskEndAborted', { taskKey: key(23), reason: 0, fee: 1n }, 7),
    ];
    const events = decodeNodeEvents([...ends, ...others], contracts, me);
    assert.deepEqual(
      events.map((event) => (event.kind === 'taskEnded' ? [event.taskKey, event.outcome] : [event.kind])),
      [
        [key(0), 'success'],
        [key(1), 'group_success'],
        [key(20), 'group_refund'],
        [key(23), 'aborted'],
      ],
    );
  });

  it('decodes the events of both contracts by their selector, and skips unknown or undecodable logs', () => {
    const started = logOf('TaskStarted', { taskKey: key(30), node: me, taskType: 1 }, 0);
    const logs = [
      logOf(
        'TaskCreated',
        { taskKey: key(30), creator: other, taskType: 1, fee: 7n, argsCommitment: key(31), taskSize: 1n },
        1,
      ),
      started,
      { ...started, logIndex: 2, topics: [key(99), ...started.topics.slice(1)] as [Hex, ...Hex[]] },
      { ...started, logIndex: 3, topics: [started.topics[0]!] as [Hex] },
      logOf('TaskScoreReady', { taskKey: key(30), node: me, seed: key(32), score: '0x1234' }, 4),
      logOf('NodeStatusChanged', { node: me, from: 0, to: 1 }, 5, true),
      logOf('NodeSlashed', { node: other, amount: 3n }, 6, true),
    ];
    assert.deepEqual(
      decodeNodeEvents(logs, contracts, me).map((event) => event.kind),
      ['taskCreated', 'taskDrawn', 'taskStarted', 'scoreReady', 'statusChanged'],
    );
  });
});
