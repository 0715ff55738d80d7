import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sha256 } from '@noble/hashes/sha2.js';
import { taskManagerAbi } from '@verinet/protocol/chain';
import { getPixelsPHash } from '@verinet/protocol/score/browser';
import { isSelected, proofToHash, prove } from '@verinet/protocol/vrf';
import { bytesToHex, custom, type Hex, http, parseEther, type Transport } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { settleDraws } from './actions/settleDraws.js';
import { createChainAccess } from './chain/createChainAccess.js';
import { createTaskEventWaker } from './chain/createTaskEventWaker.js';
import type { SdkContext } from './client/context.js';
import { createClient, type VerinetClient } from './client/createClient.js';
import { InsufficientFundsError } from './errors/index.js';
import { toLlmTaskArgs } from './high/createChatCompletion.js';
import { nodeHttp } from './nodeHttp.js';
import { type SdkNetwork, startSdkNetwork, testModels } from './testing/startSdkNetwork.js';
import type { TaskEvent } from './types.js';
import { sleep } from './utils/sleep.js';
import { decodePng } from './verify/decodePng.js';

/** Bounds of this file's hooks (node:test hooks do not inherit a describe's timeout): a hung hook fails, not CI. */
const setupTimeout = { timeout: 180_000 };
const teardownTimeout = { timeout: 60_000 };

const appIndex = 10;
const fee = parseEther('0.01');
let network: SdkNetwork;
let client: VerinetClient;

const chatParams = (seed: number) => ({
  model: testModels.llm,
  messages: [{ role: 'user' as const, content: 'Hello there' }],
  max_tokens: 4,
  seed,
});

async function chainState(taskKey: Hex): Promise<number> {
  const info = await network.devnet.client.readContract({
    address: network.chain.contracts.taskManager,
    abi: taskManagerAbi,
    functionName: 'getTask',
    args: [taskKey],
  });
  return info.state;
}

async function onChainScore(taskKey: Hex): Promise<Hex> {
  const logs = await network.devnet.client.getContractEvents({
    address: network.chain.contracts.taskManager,
    abi: taskManagerAbi,
    eventName: 'TaskScoreReady',
    args: { taskKey },
    fromBlock: 0n,
  });
  assert.equal(logs.length, 1, 'one score on chain');
  return logs[0]!.args.score!;
}

const owed = (account: Hex) =>
  network.devnet.client.readContract({
    address: network.chain.contracts.taskManager,
    abi: taskManagerAbi,
    functionName: 'owed',
    args: [account],
  });

before(async () => {
  network = await startSdkNetwork();
  for (const index of [1, 2, 3]) {
    await network.joinNode(index);
    await network.startNode(index);
  }
  // Unsampled tasks first (1 in 1000 is sampled), so that the single path is what these tests see.
  await network.send(0, 'taskManager', 'setSamplingDenominator', [1000n]);
  // The shared client sends over keep-alive pools (nodeHttp, as Node.js apps do); the tests' own clients over fetch.
  client = createClient({
    chain: network.chain,
    relay: network.relay.url,
    account: network.privateKey(appIndex),
    fee,
    pollIntervalMs: 100,
    http: nodeHttp,
  });
}, setupTimeout);
after(async () => {
  await client?.close();
  await network?.stop();
}, teardownTimeout);

describe('SDK end to end (anvil, contracts, real relay, 3 node daemons with the real worker)', {
  timeout: 420_000,
}, () => {
  it('chat.completions.create: an LLM task whose text is checked against the on-chain score', async () => {
    const events: TaskEvent[] = [];
    const completion = await client.chat.completions.create(chatParams(1), {
      onProgress: (e) => events.push(e),
    });
    assert.equal(completion.object, 'chat.completion');
    assert.equal(completion.model, testModels.llm);
    assert.equal(typeof completion.choices[0]?.message.content, 'string');
    assert.equal(completion.verinet.validation, 'single');
    // The bytes returned hash to the score the node committed on chain.
    assert.equal(bytesToHex(sha256(completion.raw)), await onChainScore(completion.verinet.taskKey));
    assert.equal(completion.verinet.score, await onChainScore(completion.verinet.taskKey));
    assert.equal(await chainState(completion.verinet.taskKey), 5, 'EndSuccess');
    assert.equal(completion.verinet.feesPaid, fee);
    const types = events.map((e) => e.type);
    for (const step of [
      'prepared',
      'uploaded',
      'created',
      'node',
      'sampled',
      'scored',
      'validated',
      'paid',
      'downloaded',
      'done',
    ])
      assert.ok(types.includes(step as TaskEvent['type']), `event ${step} in ${types.join(',')}`);
    assert.ok(types.indexOf('created') < types.indexOf('scored'));
    assert.ok(types.indexOf('validated') < types.indexOf('downloaded'));
    assert.equal((await client.getTask(completion.verinet.id))?.phase, 'done');
  });

  it('images.generate: an SD task whose images hash (pHash) to the on-chain score; the node is paid', async () => {
    const owedBefore = new Map<Hex, bigint>();
    for (const node of network.nodes.keys()) {
      const { address } = privateKeyToAccount(network.privateKey(node));
      owedBefore.set(address, await owed(address));
    }
    const result = await client.images.generate({
      base_model: testModels.sd,
      prompt: 'a red cat',
      task_config: { image_width: 64, image_height: 64, steps: 2, seed: 3, num_images: 2 },
    });
    assert.equal(result.images.length, 2);
    const score = await onChainScore(result.taskKey);
    assert.equal(result.score, score);
    for (const image of result.images) {
      const pixels = await decodePng(image.png, image.index);
      assert.equal(pixels.width, 64);
      assert.equal(bytesToHex(getPixelsPHash(pixels)), image.pHash);
      assert.equal(image.pHash.slice(2), score.slice(2 + image.index * 16, 2 + image.index * 16 + 16));
    }
    assert.equal(await chainState(result.taskKey), 5, 'EndSuccess');
    const node = result.node;
    assert.equal(await owed(node), (owedBefore.get(node) ?? 0n) + fee, 'the node was paid the fee');
  });

  it('refuses to start a task the account cannot pay for, with InsufficientFundsError', async () => {
    const poor = createClient({
      chain: network.chain,
      relay: network.relay.url,
      account: generatePrivateKey(),
      fee,
      pollIntervalMs: 100,
    });
    await assert.rejects(poor.chat.completions.create(chatParams(2)), InsufficientFundsError);
    await poor.close();
  });

  it('a sampled task forms a hidden validation group of three, judged on chain, two fees refunded', async () => {
    await network.send(0, 'taskManager', 'setSamplingDenominator', [2n]);
    // A viem account without its private key (as a browser wallet): the SDK generates a VRF key and binds it on
    // chain (bindVrfKey, F8); the group opening then proves sampling with that key.
    const client = createClient({
      chain: network.chain,
      relay: network.relay.url,
      account: privateKeyToAccount(network.privateKey(appIndex + 1)),
      fee,
      pollIntervalMs: 100,
    });
    const owedBefore = await owed(client.address);
    let grouped: Awaited<ReturnType<typeof client.chat.completions.create>> | undefined;
    let refundsExpected = 0n;
    // Sampling is the app's secret VRF over a block hash: 1 in 2 here; 20 tries fail with p = 2^-20.
    for (let round = 0; round < 20 && !grouped; round++) {
      const completion = await client.chat.completions.create(chatParams(100 + round));
      refundsExpected += completion.verinet.refunded;
      if (completion.verinet.validation === 'group') grouped = completion;
    }
    assert.ok(grouped, 'a task was sampled');
    // Members that ran on a node already in the group were replaced (paid alone): they come after the group.
    const replaced = grouped.verinet.taskKeys.length - 3;
    const keys = grouped.verinet.taskKeys.slice(0, 3);
    assert.equal(grouped.verinet.taskKey, keys[0], 'the original is the paid one');
    assert.equal(await chainState(keys[0]!), 6, 'original EndGroupSuccess');
    assert.equal(await chainState(keys[1]!), 7, 'member EndGroupRefund');
    assert.equal(await chainState(keys[2]!), 7, 'member EndGroupRefund');
    const judged = await network.devnet.client.getContractEvents({
      address: network.chain.contracts.taskManager,
      abi: taskManagerAbi,
      eventName: 'TaskGroupValidated',
      args: { originalKey: keys[0] },
      fromBlock: 0n,
    });
    assert.equal(judged.length, 1);
    assert.deepEqual([judged[0]!.args.member1, judged[0]!.args.member2], [keys[1], keys[2]]);
    assert.equal(grouped.verinet.feesPaid, fee * BigInt(1 + replaced));
    assert.equal(grouped.verinet.refunded, 2n * fee);
    assert.equal(bytesToHex(sha256(grouped.raw)), await onChainScore(keys[0]!));
    // Refunds are a pull payment: owed, then withdrawn.
    assert.equal(await client.getOwed(), owedBefore + refundsExpected);
    const { amount } = await client.withdraw();
    assert.equal(amount, owedBefore + refundsExpected);
    assert.equal(await client.getOwed(), 0n);
    const bound = await network.devnet.client.getContractEvents({
      address: network.chain.contracts.taskManager,
      abi: taskManagerAbi,
      eventName: 'VrfKeyBound',
      args: { app: client.address },
      fromBlock: 0n,
    });
    assert.equal(bound.length, 1, 'one VRF key bound for the app, before its first task');
    await client.close();
  });
  it("a queued original (no idle node) is sampled on its redraw block's seed and its group validates", async () => {
    // Sampling stays 1 in 2 (set by the test above). Every node is paused, so the draw queues the task; the
    // nodes resume and their queue dispatchers put it back into the draws (review M2: Queued → Pending → Started):
    // its seed is the dispatch block's hash, not the creation block's, and a later block draws its node.
    await network.send(0, 'taskManager', 'setSamplingDenominator', [2n]);
    const appKey = network.privateKey(appIndex + 2);
    const app = createClient({
      chain: network.chain,
      relay: network.relay.url,
      account: appKey,
      fee,
      pollIntervalMs: 100,
      // Three nodes: a member drawn onto a node already in the group is replaced (F6 frees a node at its report),
      // and past the default 4 replacements the SDK validates the members alone, which this case would read as a
      // wrong mode (seen once in 10 runs of the file). 20 replacements miss with p ≈ (1/3)^21.
      maxGroupReplacements: 20,
    });
    const nodeIndexes = [...network.nodes.keys()];
    const logsOf = (eventName: 'TaskCreated' | 'TaskRedraw' | 'TaskStarted', taskKey: Hex) =>
      network.devnet.client.getContractEvents({
        address: network.chain.contracts.taskManager,
        abi: taskManagerAbi,
        eventName,
        args: { taskKey },
        fromBlock: 0n,
      });
    let grouped = false;
    let differed = 0;
    // 1 in 2 per round: 20 rounds miss a sampled one with p = 2^-20 (10 rounds missed once in CI: p = 2^-10 is
    // not rare enough across every CI run).
    for (let round = 0; round < 20 && !grouped; round++) {
      for (const index of nodeIndexes) await network.send(index, 'nodeRegistry', 'pause', []);
      const id = `queued-${round}`;
      let queuedKey: Hex | undefined;
      const run = app.chat.completions.create(chatParams(300 + round), {
        id,
        onProgress: (e) => {
          if (e.type === 'queued') queuedKey = e.taskKey;
        },
      });
      run.catch(() => {});
      const deadline = Date.now() + 60_000;
      while (!queuedKey && Date.now() < deadline) await sleep(100);
      assert.ok(queuedKey, 'the original was queued (every node paused)');
      assert.equal(await chainState(queuedKey), 1, 'Queued on chain');
      for (const index of nodeIndexes) await network.send(index, 'nodeRegistry', 'resume', []);
      // The idle nodes' queue dispatchers (F4) put it back into the draws (review M2) within a second or so; an
      // extra dispatch from here could race their redraw (its gas estimate would miss the draw it then settles).
      const dispatchDeadline = Date.now() + 30_000;
      while ((await chainState(queuedKey)) === 1 && Date.now() < dispatchDeadline) await sleep(100);
      assert.notEqual(await chainState(queuedKey), 1, 'redrawn by an idle node');
      const completion = await run;
      const [created] = await logsOf('TaskCreated', queuedKey);
      const [redrawn] = await logsOf('TaskRedraw', queuedKey);
      const [started] = await logsOf('TaskStarted', queuedKey);
      assert.ok(created && redrawn && started);
      assert.ok(redrawn.blockNumber > created.blockNumber + 1n, 'dispatched in a later block than the draw');
      assert.ok(
        started.blockNumber > redrawn.blockNumber,
        'its node drawn in a later block than the dispatch',
      );
      const dispatchSeed = (await network.devnet.client.getBlock({ blockNumber: redrawn.blockNumber })).hash;
      const creationSeed = (await network.devnet.client.getBlock({ blockNumber: created.blockNumber })).hash;
      const record = await app.getTask(id);
      const original = record?.members[0];
      assert.equal(original?.taskKey, queuedKey);
      assert.equal(original?.seed, dispatchSeed, "the SDK keeps the dispatch block's hash as the seed");
      assert.equal(original?.seedBlock, redrawn.blockNumber.toString());
      const expected = isSelected(proofToHash(prove(appKey, dispatchSeed)), 2n);
      if (expected !== isSelected(proofToHash(prove(appKey, creationSeed)), 2n)) differed++;
      assert.equal(record?.sampled, expected, 'sampled on the dispatch seed');
      assert.equal(completion.verinet.validation, expected ? 'group' : 'single');
      assert.equal(await chainState(queuedKey), expected ? 6 : 5, 'EndGroupSuccess / EndSuccess');
      if (expected) {
        const [k0, k1, k2] = completion.verinet.taskKeys;
        assert.equal(k0, queuedKey);
        assert.equal(await chainState(k1!), 7, 'member EndGroupRefund');
        assert.equal(await chainState(k2!), 7, 'member EndGroupRefund');
        grouped = true;
      }
    }
    assert.ok(grouped, 'a queued original was sampled and its group validated on chain');
    // How often the two seeds would have decided differently (the bug's reach): informative only.
    console.log(`queued-original rounds where the creation seed would have decided otherwise: ${differed}`);
    await app.close();
  });

  it('a sampled task whose members ran on its own node gets replacement members on other nodes; the group is judged over three nodes', async () => {
    // One node left to draw: both members wait for it and run on it (F6 frees it at its report). The contract
    // would refuse that group (DuplicateGroupNode), so the SDK drops them (paid alone) and adds fresh members;
    // once the members reported, the other two nodes come back and the kept one pauses.
    await network.send(0, 'taskManager', 'setSamplingDenominator', [2n]);
    const app = createClient({
      chain: network.chain,
      relay: network.relay.url,
      account: network.privateKey(appIndex + 2),
      fee,
      pollIntervalMs: 100,
      maxGroupReplacements: 6,
    });
    const [kept, ...others] = [...network.nodes.keys()];
    const keptNode = privateKeyToAccount(network.privateKey(kept!)).address;
    const paused = new Set<number>();
    const pause = async (index: number) => {
      await network.send(index, 'nodeRegistry', 'pause', []);
      paused.add(index);
    };
    const resume = async (index: number) => {
      await network.send(index, 'nodeRegistry', 'resume', []);
      paused.delete(index);
    };
    for (const index of others) await pause(index);
    try {
      let grouped = false;
      // 1 in 2 per round: 20 rounds miss a sampled one with p = 2^-20 (10 rounds missed once in CI, session 13).
      for (let round = 0; round < 20 && !grouped; round++) {
        const id = `one-node-${round}`;
        let members: Hex[] = [];
        let scoredMembers = 0;
        let switched: Promise<void> | undefined;
        const events: TaskEvent[] = [];
        const completion = await app.chat.completions.create(chatParams(400 + round), {
          id,
          onProgress: (e) => {
            events.push(e);
            if (e.type === 'group') members = e.taskKeys.slice(1);
            if (e.type === 'scored' && members.includes(e.taskKey) && ++scoredMembers === 2 && !switched)
              switched = (async () => {
                for (const index of others) await resume(index);
                await pause(kept!);
              })();
          },
        });
        await switched;
        const record = await app.getTask(id);
        if (!record?.sampled) {
          assert.equal(completion.verinet.node, keptNode);
          continue;
        }
        grouped = true;
        const replaced = record.replaced ?? [];
        assert.ok(
          replaced.filter((member) => member.node === keptNode).length >= 2,
          `both first members ran on the kept node and were replaced (${replaced.map((m) => m.node).join(', ')})`,
        );
        assert.equal(events.filter((e) => e.type === 'replaced').length, replaced.length);
        // A replacement may itself be replaced: on a loaded machine both replacements can run one after the other
        // on the same resumed node (each is drawn once that node is free again).
        const everyMember = [...record.members, ...replaced];
        for (const member of replaced) {
          assert.ok(
            member.node === keptNode ||
              everyMember.some((other) => other.taskKey !== member.taskKey && other.node === member.node),
            `a dropped member ran on a node already in the group (${member.node})`,
          );
          assert.equal(
            await chainState(member.taskKey),
            5,
            'dropped member EndSuccess: validated alone, paid',
          );
        }
        assert.equal(completion.verinet.validation, 'group', 'the group was judged on chain');
        const [k0, k1, k2] = record.members.map((m) => m.taskKey);
        assert.equal(new Set(record.members.map((m) => m.node)).size, 3, 'three different nodes');
        assert.equal(record.members[0]?.node, keptNode);
        assert.equal(await chainState(k0!), 6, 'original EndGroupSuccess');
        assert.equal(await chainState(k1!), 7, 'member EndGroupRefund');
        assert.equal(await chainState(k2!), 7, 'member EndGroupRefund');
        const judged = await network.devnet.client.getContractEvents({
          address: network.chain.contracts.taskManager,
          abi: taskManagerAbi,
          eventName: 'TaskGroupValidated',
          args: { originalKey: k0 },
          fromBlock: 0n,
        });
        assert.deepEqual([judged[0]?.args.member1, judged[0]?.args.member2], [k1, k2]);
        assert.equal(completion.verinet.taskKey, k0);
        assert.equal(completion.verinet.feesPaid, fee * BigInt(1 + replaced.length));
        assert.equal(completion.verinet.refunded, 2n * fee);
        assert.deepEqual(completion.verinet.taskKeys, [k0, k1, k2, ...replaced.map((m) => m.taskKey)]);
      }
      assert.ok(grouped, 'a task was sampled');
    } finally {
      for (const index of network.nodes.keys()) if (paused.has(index)) await resume(index);
      await app.close();
    }
  });

  it('the default fee is the going price; a task nobody drew within 256 blocks ends DrawExpired: the SDK records its fee as forfeited, not refunded', async () => {
    const app = createClient({
      chain: network.chain,
      relay: network.relay.url,
      account: network.privateKey(appIndex + 3),
      pollIntervalMs: 100,
    });
    const nodeIndexes = [...network.nodes.keys()];
    // Paused nodes settle draws only after a 60 s backstop: nobody draws the task before the blocks below.
    for (const index of nodeIndexes) await network.send(index, 'nodeRegistry', 'pause', []);
    const events: TaskEvent[] = [];
    app.on((e) => events.push(e));
    let id = '';
    const owedBefore = await app.getOwed();
    try {
      const prepared = await app.prepareTask({ type: 'llm', args: toLlmTaskArgs(chatParams(500)) });
      id = prepared.id;
      await app.uploadArgs(id);
      const created = await app.createTask(id);
      assert.equal(created.members[0]?.state, 'Pending');
      // No fee given: the chain's going price (the earlier tasks paid `fee`), at least its minFee, at most
      // 10 × minFee (the default maxDefaultFee).
      const [going, min] = await Promise.all(
        (['goingPrice', 'minFee'] as const).map((functionName) =>
          network.devnet.client.readContract({
            address: network.chain.contracts.taskManager,
            abi: taskManagerAbi,
            functionName,
          }),
        ),
      );
      const floored = going! >= min! ? going! : min!;
      assert.equal(created.members[0]?.fee, (floored > min! * 10n ? min! * 10n : floored).toString());
      await network.devnet.rpc('anvil_mine', ['0x120']);
    } finally {
      // The first resume settles the draw: the creation block's hash is no longer readable.
      for (const index of nodeIndexes) await network.send(index, 'nodeRegistry', 'resume', []);
    }
    const record = await app.validateTask(id);
    const member = record.members[0]!;
    assert.equal(await chainState(member.taskKey), 9, 'EndAborted (DrawExpired)');
    assert.equal(member.outcome, 'forfeited');
    assert.ok(events.some((e) => e.type === 'forfeited' && e.taskKey === member.taskKey));
    assert.ok(!events.some((e) => e.type === 'refunded'), 'no refund announced');
    assert.equal(await app.getOwed(), owedBefore, 'nothing owed back');
    await app.close();
  });

  it('a send that never reached the RPC leaves no nonce gap: a concurrent write signed after it is mined', async () => {
    const upstream = http(network.devnet.anvil.rpcUrl, { retryCount: 0 })({});
    let dropped = 0;
    const transport: Transport = custom({
      async request({ method, params }) {
        if (method.startsWith('eth_sendRawTransaction') && dropped === 0) {
          dropped++;
          // A proxy resets the connection a little after signing: the RPC never sees the transaction.
          await sleep(300);
          throw new Error('fetch failed: socket hang up');
        }
        return upstream.request({ method, params } as never);
      },
    });
    const access = createChainAccess({
      chain: network.chain,
      account: network.privateKey(appIndex + 4),
      transport,
      pollIntervalMs: 100,
    });
    const a = access.write({ functionName: 'settleDraws', args: [] });
    const b = access.write({ functionName: 'settleDraws', args: [] });
    await assert.rejects(a);
    const outcome = await Promise.race([
      b.then((receipt) => receipt.status),
      sleep(10_000).then(() => 'still waiting behind the nonce gap after 10 s'),
    ]);
    assert.equal(outcome, 'success');
    const pool = (await network.devnet.rpc('txpool_status')) as { queued: string };
    assert.equal(BigInt(pool.queued), 0n, 'nothing left queued in the pool');
  });

  it('settleDraws is simulated first: with no draw to settle the app sends nothing (review s7 finding 3)', async () => {
    const access = createChainAccess({
      chain: network.chain,
      account: network.privateKey(appIndex + 4),
      pollIntervalMs: 100,
    });
    const context = {
      access,
      retry: { attempts: 1, baseDelayMs: 10 },
      emit: () => {},
    } as unknown as SdkContext;
    await access.write({ functionName: 'settleDraws', args: [] }); // whatever waited is drawn now
    const nonce = await access.publicClient.getTransactionCount({ address: access.address });
    assert.equal(await settleDraws(context), false, 'nothing pending: not sent');
    assert.equal(await access.publicClient.getTransactionCount({ address: access.address }), nonce);
  });

  it("with a WebSocket endpoint, a wait wakes on its own task's events (not on another's) and the task completes", async () => {
    const wsUrl = network.chain.rpcUrl.replace(/^http/, 'ws');
    const waker = createTaskEventWaker({ wsUrl, taskManager: network.chain.contracts.taskManager });
    const app = createClient({
      chain: { ...network.chain, wsUrl },
      relay: network.relay.url,
      account: network.privateKey(appIndex),
      fee,
      pollIntervalMs: 100,
    });
    try {
      const prepared = await app.prepareTask({ type: 'llm', args: toLlmTaskArgs(chatParams(600)) });
      const taskKey = prepared.members[0]!.taskKey;
      const mine = waker.watch([taskKey]);
      const other = waker.watch([generatePrivateKey()]);
      // A first sleep ends once its subscription is live (what came before it was not watched: read again).
      await mine.sleep(10_000);
      await other.sleep(10_000);
      const begin = Date.now();
      const woken = mine.sleep(60_000).then(() => Date.now() - begin);
      const slept = other.sleep(2_000).then(() => Date.now() - begin);
      await app.uploadArgs(prepared.id);
      await app.createTask(prepared.id);
      assert.ok((await woken) < 30_000, 'woken by its TaskCreated, not by the 60 s fallback');
      assert.ok((await slept) >= 1_900, "another task's events wake nothing");
      mine.stop();
      other.stop();
      const result = await app.runTask(undefined, { id: prepared.id });
      assert.equal(result.base.taskKey, taskKey);
      assert.ok([5, 6].includes(await chainState(taskKey)), 'EndSuccess or EndGroupSuccess (if sampled)');
    } finally {
      await waker.close();
      await app.close();
    }
  });
});
