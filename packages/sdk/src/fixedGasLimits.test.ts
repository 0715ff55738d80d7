import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { taskManagerAbi } from '@verinet/protocol/chain/abis';
import {
  getFixedGasFor,
  getFixedGasLimit,
  taskManagerCallGas,
} from '@verinet/protocol/chain/getFixedGasLimit';
import { parseTaskManagerLogs } from '@verinet/protocol/chain/parseTaskManagerLogs';
import { type Hex, http, parseEther, toFunctionSelector } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { createClient, type VerinetClient } from './client/createClient.js';
import { type SdkNetwork, startSdkNetwork, testModels } from './testing/startSdkNetwork.js';

/** Bounds of this file's hooks (node:test hooks do not inherit a describe's timeout). */
const setupTimeout = { timeout: 180_000 };
const teardownTimeout = { timeout: 60_000 };

/** ITaskManager.AbortReason.DrawExpired: a draw settled by expiring. */
const drawExpired = 6;

/** The fixed-gas TaskManager calls by selector. */
const fixedCalls = new Map(
  Object.keys(taskManagerCallGas).map((name) => {
    const item = (taskManagerAbi as readonly { type: string; name?: string }[]).find(
      (entry) => entry.type === 'function' && entry.name === name,
    );
    assert.ok(item, `TaskManager has no function ${name}`);
    return [toFunctionSelector(item as never), name] as const;
  }),
);

let network: SdkNetwork;
let client: VerinetClient;

before(async () => {
  network = await startSdkNetwork();
  for (const index of [1, 2, 3]) {
    await network.joinNode(index);
    await network.startNode(index);
  }
  // 1 in 2 sampled: unsampled tasks (createTask, settleDraws, submitScore, validateSingleTask) and groups
  // (validateTaskGroup) in a few rounds.
  await network.send(0, 'taskManager', 'setSamplingDenominator', [2n]);
  client = createClient({
    chain: network.chain,
    relay: network.relay.url,
    account: network.privateKey(14),
    fee: parseEther('0.01'),
    pollIntervalMs: 100,
  });
}, setupTimeout);
after(async () => {
  await client?.close();
  await network?.stop();
}, teardownTimeout);

describe('fixed gas limits of TaskManager calls (anvil, chain id 31337: the SDK and the node send them)', {
  timeout: 600_000,
}, () => {
  it('every call uses at most 80 % of its own gas plus the draws it settled, and went out with its fixed limit', async () => {
    const from = (await network.devnet.client.getBlockNumber()) + 1n;
    let grouped = false;
    let single = false;
    // Sampling is the app's secret VRF over a block hash: 1 in 2 here; 20 rounds miss either kind with p ≈ 2^-19.
    for (let round = 0; round < 20 && !(grouped && single); round++) {
      const completion = await client.chat.completions.create({
        model: testModels.llm,
        messages: [{ role: 'user', content: 'Count to three.' }],
        max_tokens: 4,
        seed: 500 + round,
      });
      if (completion.verinet.validation === 'group') grouped = true;
      else single = true;
    }
    assert.ok(grouped && single, 'both an unsampled task and a group ran');
    const to = await network.devnet.client.getBlockNumber();
    const taskManager = network.chain.contracts.taskManager.toLowerCase();
    /** Per call: transactions seen, the highest share of its 80 % bound used. */
    const seen = new Map<string, { count: number; share: number }>();
    for (let number = from; number <= to; number++) {
      const block = await network.devnet.client.getBlock({ blockNumber: number, includeTransactions: true });
      for (const tx of block.transactions) {
        if (tx.to?.toLowerCase() !== taskManager) continue;
        const name = fixedCalls.get(tx.input.slice(0, 10) as Hex);
        if (!name) continue;
        const receipt = await network.devnet.client.getTransactionReceipt({ hash: tx.hash });
        const draws = parseTaskManagerLogs(receipt.logs).filter(
          (log) =>
            log.eventName === 'TaskStarted' ||
            log.eventName === 'TaskQueued' ||
            (log.eventName === 'TaskEndAborted' && Number(log.args.reason) === drawExpired),
        ).length;
        const bound = getFixedGasFor(name, draws) as bigint;
        assert.equal(receipt.status, 'success', `${name} ${tx.hash} reverted`);
        assert.ok(
          receipt.gasUsed * 100n <= bound * 80n,
          `${name} used ${receipt.gasUsed} gas settling ${draws} draws: over 80 % of ${bound} (taskManagerCallGas too small)`,
        );
        assert.equal(tx.gas, getFixedGasLimit(name), `${name} ${tx.hash} was sent with its fixed limit`);
        const entry = seen.get(name) ?? { count: 0, share: 0 };
        entry.count++;
        entry.share = Math.max(entry.share, Number((receipt.gasUsed * 10_000n) / bound) / 100);
        seen.set(name, entry);
      }
    }
    console.log('highest gas used, in % of own gas + draws settled × 130k:', Object.fromEntries(seen));
    for (const name of ['createTask', 'submitScore', 'validateSingleTask', 'validateTaskGroup'])
      assert.ok(seen.has(name), `no ${name} was sent`);
  });

  it('an app whose balance does not cover a fixed limit at its fee (a 31337 fork) falls back to estimates and completes', async () => {
    const appIndex = 15;
    const fee = parseEther('0.01');
    // Unsampled but once in 1,000 (a group's two more fees would leave room for the fixed limits).
    await network.send(0, 'taskManager', 'setSamplingDenominator', [1_000n]);
    const app = createClient({
      chain: network.chain,
      relay: network.relay.url,
      account: network.privateKey(appIndex),
      fee,
      pollIntervalMs: 100,
      // Its own transport, so its own chain-value cache: the process-wide one can hold the earlier cases'
      // denominator of 2 for its 10 s (rehearsal s15: sampled at 1 in 2, the group's fees then out of reach).
      transport: http(network.chain.rpcUrl),
    });
    try {
      // The fee and 3M gas at the fee cap the SDK signs with (2 × base fee + tip): a validation's fixed limit
      // (4.36M, room for 32 draws) is out of reach, its real use (≈ 100k, estimated with room for 4 draws) is not.
      const block = await network.devnet.client.getBlock();
      const tip = await network.devnet.client.estimateMaxPriorityFeePerGas();
      const feeCap = 2n * (block.baseFeePerGas ?? 0n) + tip;
      const balance = fee + 3_000_000n * feeCap;
      assert.ok(getFixedGasLimit('validateSingleTask')! * feeCap > balance - fee);
      const address = privateKeyToAccount(network.privateKey(appIndex)).address;
      await network.devnet.rpc('anvil_setBalance', [address, `0x${balance.toString(16)}`]);
      const from = (await network.devnet.client.getBlockNumber()) + 1n;
      const completion = await app.chat.completions.create({
        model: testModels.llm,
        messages: [{ role: 'user', content: 'Count to two.' }],
        max_tokens: 4,
        seed: 900,
      });
      assert.ok(completion.choices[0]?.message.content !== undefined);
      // Its validation went out with an estimated limit.
      const to = await network.devnet.client.getBlockNumber();
      let validations = 0;
      for (let number = from; number <= to; number++) {
        const { transactions } = await network.devnet.client.getBlock({
          blockNumber: number,
          includeTransactions: true,
        });
        for (const tx of transactions) {
          const name = fixedCalls.get(tx.input.slice(0, 10) as Hex);
          if (tx.from.toLowerCase() !== address.toLowerCase() || !name?.startsWith('validate')) continue;
          validations++;
          assert.notEqual(tx.gas, getFixedGasLimit(name), `${name} was estimated`);
        }
      }
      assert.ok(validations > 0, 'the app validated');
    } finally {
      await app.close();
      await network.send(0, 'taskManager', 'setSamplingDenominator', [2n]);
    }
  });
});
