import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { sha256 } from '@noble/hashes/sha2.js';
import { taskManagerAbi } from '@verinet/protocol/chain';
import { isSelected, proofToHash, prove } from '@verinet/protocol/vrf';
import { bytesToHex, type Hex, parseEther } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { createClient } from './client/createClient.js';
import { ResultVerificationError } from './errors/index.js';
import { createSqliteStore } from './store/createSqliteStore.js';
import { spawnAppProcess, waitForAppLine } from './testing/spawnAppProcess.js';
import { type SdkNetwork, startSdkNetwork, testModels } from './testing/startSdkNetwork.js';
import type { TaskEvent } from './types.js';

/** Bounds of this file's hooks (node:test hooks do not inherit a describe's timeout): a hung hook fails, not CI. */
const setupTimeout = { timeout: 180_000 };
const teardownTimeout = { timeout: 60_000 };

const fee = parseEther('0.01');
const deadNode = 4;
const liveNode = 5;
let network: SdkNetwork;

const llmArgs = (seed: number) => ({
  model: testModels.llm,
  messages: [{ role: 'user' as const, content: 'Tell me' }],
  generation_config: { max_new_tokens: 4 },
  seed,
});

const clientFor = (appIndex: number, extra: Partial<Parameters<typeof createClient>[0]> = {}) =>
  createClient({
    chain: network.chain,
    relay: network.relay.url,
    account: network.privateKey(appIndex),
    fee,
    pollIntervalMs: 100,
    ...extra,
  });

async function stateOf(taskKey: Hex): Promise<number> {
  const info = await network.devnet.client.readContract({
    address: network.chain.contracts.taskManager,
    abi: taskManagerAbi,
    functionName: 'getTask',
    args: [taskKey],
  });
  return info.state;
}

/** TaskCreated events of `creator`: every createTask the app paid for. */
async function createdBy(creator: Hex): Promise<Hex[]> {
  const logs = await network.devnet.client.getContractEvents({
    address: network.chain.contracts.taskManager,
    abi: taskManagerAbi,
    eventName: 'TaskCreated',
    fromBlock: 0n,
  });
  return logs
    .filter((log) => log.args.creator?.toLowerCase() === creator.toLowerCase())
    .map((l) => l.args.taskKey!);
}

before(async () => {
  network = await startSdkNetwork();
  // No sampling in this file (1 in 1000): each task is one on-chain task, which makes payments countable.
  await network.send(0, 'taskManager', 'setSamplingDenominator', [1000n]);
  // Only the dead node at first: the first task is drawn to it and never reported.
  await network.joinNode(deadNode);
}, setupTimeout);
after(async () => {
  await network?.stop();
}, teardownTimeout);

describe('SDK resilience (real chain, relay and nodes)', { timeout: 480_000 }, () => {
  it('a node that dies: the task times out, is aborted (fee owed back) and resubmitted to a live node', async () => {
    const client = clientFor(11, { onTimeout: 'resubmit', maxResubmits: 1 });
    const dead = privateKeyToAccount(network.privateKey(deadNode)).address;
    const events: TaskEvent[] = [];
    let warped = false;
    const done = client.chat.completions.create(llmArgs(7), {
      onProgress: (event) => {
        events.push(event);
        if (event.type === 'node' && event.node === dead && !warped) {
          warped = true;
          void (async () => {
            // The dead node's operator pauses it (it leaves the draw once released) and a live node joins;
            // then the chain's clock passes the LLM timeout (15 minutes).
            await network.send(deadNode, 'nodeRegistry', 'pause', []);
            await network.joinNode(liveNode);
            await network.startNode(liveNode);
            await network.warp(16 * 60);
          })();
        }
      },
    });
    const completion = await done;
    assert.ok(warped, 'the first attempt went to the dead node');
    const [first, second] = completion.verinet.taskKeys;
    assert.equal(completion.verinet.taskKeys.length, 2);
    assert.equal(await stateOf(first!), 9, 'the first attempt EndAborted (ExecutionTimeout)');
    assert.equal(await stateOf(second!), 5, 'the resubmitted task EndSuccess');
    assert.equal(completion.verinet.taskKey, second);
    assert.notEqual(completion.verinet.node, dead);
    assert.equal(completion.verinet.refunded, fee);
    assert.equal(completion.verinet.feesPaid, fee);
    const types = events.map((e) => e.type);
    assert.ok(
      types.indexOf('aborted') > 0 && types.indexOf('resubmitted') > types.indexOf('aborted'),
      types.join(),
    );
    assert.equal(await client.getOwed(), fee, 'the aborted fee is owed back');
    await client.close();
  });

  it('an app killed (SIGKILL) after createTask resumes from its SQLite store and pays once', async () => {
    const appIndex = 12;
    const app = privateKeyToAccount(network.privateKey(appIndex)).address;
    const storePath = join(network.root, 'app12', 'tasks.db');
    const balanceBefore = await network.devnet.client.getBalance({ address: app });
    const startBlock = await network.devnet.client.getBlockNumber();
    const child = spawnAppProcess({
      chain: network.chain,
      relay: network.relay.url,
      privateKey: network.privateKey(appIndex),
      storePath,
      fee: fee.toString(),
      args: llmArgs(21),
      id: 'restart-1',
    });
    const created = await waitForAppLine(child, (line) => line.type === 'created');
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));
    // A new process: same store, same key.
    const client = clientFor(appIndex, { store: createSqliteStore({ path: storePath }) });
    const resumed = await client.resumeTasks();
    assert.equal(resumed.length, 1);
    const outcome = resumed[0]!;
    assert.ok('result' in outcome, `resumed: ${'error' in outcome ? String(outcome.error) : ''}`);
    assert.equal(outcome.result.base.taskKey, created.taskKey);
    assert.deepEqual(await createdBy(app), [created.taskKey], 'one createTask, one fee');
    assert.equal(await stateOf(created.taskKey as Hex), 5);
    // Balance: exactly one fee plus the gas of the app's transactions.
    let gas = 0n;
    const endBlock = await network.devnet.client.getBlockNumber();
    for (let n = startBlock + 1n; n <= endBlock; n++) {
      const block = await network.devnet.client.getBlock({ blockNumber: n, includeTransactions: true });
      for (const tx of block.transactions) {
        if (tx.from.toLowerCase() !== app.toLowerCase()) continue;
        const receipt = await network.devnet.client.getTransactionReceipt({ hash: tx.hash });
        gas += receipt.gasUsed * receipt.effectiveGasPrice;
      }
    }
    assert.equal(await network.devnet.client.getBalance({ address: app }), balanceBefore - fee - gas);
    const record = await client.getTask('restart-1');
    assert.equal(record?.phase, 'done');
    // The resumed process decided sampling as the protocol says: the app's VRF over the hash of the task's seed
    // block, against the chain's current samplingDenominator (1 in 1000 here), both read from the chain now.
    const info = await network.devnet.client.readContract({
      address: network.chain.contracts.taskManager,
      abi: taskManagerAbi,
      functionName: 'getTask',
      args: [created.taskKey as Hex],
    });
    const seed = (await network.devnet.client.getBlock({ blockNumber: BigInt(info.seedBlock) })).hash;
    const denominator = await network.devnet.client.readContract({
      address: network.chain.contracts.taskManager,
      abi: taskManagerAbi,
      functionName: 'samplingDenominator',
    });
    assert.equal(denominator, 1000n);
    assert.equal(record?.members[0]?.seed, seed);
    assert.equal(
      record?.sampled,
      isSelected(proofToHash(prove(network.privateKey(appIndex), seed)), denominator),
    );
    await client.close();
  });

  it('a crash between sending createTask and saving its receipt: the chain decides, nothing is sent twice', async () => {
    const appIndex = 13;
    const app = privateKeyToAccount(network.privateKey(appIndex)).address;
    const store = createSqliteStore({ path: join(network.root, 'app13', 'tasks.db') });
    const client = clientFor(appIndex, { store });
    const record = await client.prepareTask({ type: 'llm', args: llmArgs(31) });
    await client.uploadArgs(record.id);
    await client.createTask(record.id);
    // Rewind the record to what a process killed right after sending would have saved.
    const saved = (await store.getTask(record.id))!;
    const member = saved.members[0]!;
    Object.assign(member, {
      sending: true,
      state: undefined,
      node: undefined,
      seed: undefined,
      createTx: undefined,
    });
    saved.phase = 'creating';
    await store.putTask(saved);
    const result = await client.runTask(undefined, { id: record.id });
    assert.equal(result.base.taskKey, member.taskKey);
    assert.deepEqual(await createdBy(app), [member.taskKey]);
    await client.close();
  });

  it('a tampered download (a relay serving altered bytes with matching hashes) is refused; the honest one passes', async () => {
    const store = createSqliteStore({ path: ':memory:' });
    const proxy = await startTamperingRelay(network.relay.url);
    try {
      const tricked = clientFor(14, { store, relay: proxy.url, retry: { attempts: 2, baseDelayMs: 50 } });
      await assert.rejects(
        tricked.chat.completions.create(llmArgs(41), { id: 'tampered' }),
        (error: unknown) => {
          assert.ok(error instanceof ResultVerificationError, String(error));
          assert.match(error.message, /does not match the chain/);
          return true;
        },
      );
      assert.ok(proxy.tampered > 0, 'the proxy altered the result');
      const record = await store.getTask('tampered');
      assert.equal(record?.phase, 'downloading', 'paid and validated, waiting for a good download');
      const honest = clientFor(14, { store });
      const result = await honest.downloadResult('tampered');
      assert.equal(bytesToHex(sha256(result.files[0]!.bytes)), result.base.score);
      assert.equal((await store.getTask('tampered'))?.phase, 'done');
    } finally {
      await proxy.close();
      await store.close();
    }
  });
});

/**
 * A malicious relay in front of the real one: it serves another result.json and lists that file's sha256 in the
 * manifest, so only the comparison with the on-chain score can catch it.
 */
async function startTamperingRelay(
  target: string,
): Promise<{ url: string; tampered: number; close: () => Promise<void> }> {
  const state = { url: '', tampered: 0, close: async () => {} };
  const forged = new TextEncoder().encode(
    JSON.stringify({
      model: testModels.llm,
      choices: [{ index: 0, message: { role: 'assistant', content: 'forged' }, finish_reason: 'stop' }],
      usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
    }),
  );
  const forgedHash = bytesToHex(sha256(forged));
  const server: Server = createServer(async (request, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const headers = Object.fromEntries(
      Object.entries(request.headers).filter(([k]) => k.startsWith('x-verinet-') || k === 'content-type'),
    ) as Record<string, string>;
    const upstream = await fetch(`${target}${request.url}`, {
      method: request.method,
      headers,
      body: chunks.length ? Buffer.concat(chunks) : undefined,
    });
    let body: Uint8Array = new Uint8Array(await upstream.arrayBuffer());
    const path = request.url ?? '';
    if (upstream.ok && /\/result$/.test(path)) {
      const manifest = JSON.parse(new TextDecoder().decode(body)) as {
        files: { name: string; size: number; sha256: string }[];
      };
      manifest.files = manifest.files.map((f) => ({ ...f, size: forged.length, sha256: forgedHash }));
      body = new TextEncoder().encode(JSON.stringify(manifest));
    } else if (upstream.ok && /\/result\/files\/result\.json$/.test(path)) {
      body = forged;
      state.tampered++;
    }
    response.writeHead(upstream.status, {
      'content-type': upstream.headers.get('content-type') ?? 'application/json',
    });
    response.end(Buffer.from(body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  state.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return state;
}
