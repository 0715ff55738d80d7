import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type Deployment, writeDeployment } from '@verinet/protocol/chain';
import { taskManagerAbi } from '@verinet/protocol/chain/abis';
import type { TaskRecord } from '@verinet/sdk';
import { createPublicClient, createWalletClient, type Hex, http, keccak256, toHex } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { createSqliteStore } from '../../../sdk/src/store/createSqliteStore.js';
import { getBareTaskParameters } from '../../../sdk/src/testing/getBareTaskParameters.js';
import { type Anvil, startAnvil } from '../anvil/startAnvil.js';
import { captureCli } from '../cli/captureCli.js';
import { buildContracts } from '../deploy/artifacts.js';
import { deployContracts } from '../deploy/deployContracts.js';
import { getDevnetPrivateKey } from '../deploy/devnetAccounts.js';
import { encryptKeystore } from '../keystore/keystore.js';

// Review s13 (ux): `task drop` must never remove a task the chain still holds with its fee in it. Two ways the
// "lost" read of readChainTaskStates says so wrongly: an end undone while the creation stands (the task is live
// again, its fee escrowed), and an RPC replica behind the task's creation block (a load-balanced RPC).

const setupTimeout = { timeout: 120_000 };
const teardownTimeout = { timeout: 60_000 };

describe('review s13: `task drop` of a task the chain still holds', () => {
  let dir = '';
  let anvil: Anvil;
  let deployment: Deployment;
  let deploymentPath = '';
  let keystore = '';
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'verinet-review-lost-'));
    buildContracts();
    anvil = await startAnvil({ accounts: 2 });
    deployment = await deployContracts({ rpcUrl: anvil.rpcUrl, privateKey: getDevnetPrivateKey(0) });
    deploymentPath = join(dir, 'deployment.json');
    writeDeployment(deploymentPath, deployment);
    keystore = join(dir, 'app-key.json');
    writeFileSync(keystore, JSON.stringify(encryptKeystore(getDevnetPrivateKey(1), 'pw', { scryptN: 1024 })));
  }, setupTimeout);
  after(async () => {
    await anvil?.stop();
    rmSync(dir, { recursive: true, force: true });
  }, teardownTimeout);

  const clients = (rpcUrl: string) => {
    const chain = {
      id: deployment.chainId,
      name: 'anvil',
      nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
      rpcUrls: { default: { http: [rpcUrl] } },
    } as const;
    return {
      publicClient: createPublicClient({ chain, transport: http(rpcUrl) }),
      wallet: createWalletClient({
        chain,
        transport: http(rpcUrl),
        account: privateKeyToAccount(getDevnetPrivateKey(1)),
      }),
    };
  };
  const taskManager = () => ({ address: deployment.contracts.taskManager, abi: taskManagerAbi }) as const;

  /** A queued task (no node registered) created by the app account; its receipt. */
  const createQueuedTask = async (rpcUrl: string, label: string) => {
    const { publicClient, wallet } = clients(rpcUrl);
    const taskKey = keccak256(toHex(label));
    const hash = await wallet.writeContract({
      ...taskManager(),
      functionName: 'createTask',
      args: [getBareTaskParameters(taskKey)],
      value: await publicClient.readContract({ ...taskManager(), functionName: 'minFee' }),
    });
    const receipt = await publicClient.waitForTransactionReceipt({ hash });
    return { taskKey, receipt };
  };

  const putRecord = async (storePath: string, record: unknown) => {
    const store = createSqliteStore({ path: storePath });
    await store.putTask(record as TaskRecord);
    await store.close();
  };

  const cli = (rpcUrl: string, storePath: string, ...args: string[]) =>
    captureCli(
      [
        'task',
        ...args,
        '--rpc-url',
        rpcUrl,
        '--relay-url',
        'http://127.0.0.1:9',
        '--deployment',
        deploymentPath,
        '--keystore',
        keystore,
        '--store',
        storePath,
      ],
      { VERINET_KEYSTORE_PASSWORD: 'pw' },
    );

  it('an end the chain went back under while the creation stands: the task is live (Pending, fee held), not lost', {
    timeout: 120_000,
  }, async () => {
    const { publicClient, wallet } = clients(anvil.rpcUrl);
    const { taskKey, receipt } = await createQueuedTask(anvil.rpcUrl, 'reopened task');
    // The rewind point: after the createTask, before the creator's cancel (a reorg of the last block, or a
    // devnet reloaded from a save taken between the two).
    const saved = (await publicClient.request({ method: 'evm_snapshot' as never })) as Hex;
    await publicClient.waitForTransactionReceipt({
      hash: await wallet.writeContract({ ...taskManager(), functionName: 'abortTask', args: [taskKey] }),
    });
    const storePath = join(dir, 'reopened.db');
    const id = 'ab77000000000000000000000000000f';
    await putRecord(storePath, {
      v: 1,
      id,
      taskType: 'llm',
      phase: 'done',
      members: [
        {
          role: 'original',
          taskKey,
          fee: '1',
          createTx: receipt.transactionHash,
          createdBlock: receipt.blockNumber.toString(),
          seedBlock: receipt.blockNumber.toString(),
          seed: receipt.blockHash,
          state: 'EndAborted',
          outcome: 'refunded',
        },
      ],
      previous: [],
      resubmits: 0,
      createdAt: Date.now(),
      updatedAt: Date.now(),
    });
    await publicClient.request({ method: 'evm_revert' as never, params: [saved] as never });
    const info = (await publicClient.readContract({
      ...taskManager(),
      functionName: 'getTask',
      args: [taskKey],
    } as never)) as { state: number };
    assert.notEqual(info.state, 0, 'the chain still has the task (its creation was not undone)');

    const status = await cli(anvil.rpcUrl, storePath, 'status', id);
    const dropped = await cli(anvil.rpcUrl, storePath, 'drop', id);
    assert.notEqual(
      dropped.status,
      0,
      `drop removed a task the chain still holds with its fee: ${dropped.stdout}`,
    );
    assert.equal(status.status, 0, status.stderr);
    // The record's refund was undone, its payment was not: the fee is held by a live task.
    assert.doesNotMatch(status.stdout, /runs it again/, 'advises paying again for a task that is live');
  });

  it('a group task whose member the chain went back under, its original still live: resume or drop works', {
    timeout: 120_000,
  }, async () => {
    // The rewind point lies between the original's createTask and its group member's (sampled: the members are
    // created blocks later): the original is live on chain (its fee held), the member's creation is gone.
    const { taskKey, receipt } = await createQueuedTask(anvil.rpcUrl, 'live original of a group');
    const memberKey = keccak256(toHex('member the chain went back under'));
    const storePath = join(dir, 'group.db');
    const id = 'ab99000000000000000000000000000e';
    const created = (key: string, tx: Hex, block: bigint, role: string) => ({
      role,
      taskKey: key,
      fee: '1',
      createTx: tx,
      createdBlock: block.toString(),
      state: 'Started',
    });
    await putRecord(storePath, {
      v: 1,
      id,
      taskType: 'llm',
      phase: 'running',
      sampled: true,
      validation: 'group',
      members: [
        created(taskKey, receipt.transactionHash, receipt.blockNumber, 'original'),
        // Its createTask was mined in a block the chain no longer has: neither a block nor the pool holds it.
        created(memberKey, keccak256(toHex('undone createTask')), receipt.blockNumber + 3n, 'member'),
      ],
      previous: [],
      resubmits: 0,
      createdAt: Date.now(),
      updatedAt: Date.now(),
    });
    // Resumed, it follows the live original (queued: no node here) until its --timeout.
    const resumed = await cli(anvil.rpcUrl, storePath, 'resume', id, '--timeout', '5');
    const dropped = await cli(anvil.rpcUrl, storePath, 'drop', id);
    // resume names `task drop` as the way out; drop then refuses: no command takes the task any further, while
    // its original holds its fee on chain.
    const resumeRefusedAsLost = /is no longer on the chain/.test(resumed.stderr);
    assert.ok(
      !resumeRefusedAsLost || dropped.status === 0,
      `stuck: resume says ${JSON.stringify(resumed.stderr.split('\n')[0])}, drop says ${JSON.stringify(dropped.stderr.split('\n')[0])}`,
    );
  });

  it('an RPC replica behind the creation block (load-balanced RPC): the task is not called lost, nor dropped', {
    timeout: 180_000,
  }, async () => {
    // The replica: the same deployment (same deployer, same nonces: same addresses), not yet at the task's block.
    const replica = await startAnvil({ accounts: 2 });
    try {
      const mirrored = await deployContracts({ rpcUrl: replica.rpcUrl, privateKey: getDevnetPrivateKey(0) });
      assert.equal(mirrored.contracts.taskManager, deployment.contracts.taskManager);
      const { taskKey, receipt } = await createQueuedTask(anvil.rpcUrl, 'live task, lagging replica');
      const storePath = join(dir, 'lagging.db');
      const id = 'ab88000000000000000000000000000f';
      await putRecord(storePath, {
        v: 1,
        id,
        taskType: 'llm',
        phase: 'running',
        members: [
          {
            role: 'original',
            taskKey,
            fee: '1',
            createTx: receipt.transactionHash,
            createdBlock: receipt.blockNumber.toString(),
            seedBlock: receipt.blockNumber.toString(),
            seed: receipt.blockHash,
            state: 'Queued',
          },
        ],
        previous: [],
        resubmits: 0,
        createdAt: Date.now(),
        updatedAt: Date.now(),
      });
      const head = await createPublicClient({ transport: http(replica.rpcUrl) }).getBlockNumber();
      assert.ok(head < receipt.blockNumber, 'the replica is behind the creation block');

      const status = await cli(replica.rpcUrl, storePath, 'status', id);
      const dropped = await cli(replica.rpcUrl, storePath, 'drop', id);
      assert.notEqual(dropped.status, 0, `drop removed a task live on the chain: ${dropped.stdout}`);
      assert.equal(status.status, 0, status.stderr);
      assert.doesNotMatch(status.stdout, /LOST/, 'a lagging read is taken for a rewind');
    } finally {
      await replica.stop();
    }
  });
  it('a load-balanced RPC whose head is past the creation block but whose other replica lacks the createTask: not lost', {
    timeout: 180_000,
  }, async () => {
    // Fix s13: the head from one replica (at or past the creation block); the task's state (eth_call: None), the
    // transaction (TransactionNotFoundError) and block reads from another one behind it. A missing transaction
    // is no proof: not LOST, and no drop.
    const replica = await startAnvil({ accounts: 2 });
    const lagging = new Set([
      'eth_call',
      'eth_getTransactionByHash',
      'eth_getBlockByNumber',
      'eth_getBlockByHash',
    ]);
    const proxy = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const { method } = JSON.parse(body) as { method: string };
        fetch(lagging.has(method) ? replica.rpcUrl : anvil.rpcUrl, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body,
        })
          .then(async (answer) => {
            response.writeHead(answer.status, { 'content-type': 'application/json' });
            response.end(await answer.text());
          })
          .catch(() => {
            response.writeHead(502);
            response.end();
          });
      });
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    const proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
    try {
      await deployContracts({ rpcUrl: replica.rpcUrl, privateKey: getDevnetPrivateKey(0) });
      const { taskKey, receipt } = await createQueuedTask(anvil.rpcUrl, 'live task, load-balanced RPC');
      // The record keeps no block hash (a member created before seeds were kept): only the transaction path.
      const storePath = join(dir, 'balanced.db');
      const id = 'ab66000000000000000000000000000f';
      await putRecord(storePath, {
        v: 1,
        id,
        taskType: 'llm',
        phase: 'running',
        members: [
          {
            role: 'original',
            taskKey,
            fee: '1',
            createTx: receipt.transactionHash,
            createdBlock: receipt.blockNumber.toString(),
            state: 'Queued',
          },
        ],
        previous: [],
        resubmits: 0,
        createdAt: Date.now(),
        updatedAt: Date.now(),
      });
      const replicaHead = await createPublicClient({ transport: http(replica.rpcUrl) }).getBlockNumber();
      assert.ok(replicaHead < receipt.blockNumber, 'the lagging replica is behind the creation block');
      const status = await cli(proxyUrl, storePath, 'status', id);
      const dropped = await cli(proxyUrl, storePath, 'drop', id);
      assert.equal(status.status, 0, status.stderr);
      assert.doesNotMatch(
        status.stdout,
        /LOST/,
        'a missing transaction on a lagging replica is taken for a rewind',
      );
      assert.notEqual(dropped.status, 0, `drop removed a task live on the chain: ${dropped.stdout}`);
    } finally {
      await new Promise((resolve) => proxy.close(resolve));
      await replica.stop();
    }
  });
});
