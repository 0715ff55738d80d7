import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type AbiEvent,
  type AbiParameter,
  encodeAbiParameters,
  encodeEventTopics,
  type Hex,
  type Log,
  numberToHex,
  parseEventLogs,
  type RpcLog,
} from 'viem';
import { taskManagerAbi } from './abis.generated.js';
import { parseTaskManagerLogs } from './parseTaskManagerLogs.js';

const events = (taskManagerAbi as readonly { type: string }[]).filter(
  (item): item is AbiEvent => item.type === 'event',
);

/** A value of `parameter`'s type, different for each `seed`. */
function sampleValue(parameter: AbiParameter, seed: number): unknown {
  const { type } = parameter;
  if (type === 'address') return `0x${(seed + 1).toString(16).padStart(40, '0')}`;
  if (type === 'bytes32') return `0x${(seed + 7).toString(16).padStart(64, '0')}`;
  if (type === 'bytes') return `0x${'ab'.repeat(seed + 1)}`;
  if (type.startsWith('uint')) return type === 'uint8' ? seed % 7 : BigInt(seed * 1000 + 3);
  throw new Error(`no test value for ${type}`);
}

/** A log of every TaskManager event (block and index fields as a receipt carries them). */
function makeLogs(): Log[] {
  return events.map((event, index) => {
    const args = Object.fromEntries(
      event.inputs.map((input, i) => [input.name, sampleValue(input, index + i)]),
    );
    const topics = encodeEventTopics({ abi: [event], eventName: event.name, args } as never) as Hex[];
    const data = encodeAbiParameters(
      event.inputs.filter((input) => !input.indexed),
      event.inputs.filter((input) => !input.indexed).map((input) => args[input.name!]),
    );
    return {
      address: '0x00000000000000000000000000000000000000aa',
      topics: topics as [Hex, ...Hex[]],
      data,
      blockHash: `0x${'12'.repeat(32)}`,
      blockNumber: 100n + BigInt(index),
      logIndex: index,
      transactionHash: `0x${'34'.repeat(32)}`,
      transactionIndex: 0,
      removed: false,
    } as Log;
  });
}

describe('parseTaskManagerLogs', () => {
  it("decodes every TaskManager event as viem's parseEventLogs does, and leaves out what it leaves out", () => {
    const logs = makeLogs();
    const unknown = { ...logs[0]!, topics: [`0x${'99'.repeat(32)}`] as [Hex] };
    // A TaskStarted whose data is cut short does not decode.
    const started = logs.find((_, i) => events[i]!.name === 'TaskStarted')!;
    const truncated = { ...started, data: '0x01' as Hex };
    const noTopics = { ...logs[0]!, topics: [] as unknown as [Hex] };
    const all = [...logs, unknown, truncated, noTopics];
    const parsed = parseTaskManagerLogs(all);
    assert.equal(parsed.length, events.length);
    assert.deepEqual(parsed, parseEventLogs({ abi: taskManagerAbi, logs: all }));
    assert.deepEqual(
      parsed.map((log) => log.eventName),
      events.map((event) => event.name),
    );
  });

  it("takes eth_getLogs' raw answer (hex quantities) as parseEventLogs does", () => {
    const raw: RpcLog[] = makeLogs().map((log) => ({
      ...log,
      blockNumber: numberToHex(log.blockNumber!),
      logIndex: numberToHex(log.logIndex!),
      transactionIndex: numberToHex(log.transactionIndex!),
    })) as RpcLog[];
    const parsed = parseTaskManagerLogs(raw);
    assert.deepEqual(parsed, parseEventLogs({ abi: taskManagerAbi, logs: raw as never, strict: true }));
    assert.equal(parsed[0]!.blockNumber, 100n);
  });
});
