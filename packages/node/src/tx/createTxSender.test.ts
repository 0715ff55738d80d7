import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { packVersion } from '@verinet/protocol/args';
import { joinFeeReader } from '@verinet/protocol/chain/createFeeReader';
import { getFixedGasLimit } from '@verinet/protocol/chain/getFixedGasLimit';
import { getPublicKey } from '@verinet/protocol/vrf';
import { parseTransaction, zeroAddress } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { createChainClient, getDeploymentChain } from '../chain/createChainClient.js';
import {
  contractsOf,
  joinRequest,
  pauseRequest,
  resumeRequest,
  settleDrawsRequest,
} from '../chain/taskManager.js';
import { getLatestTx, listPendingTxs, openStore } from '../store/index.js';
import {
  startRpcProxy,
  startTestDevnet,
  type TestDevnet,
  testMinStake,
  testWallet,
  waitFor,
} from '../testing/devnet.js';
import { createTxSender, TransactionRevertedError } from './createTxSender.js';

/** Bounds of this file's hooks (node:test hooks do not inherit a describe's timeout): a hung hook fails, not CI. */
const setupTimeout = { timeout: 180_000 };
const teardownTimeout = { timeout: 60_000 };

let devnet: TestDevnet;
before(async () => {
  devnet = await startTestDevnet();
}, setupTimeout);
after(async () => {
  await devnet?.stop();
}, teardownTimeout);

function senderFor(index: number, store = openStore({ path: ':memory:' })) {
  const { privateKey } = testWallet(devnet, index);
  const account = privateKeyToAccount(privateKey);
  const client = createChainClient({ rpcUrl: devnet.anvil.rpcUrl, deployment: devnet.deployment });
  const sender = createTxSender({
    client,
    account,
    chain: getDeploymentChain(devnet.deployment, devnet.anvil.rpcUrl),
    store,
  });
  return { sender, store, account, privateKey, client };
}

const joinFor = (privateKey: `0x${string}`) =>
  joinRequest(contractsOf(devnet.deployment), {
    gpuName: 'Test GPU',
    vram: 8,
    version: packVersion('1.0.0'),
    publicKey: getPublicKey(privateKey),
    beneficiary: zeroAddress,
    modelIds: [],
    stake: testMinStake,
  });

describe('createTxSender (anvil)', () => {
  it('sends once per purpose: a second send returns the mined transaction', async () => {
    const { sender, store, privateKey, account } = senderFor(1);
    const first = await sender.sendAndWait({ purpose: 'join', request: joinFor(privateKey) });
    assert.equal(first.status, 'mined');
    const again = await sender.send({ purpose: 'join', request: joinFor(privateKey) });
    assert.equal(again.hash, first.tx.hash);
    assert.equal(
      await devnet.client.getTransactionCount({ address: account.address }),
      1,
      'exactly one transaction from this account',
    );
    assert.equal(getLatestTx(store, 'join', null)?.status, 'mined');
  });

  it('names the contract error when the call would revert, and signs nothing', async () => {
    const { sender, store, account } = senderFor(2);
    await assert.rejects(
      sender.send({ purpose: 'pause', request: pauseRequest(contractsOf(devnet.deployment)) }),
      (error) => {
        assert.ok(error instanceof TransactionRevertedError);
        assert.match(error.message, /NodeRegistryNotRegistered/);
        return true;
      },
    );
    assert.equal(listPendingTxs(store, account.address).length, 0);
  });

  it('after a restart, rebroadcasts the same signed bytes of a transaction the chain never saw', async () => {
    const path = ':memory:';
    const { sender, store, privateKey, account, client } = senderFor(3, openStore({ path }));
    await devnet.rpc('evm_setAutomine', [false]);
    let hash: `0x${string}`;
    try {
      const tx = await sender.send({ purpose: 'join', request: joinFor(privateKey) });
      hash = tx.hash;
      // As if the node died between persisting the signed transaction and the RPC receiving it.
      await devnet.rpc('anvil_dropTransaction', [hash]);
    } finally {
      await devnet.rpc('evm_setAutomine', [true]);
    }
    const restarted = createTxSender({
      client,
      account,
      chain: getDeploymentChain(devnet.deployment, devnet.anvil.rpcUrl),
      store,
    });
    await restarted.recover();
    const receipt = await devnet.client.waitForTransactionReceipt({ hash });
    assert.equal(receipt.status, 'success');
    // send() for the same purpose does not sign a second one.
    const again = await restarted.send({ purpose: 'join', request: joinFor(privateKey) });
    assert.equal(again.hash, hash);
    assert.equal(await devnet.client.getTransactionCount({ address: account.address }), 1);
  });

  it('signs again with a new nonce only when the old transaction is provably dropped', async () => {
    const { sender, store, privateKey, account } = senderFor(4);
    await sender.sendAndWait({ purpose: 'join', request: joinFor(privateKey) });
    await devnet.rpc('evm_setAutomine', [false]);
    let dropped: `0x${string}`;
    try {
      const tx = await sender.send({
        purpose: 'pause',
        request: pauseRequest(contractsOf(devnet.deployment)),
      });
      dropped = tx.hash;
      await devnet.rpc('anvil_dropTransaction', [dropped]);
      // Another transaction (from another wallet holding the key) takes that nonce.
      const { wallet } = testWallet(devnet, 4);
      await wallet.sendTransaction({ to: account.address, value: 1n, nonce: tx.nonce });
    } finally {
      await devnet.rpc('evm_setAutomine', [true]);
    }
    await devnet.rpc('anvil_mine', ['0x1']);
    const outcome = await sender.sendAndWait({
      purpose: 'pause',
      request: pauseRequest(contractsOf(devnet.deployment)),
    });
    assert.notEqual(outcome.tx.hash, dropped);
    assert.equal(outcome.status, 'mined');
    const statuses = (
      store.db.prepare("SELECT status FROM transactions WHERE purpose = 'pause' ORDER BY id").all() as {
        status: string;
      }[]
    ).map((r) => r.status);
    assert.deepEqual(statuses, ['dropped', 'mined']);
    // And a live one is never duplicated: resume is sent once even when asked twice concurrently.
    const [a, b] = await Promise.all([
      sender.send({ purpose: 'resume', request: resumeRequest(contractsOf(devnet.deployment)) }),
      sender.send({ purpose: 'resume', request: resumeRequest(contractsOf(devnet.deployment)) }),
    ]);
    assert.equal(a.hash, b.hash);
  });

  it('replaces a transaction stuck under the base fee (same nonce, higher fee), across a restart', async () => {
    const { sender, store, privateKey, account, client } = senderFor(5);
    await sender.sendAndWait({ purpose: 'join', request: joinFor(privateKey) });
    const bumping = createTxSender({
      client,
      account,
      chain: getDeploymentChain(devnet.deployment, devnet.anvil.rpcUrl),
      store,
      bumpAfterMs: 300,
    });
    await devnet.rpc('evm_setAutomine', [false]);
    try {
      const stuck = await bumping.send({
        purpose: 'pause',
        request: pauseRequest(contractsOf(devnet.deployment)),
      });
      // The network's fee jumps above what the transaction bids: the next block leaves it out.
      await devnet.rpc('anvil_setNextBlockBaseFeePerGas', [`0x${(1_000n * 10n ** 9n).toString(16)}`]);
      await devnet.rpc('evm_mine');
      assert.equal(await devnet.client.getTransactionReceipt({ hash: stuck.hash }).catch(() => null), null);
      const waiting = bumping.wait(stuck, { timeoutMs: 30_000, pollMs: 50 });
      const variants = () =>
        store.db
          .prepare("SELECT hash, nonce, raw FROM transactions WHERE purpose = 'pause' ORDER BY id")
          .all() as { hash: `0x${string}`; nonce: number; raw: `0x${string}` }[];
      await waitFor(() => variants().length === 2, 10_000, 'a replacement signed and persisted');
      const [, replacement] = variants();
      assert.equal(replacement!.nonce, stuck.nonce, 'same nonce');
      const oldFee = parseTransaction(stuck.raw).maxFeePerGas!;
      const newFee = parseTransaction(replacement!.raw).maxFeePerGas!;
      assert.ok(
        newFee >= (oldFee * 120n) / 100n && newFee > 1_000n * 10n ** 9n,
        `fee raised (${oldFee} -> ${newFee})`,
      );
      // A node restarted now finds both variants persisted, rebroadcasts them, and sends nothing new.
      const restarted = createTxSender({
        client,
        account,
        chain: getDeploymentChain(devnet.deployment, devnet.anvil.rpcUrl),
        store,
        bumpAfterMs: 60_000,
      });
      await restarted.recover();
      const again = await restarted.send({
        purpose: 'pause',
        request: pauseRequest(contractsOf(devnet.deployment)),
      });
      assert.equal(again.nonce, stuck.nonce, 'a live variant, not a new transaction');
      assert.notEqual(again.hash, stuck.hash);
      await devnet.rpc('evm_mine');
      const outcome = await waiting;
      assert.equal(outcome.status, 'mined');
      assert.notEqual(outcome.tx.hash, stuck.hash, 'a replacement landed');
    } finally {
      await devnet.rpc('evm_setAutomine', [true]);
    }
    // Every variant has the same nonce (more than one replacement may have been signed while the test
    // restarted the sender): exactly one mined, the others recorded as dropped.
    const rows = store.db
      .prepare("SELECT status, nonce FROM transactions WHERE purpose = 'pause' ORDER BY id")
      .all() as { status: string; nonce: number }[];
    assert.ok(rows.length >= 2);
    assert.equal(new Set(rows.map((r) => r.nonce)).size, 1);
    assert.deepEqual(
      rows.map((r) => r.status).sort(),
      [...Array(rows.length - 1).fill('dropped'), 'mined'].sort(),
    );
    assert.equal(
      await devnet.client.getTransactionCount({ address: account.address }),
      2,
      'join + one pause',
    );
  });

  it('trial s11: a chain rewound under mined transactions (anvil reloaded from an older save) gets them again, no nonce gap', async () => {
    const { sender, store, privateKey, account, client } = senderFor(6);
    const saved = (await devnet.rpc('evm_snapshot', [])) as string;
    const joined = await sender.sendAndWait({ purpose: 'join', request: joinFor(privateKey) });
    const paused = await sender.sendAndWait({
      purpose: 'pause',
      request: pauseRequest(contractsOf(devnet.deployment)),
    });
    assert.equal(paused.tx.nonce, joined.tx.nonce + 1);
    // The chain goes back to before both (what a reload of an older chain.json does); the store still has them mined.
    await devnet.rpc('evm_revert', [saved]);
    assert.equal(await client.getTransactionCount({ address: account.address }), joined.tx.nonce);
    // A node restarted on the rewound chain: recover() puts them back, in nonce order.
    await sender.recover();
    await waitFor(
      async () => (await client.getTransactionCount({ address: account.address })) === paused.tx.nonce + 1,
      30_000,
      'both transactions mined again',
    );
    // The next transaction follows them instead of waiting forever behind a gap.
    const resumed = await sender.sendAndWait({
      purpose: 'resume',
      request: resumeRequest(contractsOf(devnet.deployment)),
    });
    assert.equal(resumed.tx.nonce, paused.tx.nonce + 1);
    assert.equal(resumed.status, 'mined');
    assert.equal(getLatestTx(store, 'join', null)?.hash, joined.tx.hash, 'nothing signed twice');
  });

  it('trial s11: without a restart, the next send puts the rewound transactions back first', async () => {
    const { sender, privateKey, account, client } = senderFor(7);
    const saved = (await devnet.rpc('evm_snapshot', [])) as string;
    const joined = await sender.sendAndWait({ purpose: 'join', request: joinFor(privateKey) });
    await devnet.rpc('evm_revert', [saved]);
    const paused = await sender.sendAndWait(
      { purpose: 'pause', request: pauseRequest(contractsOf(devnet.deployment)) },
      { timeoutMs: 30_000 },
    );
    assert.equal(paused.tx.nonce, joined.tx.nonce + 1);
    assert.equal(paused.status, 'mined');
    assert.equal(await client.getTransactionCount({ address: account.address }), joined.tx.nonce + 2);
  });

  it('asks the chain for the fees once per feeCacheMs, not per transaction (the pending count at each: review s12)', async () => {
    const proxy = await startRpcProxy(devnet.anvil.rpcUrl);
    try {
      const { privateKey } = testWallet(devnet, 8);
      const account = privateKeyToAccount(privateKey);
      const client = createChainClient({ rpcUrl: proxy.url, deployment: devnet.deployment });
      const sender = createTxSender({
        client,
        account,
        chain: getDeploymentChain(devnet.deployment, proxy.url),
        store: openStore({ path: ':memory:' }),
        feeCacheMs: 60_000,
      });
      const contracts = contractsOf(devnet.deployment);
      const sent = [await sender.sendAndWait({ purpose: 'join', request: joinFor(privateKey) })];
      for (const round of [1, 2]) {
        sent.push(await sender.sendAndWait({ purpose: `pause-${round}`, request: pauseRequest(contracts) }));
        sent.push(
          await sender.sendAndWait({ purpose: `resume-${round}`, request: resumeRequest(contracts) }),
        );
      }
      assert.deepEqual(
        sent.map((outcome) => [outcome.status, outcome.tx.nonce]),
        [0, 1, 2, 3, 4].map((nonce) => ['mined', nonce]),
      );
      assert.equal(await devnet.client.getTransactionCount({ address: account.address }), 5);
      // Five transactions: the fees read once; the pending count at each (another holder of the key may have a
      // transaction in the pool) and every call estimated (the revert check).
      assert.equal(proxy.count('eth_getTransactionCount'), 5, proxy.methods.join(' '));
      assert.equal(proxy.count('eth_maxPriorityFeePerGas'), 1, proxy.methods.join(' '));
      assert.equal(proxy.count('eth_getBlockByNumber'), 1, proxy.methods.join(' '));
      assert.equal(proxy.count('eth_estimateGas'), 5);
      // The bid: twice the base fee of a recent block plus the tip, so a few blocks of base-fee growth still fit.
      const fees = parseTransaction(sent[0]!.tx.raw);
      const block = await devnet.client.getBlock({ blockNumber: sent[0]!.receipt.blockNumber });
      assert.ok(fees.maxFeePerGas! >= block.baseFeePerGas! * 2n + fees.maxPriorityFeePerGas!);
    } finally {
      await proxy.close();
    }
  });

  it('trial s11 without a reverting estimate: a send behind a rewound nonce puts the lost transaction back', async () => {
    const { sender, account, privateKey, client } = senderFor(9);
    const joined = await sender.sendAndWait({ purpose: 'join', request: joinFor(privateKey) });
    const saved = (await devnet.rpc('evm_snapshot', [])) as string;
    const paused = await sender.sendAndWait({
      purpose: 'pause',
      request: pauseRequest(contractsOf(devnet.deployment)),
    });
    // The pause is gone from the chain; the store still has it mined (its highest nonce is n + 1).
    await devnet.rpc('evm_revert', [saved]);
    assert.equal(await client.getTransactionCount({ address: account.address }), paused.tx.nonce);
    // A second pause estimates fine on the rewound chain (the node is joined and not paused): without the lost
    // pause back first, its nonce would wait behind the gap for ever.
    const again = await sender.send({
      purpose: 'pause-again',
      request: pauseRequest(contractsOf(devnet.deployment)),
    });
    assert.equal(again.nonce, paused.tx.nonce + 1);
    const outcome = await sender.wait(again, { timeoutMs: 30_000 });
    assert.equal(outcome.tx.hash, again.hash);
    assert.equal(await client.getTransactionCount({ address: account.address }), joined.tx.nonce + 3);
    const lost = await client.getTransactionReceipt({ hash: paused.tx.hash });
    assert.equal(lost.status, 'success', 'the lost pause landed again, same bytes');
  });

  it('a nonce another holder of the key took: the next transaction takes the one after it (the pending count at each send)', async () => {
    const { sender, store, privateKey, account } = senderFor(10);
    const joined = await sender.sendAndWait({ purpose: 'join', request: joinFor(privateKey) });
    // The same key sends from elsewhere (a wallet, `verinet node pause` in another shell) and takes the next nonce.
    const { wallet } = testWallet(devnet, 10);
    const hash = await wallet.sendTransaction({ to: account.address, value: 1n, nonce: joined.tx.nonce + 1 });
    await devnet.client.waitForTransactionReceipt({ hash });
    const paused = await sender.sendAndWait(
      { purpose: 'pause', request: pauseRequest(contractsOf(devnet.deployment)) },
      { timeoutMs: 30_000 },
    );
    assert.equal(paused.status, 'mined');
    assert.equal(paused.tx.nonce, joined.tx.nonce + 2);
    const statuses = (
      store.db
        .prepare("SELECT status, nonce FROM transactions WHERE purpose = 'pause' ORDER BY id")
        .all() as {
        status: string;
        nonce: number;
      }[]
    ).map((r) => `${r.status}@${r.nonce - joined.tx.nonce}`);
    assert.deepEqual(statuses, ['mined@2']);
  });

  it('a TaskManager call on a fixed-gas chain (anvil, 31337) goes out with its fixed limit after one eth_call, no estimate; estimated with fixedGas false', async () => {
    const proxy = await startRpcProxy(devnet.anvil.rpcUrl);
    try {
      const contracts = contractsOf(devnet.deployment);
      const sent = [];
      for (const [index, fixedGas] of [
        [11, undefined],
        [12, false],
      ] as const) {
        const account = privateKeyToAccount(testWallet(devnet, index).privateKey);
        const sender = createTxSender({
          client: createChainClient({ rpcUrl: proxy.url, deployment: devnet.deployment }),
          account,
          chain: getDeploymentChain(devnet.deployment, proxy.url),
          store: openStore({ path: ':memory:' }),
          fixedGas,
        });
        proxy.methods.length = 0;
        const outcome = await sender.sendAndWait({
          purpose: 'settle',
          request: settleDrawsRequest(contracts),
        });
        assert.equal(outcome.status, 'mined');
        sent.push({
          gas: parseTransaction(outcome.tx.raw).gas,
          estimates: proxy.count('eth_estimateGas'),
          calls: proxy.count('eth_call'),
        });
      }
      // The default on anvil's chain id: the fixed limit, checked by one eth_call (the revert check) instead of an
      // estimate, which anvil answers by running the call several times.
      assert.deepEqual(sent[0], { gas: getFixedGasLimit('settleDraws'), estimates: 0, calls: 1 });
      assert.equal(sent[1]?.estimates, 1);
      assert.equal(sent[1]?.calls, 0);
      assert.notEqual(sent[1]?.gas, getFixedGasLimit('settleDraws'));
    } finally {
      await proxy.close();
    }
  });

  it('a fixed limit the balance does not cover at the fee (a 31337 fork, a small balance) is estimated instead, from then on', async () => {
    const contracts = contractsOf(devnet.deployment);
    const { sender, account, client } = senderFor(13);
    // Enough for the real use of a few settlements (≈ 50k gas each, ≈ 200k limits with the estimate's headroom) at
    // the fee cap the sender signs with (its process-wide fee read), far from the fixed limit (100k + 32 draws).
    const chain = getDeploymentChain(devnet.deployment, devnet.anvil.rpcUrl);
    const { maxFeePerGas: feeCap } = await joinFeeReader(`${chain.id}|${devnet.anvil.rpcUrl}`, client).read({
      maxAgeMs: 0,
    });
    const balance = 1_000_000n * feeCap;
    assert.ok(getFixedGasLimit('settleDraws')! * feeCap > balance, 'the fixed limit is out of reach');
    await devnet.rpc('anvil_setBalance', [account.address, `0x${balance.toString(16)}`]);
    for (const purpose of ['settle-a', 'settle-b']) {
      const outcome = await sender.sendAndWait({ purpose, request: settleDrawsRequest(contracts) });
      assert.equal(outcome.status, 'mined');
      assert.notEqual(parseTransaction(outcome.tx.raw).gas, getFixedGasLimit('settleDraws'), purpose);
    }
  });

  it('review s15: a call that needs more than its fixed limit still falls back to an estimate (the eth_call now runs at the fixed limit)', async () => {
    // A contract that burns ≈ 5.1M gas and succeeds, called as TaskManager's settleDraws (fixed limit 4.26M): the
    // stand-in for a call whose draws or a contract change outgrew its limit (what the outOfGas fallback is for).
    const runtime = '6203000' + '05b600190038060045700';
    const init = `600e600c600039600e6000f3${runtime}`;
    const deployer = testWallet(devnet, 15);
    await devnet.rpc('anvil_setBalance', [deployer.account.address, '0x56bc75e2d63100000']);
    const deployHash = await deployer.wallet.sendTransaction({ data: `0x${init}` });
    const burner = (await devnet.client.waitForTransactionReceipt({ hash: deployHash })).contractAddress!;
    const request = { ...settleDrawsRequest(contractsOf(devnet.deployment)), address: burner };
    const { sender, account } = senderFor(16);
    await devnet.rpc('anvil_setBalance', [account.address, '0x56bc75e2d63100000']);
    const attempts: string[] = [];
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        const outcome = await sender.sendAndWait({ purpose: `burn-${attempt}`, request });
        attempts.push(`${outcome.status} gas ${parseTransaction(outcome.tx.raw).gas}`);
        break;
      } catch (error) {
        attempts.push(`failed: ${(error as Error).message.split('\n')[0]}`);
      }
    }
    // Before s15: the first goes out at the fixed limit and runs out of gas on chain (noted), the second is
    // estimated and mined. Now the eth_call at the fixed limit fails, nothing is noted, and every attempt fails alike.
    assert.match(attempts.at(-1) ?? '', /^mined/, attempts.join(' | '));
  });
});
