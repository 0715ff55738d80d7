import { taskManagerAbi } from '@verinet/protocol/chain/abis';
import { joinFeeReader } from '@verinet/protocol/chain/createFeeReader';
import {
  getCheckedGasLimit,
  getFixedGasLimit,
  isFixedGasChain,
  isOutOfGas,
  taskManagerCallGas,
} from '@verinet/protocol/chain/getFixedGasLimit';
import {
  type Chain,
  encodeFunctionData,
  type Hex,
  keccak256,
  type LocalAccount,
  type PublicClient,
  parseTransaction,
  type TransactionReceipt,
  toFunctionSelector,
} from 'viem';
import { sendRawTransactionSync } from 'viem/actions';
import { describeContractError } from '../chain/describeContractError.js';
import { describeRpcError } from '../chain/describeRpcError.js';
import type { ContractRequest } from '../chain/taskManager.js';
import { crashPoint } from '../daemon/crashPoint.js';
import { TransactionError } from '../errors/index.js';
import {
  getHighestNonce,
  getLatestTx,
  getTxById,
  insertTx,
  listLandedFromNonce,
  listLiveVariants,
  listPendingTxs,
  type NodeStore,
  type TxRecord,
  updateTxStatus,
} from '../store/index.js';

export type TxSenderParameters = {
  client: PublicClient;
  account: LocalAccount;
  chain: Chain;
  store: NodeStore;
  /** Gas = estimate × (100 + headroomPercent) / 100 + 100,000 (docs/deployment.md: selection draws at random). */
  headroomPercent?: number | undefined;
  onNotice?: ((level: 'info' | 'warn', message: string) => void) | undefined;
  /**
   * A transaction still unmined this long after it (or its last replacement) was signed is replaced by one with
   * the same nonce and fees raised by `bumpPercent` (at least the network's current estimate). Default 60 s.
   */
  bumpAfterMs?: number | undefined;
  /** Least fee raise of a replacement, in percent (nodes refuse replacements under +10%). Default 20. */
  bumpPercent?: number | undefined;
  /** How often `wait` asks for the receipt (default 100 ms; the first ask is at once). */
  receiptPollMs?: number | undefined;
  /** Never bid more than this per gas (wei); a transaction at the cap waits. Default: no cap. */
  maxFeePerGas?: bigint | undefined;
  /**
   * Broadcast new transactions with `eth_sendRawTransactionSync` (EIP-7966), which answers with the receipt once
   * mined: on an instant-mining chain that saves the receipt round trip. An RPC without it is detected at the
   * first refusal (plain `eth_sendRawTransaction` from then on); a slow block only holds this request, the
   * transaction is in the pool all the same. Default true.
   */
  sendSync?: boolean | undefined;
  /**
   * How long one read of the fees (the latest block's base fee and `eth_maxPriorityFeePerGas`) serves new
   * transactions, shared by every sender of the process on the same chain and RPC. Default 1,000 ms.
   */
  feeCacheMs?: number | undefined;
  /**
   * TaskManager calls with a fixed gas limit (`getFixedGasLimit`: their own bounded gas plus every draw they may
   * settle) checked by one `eth_call` against the pending block, instead of `eth_estimateGas` (which runs the call
   * several times over). For chains whose gas is the EVM's execution gas (no rollup L1 data fee); a call of this
   * kind that runs out of gas all the same is estimated from then on in this process. Default: true on chain id
   * 31337 (anvil, hardhat: the devnet), false elsewhere.
   */
  fixedGas?: boolean | undefined;
};

/** The TaskManager calls with a fixed gas limit, by selector (a reverted one is checked for running out of gas). */
const fixedGasCalls = new Map<string, string>(
  Object.keys(taskManagerCallGas).flatMap((name) => {
    const item = (taskManagerAbi as readonly { type: string; name?: string }[]).find(
      (entry) => entry.type === 'function' && entry.name === name,
    );
    return item ? [[toFunctionSelector(item as never), name] as [string, string]] : [];
  }),
);

export type SendParameters = {
  /** What the transaction does; with `taskKey`, the idempotency key (one live transaction per pair). */
  purpose: string;
  taskKey?: Hex | null | undefined;
  request: ContractRequest;
};

export type TxOutcome = { tx: TxRecord; status: 'mined' | 'reverted'; receipt: TransactionReceipt };

/** The contract refused the call (estimation reverted): retrying the same call will not help. */
export class TransactionRevertedError extends TransactionError {
  override name = 'TransactionRevertedError' as never;
}

export type TxSender = {
  /**
   * Signs, persists, then broadcasts one transaction for (purpose, taskKey), unless one is already live:
   * then that one is rebroadcast (same raw bytes, same nonce) and returned. A transaction is signed again
   * (with a new nonce) only once the old one is provably dropped (its nonce was used by another one).
   */
  send: (parameters: SendParameters) => Promise<TxRecord>;
  /**
   * Waits for the receipt of the transaction or of any of its same-nonce replacements; rebroadcasts while
   * unknown; replaces it with a higher fee when stuck (bumpAfterMs); marks it dropped when its nonce was used
   * by another.
   */
  wait: (tx: TxRecord, options?: { timeoutMs?: number; pollMs?: number }) => Promise<TxOutcome>;
  /**
   * After a restart: re-broadcasts the landed transactions a rewound chain no longer has (restoreRewound), then
   * re-checks every signed or sent transaction and rebroadcasts those still unknown.
   */
  recover: () => Promise<void>;
  /** `send` then `wait`; throws when the transaction reverted. */
  sendAndWait: (parameters: SendParameters, options?: { timeoutMs?: number }) => Promise<TxOutcome>;
};

/**
 * The node's only way to send transactions: nonces from the chain's pending count and the store (the higher; a
 * rewound chain gets the store's lost transactions again first; never reused), fees from a read shared for
 * `feeCacheMs` (twice the base fee plus the tip), gas estimated against the pending block with headroom (the
 * estimate is also the check that the call would not revert; on a fixed-gas chain a TaskManager call's fixed
 * limit, checked by one eth_call), signed raw transactions persisted before they are
 * broadcast, so a node killed at any moment neither loses nor duplicates a transaction. Per new transaction: the
 * pending count and `eth_estimateGas` (together) and the broadcast, where it was five calls.
 *
 * @example
 * const sender = createTxSender({ client, account, chain, store });
 * await sender.sendAndWait({ purpose: 'submitScore', taskKey, request: submitScoreRequest(contracts, taskKey, score) });
 */
export function createTxSender(parameters: TxSenderParameters): TxSender {
  const { client, account, chain, store } = parameters;
  const headroom = BigInt(100 + (parameters.headroomPercent ?? 50));
  const bumpAfterMs = parameters.bumpAfterMs ?? 60_000;
  const bumpPercent = parameters.bumpPercent ?? 20;
  const receiptPollMs = parameters.receiptPollMs ?? 100;
  const notice = parameters.onNotice ?? (() => {});
  const feeReader = joinFeeReader(`${chain.id}|${chain.rpcUrls.default.http[0] ?? ''}`, client);
  const feeCacheMs = parameters.feeCacheMs ?? 1_000;
  /** How long a fixed limit refused for the balance is skipped before it is tried again. */
  const fundsShortRetryMs = 600_000;
  const fixedGas = parameters.fixedGas ?? isFixedGasChain(chain.id);
  /** Fixed-gas calls that ran out of gas in this process: estimated from then on. */
  const outOfGas = new Set<string>();
  /**
   * Until when a fixed limit refused for the balance (a fork with chain id 31337, a small balance) is skipped:
   * estimated meanwhile; tried again after `fundsShortRetryMs`, so a topped-up balance gets its fixed limits (and the
   * room for every draw) back (review s15).
   */
  let fixedGasShortOfFundsUntil = 0;
  // (Then the estimated limits leave out the room for every draw too: see signNew.)
  const getFees = async () => {
    const fees = await feeReader.read({ maxAgeMs: feeCacheMs });
    const cap = parameters.maxFeePerGas;
    if (cap === undefined || fees.maxFeePerGas <= cap) return fees;
    // The cap bounds the bid (the transaction waits while the base fee is above it); the tip fits under it.
    let maxPriorityFeePerGas = fees.maxPriorityFeePerGas;
    if (maxPriorityFeePerGas > cap) maxPriorityFeePerGas = cap;
    return { maxFeePerGas: cap, maxPriorityFeePerGas };
  };
  /** Hashes whose broadcast was refused for their fee (for `send`, taken once: replaced at once). */
  const feeRefused = new Set<Hex>();
  /** Hashes whose broadcast was refused with "nonce too low" (for `send`, taken once). */
  const nonceRefused = new Set<Hex>();
  const readChainNonce = () => client.getTransactionCount({ address: account.address, blockTag: 'pending' });
  let lock: Promise<unknown> = Promise.resolve();
  const exclusive = <T>(fn: () => Promise<T>): Promise<T> => {
    const next = lock.then(fn);
    lock = next.catch(() => {});
    return next;
  };

  let sendSync = parameters.sendSync ?? true;
  /** Receipts that came with a synchronous broadcast, for `wait` (taken once). */
  const syncReceipts = new Map<Hex, TransactionReceipt>();

  /** Broadcasts and waits for the receipt in one request; false when the RPC did not do that (then: plain). */
  const broadcastSync = async (tx: TxRecord): Promise<boolean> => {
    try {
      const receipt = await sendRawTransactionSync(client, { serializedTransaction: tx.raw });
      syncReceipts.set(tx.hash, receipt);
      if (syncReceipts.size > 64) syncReceipts.delete(syncReceipts.keys().next().value!);
      if (tx.status === 'signed') updateTxStatus(store, tx.id, 'sent');
      return true;
    } catch (error) {
      const message = describeRpcError(error);
      const code =
        (error as { code?: unknown }).code ?? (error as { cause?: { code?: unknown } }).cause?.code;
      if (
        code === -32601 ||
        /method not found|not supported|does not exist|not available|unsupported|unknown method/i.test(
          message,
        )
      ) {
        sendSync = false;
        notice(
          'info',
          'The chain RPC has no eth_sendRawTransactionSync: sending transactions the plain way.',
        );
      }
      return false;
    }
  };

  /**
   * The chain's count of this account is below nonces the store saw land: the chain was rewound under them (a
   * devnet's anvil killed and reloaded from its last save, a deep reorg). Their same signed bytes are broadcast
   * again in nonce order (one per nonce), so the account's sequence has no gap: a new nonce above them would wait
   * in the pool forever (trial s11: every node stuck until `--fresh`). Each lands again or fails as the rewound
   * chain now decides; nothing is signed twice.
   */
  const restoreRewound = async (fromNonce: number): Promise<void> => {
    const seen = new Set<number>();
    for (const tx of listLandedFromNonce(store, account.address, fromNonce)) {
      if (seen.has(tx.nonce)) continue;
      seen.add(tx.nonce);
      notice(
        'warn',
        `Transaction ${tx.purpose} ${tx.hash} (nonce ${tx.nonce}) is no longer on the chain (it was rewound): broadcasting it again.`,
      );
      await broadcast(tx).catch((error: unknown) =>
        notice('warn', `Re-broadcasting ${tx.hash} failed: ${(error as Error).message.split('\n')[0]}`),
      );
    }
  };

  const broadcast = async (tx: TxRecord): Promise<void> => {
    try {
      await client.sendRawTransaction({ serializedTransaction: tx.raw });
    } catch (error) {
      const message = describeRpcError(error);
      // Its nonce may have been taken by another transaction (another holder of the key): re-read the count.
      if (/nonce too low/i.test(message)) nonceRefused.add(tx.hash);
      // Already in the pool or mined: the same bytes are out there, which is all we want.
      if (
        /already known|already imported|known transaction|nonce too low|replacement transaction/i.test(
          message,
        )
      )
        return;
      // Bidding under the current base fee: the transaction stays live and `wait` replaces it with a higher
      // fee (a rebroadcast of an outbid variant after a restart lands here too).
      if (/less than block base fee|underpriced|fee too low|fee cap less than/i.test(message)) {
        feeRefused.add(tx.hash);
        return;
      }
      throw new TransactionError(`Broadcasting ${tx.purpose} (${tx.hash}) failed: ${message}`, {
        cause: error,
      });
    }
    if (tx.status === 'signed') updateTxStatus(store, tx.id, 'sent');
  };

  /** Whether `tx`'s nonce has been used by a transaction other than `tx` (then `tx` can never land). */
  const isDropped = async (tx: TxRecord): Promise<boolean> => {
    const minedNonce = await client.getTransactionCount({ address: account.address, blockTag: 'latest' });
    if (minedNonce <= tx.nonce) {
      // Below nonces this store saw land: the chain was rewound under them after `tx` was signed, and `tx` waits
      // behind the gap: put them back.
      if (minedNonce < tx.nonce && listLandedFromNonce(store, account.address, minedNonce).length > 0)
        await restoreRewound(minedNonce);
      return false;
    }
    const receipt = await client.getTransactionReceipt({ hash: tx.hash }).catch(() => null);
    return receipt === null;
  };

  const signNew = async (
    { purpose, taskKey, request }: SendParameters,
    restored = false,
  ): Promise<TxRecord> => {
    const data = encodeFunctionData({
      abi: request.abi,
      functionName: request.functionName,
      args: request.args,
    } as Parameters<typeof encodeFunctionData>[0]);
    // On a fixed-gas chain, a TaskManager call's fixed limit (unless above the request's cap, or it ran out of gas
    // here before), checked by one eth_call: the revert check the estimate was, at one execution.
    const limit =
      fixedGas &&
      Date.now() >= fixedGasShortOfFundsUntil &&
      request.abi === taskManagerAbi &&
      !outOfGas.has(request.functionName)
        ? getFixedGasLimit(request.functionName)
        : undefined;
    const fixed =
      limit !== undefined && (request.maxGas === undefined || limit <= request.maxGas) ? limit : undefined;
    // Independent reads, in one round trip's time. The chain's pending count at every transaction, not the store's
    // count alone: another holder of this key (`verinet node pause` from the operator's shell while the daemon
    // runs) may have a transaction waiting in the pool, and a nonce taken from the store alone would replace it
    // or collide with it (review s12). The fees from a read shared for `feeCacheMs` (joinFeeReader).
    const chainNoncePromise = readChainNonce();
    const feesPromise = getFees();
    chainNoncePromise?.catch(() => {});
    feesPromise.catch(() => {});
    let checked: Awaited<ReturnType<typeof getCheckedGasLimit>>;
    try {
      // Against the pending block: a report in the task's own seed block is refused (SeedUnavailable). The eth_call
      // of a fixed limit carries the fees it is signed with: the RPC checks the balance covers it, else it is
      // estimated (getCheckedGasLimit).
      checked = await getCheckedGasLimit({
        fixedLimit: fixed,
        call: async (gas) => {
          const fees = await feesPromise;
          return client.call({
            account,
            to: request.address,
            data,
            value: request.value,
            gas,
            maxFeePerGas: fees.maxFeePerGas,
            maxPriorityFeePerGas: fees.maxPriorityFeePerGas,
            blockTag: 'pending',
          });
        },
        estimate: () =>
          client.estimateContractGas({
            address: request.address,
            abi: request.abi,
            functionName: request.functionName,
            args: request.args,
            value: request.value,
            account,
            blockTag: 'pending',
          } as Parameters<typeof client.estimateContractGas>[0]),
      });
    } catch (error) {
      const message = describeRpcError(error);
      if (/revert|custom error|returned no data/i.test(message)) {
        // Maybe only because the chain was rewound under this node's earlier transactions (the call depends on
        // them: a pause after a join): put them back and try once more.
        const chainNonce = await chainNoncePromise.catch(() => undefined);
        if (!restored && chainNonce !== undefined && getHighestNonce(store, account.address) >= chainNonce) {
          await restoreRewound(chainNonce);
          return signNew({ purpose, taskKey, request }, true);
        }
        throw new TransactionRevertedError(`${purpose} would revert: ${describeContractError(error)}`, {
          cause: error,
        });
      }
      throw new TransactionError(`Estimating gas for ${purpose} failed: ${message}`, { cause: error });
    }
    const headroomPercent = BigInt(100 + (request.headroomPercent ?? Number(headroom - 100n)));
    if (checked.kind === 'estimate' && checked.fundsShort) {
      fixedGasShortOfFundsUntil = Date.now() + fundsShortRetryMs;
      notice(
        'warn',
        `The balance of ${account.address} does not cover ${purpose}'s fixed gas limit at the current fee: estimating gas for the next ${fundsShortRetryMs / 60_000} minutes.`,
      );
    }
    if (checked.kind === 'estimate' && checked.outOfGas) {
      // As for a receipt that ran out of gas: this call is estimated from now on.
      outOfGas.add(request.functionName);
      notice('warn', `${purpose} needs more gas than its fixed limit: estimating it from now on.`);
    }
    // Short of funds for the fixed limit, the estimate goes without the room for every draw (`extraGas`, as large):
    // a draw added before inclusion may then run it out of gas, and the action sends it again.
    const gas =
      checked.kind === 'fixed'
        ? checked.gas
        : (checked.estimate * headroomPercent) / 100n +
          100_000n +
          (Date.now() < fixedGasShortOfFundsUntil ? 0n : (request.extraGas ?? 0n));
    if (request.maxGas !== undefined && gas > request.maxGas) {
      throw new TransactionError(
        `${purpose} would need ${gas} gas (estimate ${checked.kind === 'estimate' ? checked.estimate : gas} plus headroom), more than its cap of ${request.maxGas}; not sent`,
      );
    }
    const [chainNonce, fees] = await Promise.all([chainNoncePromise, feesPromise]);
    const highest = getHighestNonce(store, account.address);
    if (highest >= chainNonce) await restoreRewound(chainNonce);
    const nonce = Math.max(chainNonce, highest + 1);
    const raw = await account.signTransaction({
      type: 'eip1559',
      chainId: chain.id,
      to: request.address,
      data,
      value: request.value ?? 0n,
      nonce,
      gas,
      maxFeePerGas: fees.maxFeePerGas,
      maxPriorityFeePerGas: fees.maxPriorityFeePerGas,
    });
    const tx = await insertTx(store, {
      purpose,
      taskKey: taskKey ?? null,
      sender: account.address,
      nonce,
      hash: keccak256(raw),
      raw,
    });
    crashPoint('tx_signed', [taskKey]);
    return tx;
  };

  /**
   * Signs a replacement of `tx` (same nonce, call and gas; higher fees), persists it, then broadcasts it. The
   * old variant stays tracked: whichever lands first is the one recorded as mined, the other as dropped.
   */
  const bump = (
    tx: TxRecord,
    reason = `not mined after ${Math.round(bumpAfterMs / 1000)} s`,
  ): Promise<TxRecord> =>
    exclusive(async () => {
      const old = parseTransaction(tx.raw);
      if (old.type !== 'eip1559' || old.maxFeePerGas === undefined || old.maxPriorityFeePerGas === undefined)
        return tx;
      const raise = (value: bigint) => (value * BigInt(100 + bumpPercent) + 99n) / 100n;
      // The fees of this moment (a fresh read, which the next sends share), and at least the old bid raised.
      const fees = await feeReader.read({ maxAgeMs: 0 });
      let maxFeePerGas = raise(old.maxFeePerGas);
      if (fees.maxFeePerGas > maxFeePerGas) maxFeePerGas = fees.maxFeePerGas;
      let maxPriorityFeePerGas = raise(old.maxPriorityFeePerGas);
      if (fees.maxPriorityFeePerGas > maxPriorityFeePerGas) maxPriorityFeePerGas = fees.maxPriorityFeePerGas;
      if (parameters.maxFeePerGas !== undefined && maxFeePerGas > parameters.maxFeePerGas) {
        if (old.maxFeePerGas >= parameters.maxFeePerGas) return tx;
        maxFeePerGas = parameters.maxFeePerGas;
      }
      if (maxPriorityFeePerGas > maxFeePerGas) maxPriorityFeePerGas = maxFeePerGas;
      const raw = await account.signTransaction({
        type: 'eip1559',
        chainId: chain.id,
        to: old.to ?? null,
        data: old.data,
        value: old.value ?? 0n,
        nonce: tx.nonce,
        gas: old.gas,
        maxFeePerGas,
        maxPriorityFeePerGas,
      } as Parameters<typeof account.signTransaction>[0]);
      const replacement = await insertTx(store, {
        purpose: tx.purpose,
        taskKey: tx.taskKey,
        sender: account.address,
        nonce: tx.nonce,
        hash: keccak256(raw),
        raw,
      });
      crashPoint('tx_bump_signed', [tx.taskKey]);
      notice(
        'warn',
        `Transaction ${tx.purpose} ${tx.hash} ${reason}: replaced by ${replacement.hash} (same nonce ${tx.nonce}, max fee ${maxFeePerGas} wei/gas, was ${old.maxFeePerGas}).`,
      );
      await broadcast(replacement).catch(() => {});
      return getTxById(store, replacement.id)!;
    });

  const send = async (p: SendParameters, again = false): Promise<TxRecord> => {
    const { tx, fresh } = await exclusive(() => signOrFind(p));
    if (!fresh) return tx;
    // Outside the lock: a synchronous broadcast may wait for a block, and other sends need not wait with it
    // (nonces are taken under the lock; a later nonce broadcast first just waits in the pool).
    if (!(sendSync && (await broadcastSync(tx)))) await broadcast(tx);
    crashPoint('tx_sent', [p.taskKey]);
    // Its fee refused (under the base fee: the shared fee read is older than a base-fee jump): replaced at once
    // with the fees of this moment (bump reads them afresh, for the next sends too), not after `bumpAfterMs`.
    if (feeRefused.delete(tx.hash) && !again) return bump(tx, 'was refused for its fee');
    // Its nonce refused as too low: another holder of the key used it between this send's read of the pending
    // count and its broadcast. Once provably taken, it is signed again at once with the chain's count (`wait` would
    // only find it dropped a second later and fail the step).
    if (nonceRefused.delete(tx.hash) && !again && (await isDropped(tx))) {
      updateTxStatus(store, tx.id, 'dropped', { error: 'its nonce was used by another transaction' });
      notice(
        'warn',
        `Transaction ${tx.purpose} ${tx.hash} lost its nonce to another transaction; signing it again.`,
      );
      return send(p, true);
    }
    return getTxById(store, tx.id)!;
  };

  /** Under the lock: the live transaction for (purpose, taskKey) rebroadcast, or a new one signed and stored. */
  const signOrFind = async (p: SendParameters): Promise<{ tx: TxRecord; fresh: boolean }> => {
    const latest = getLatestTx(store, p.purpose, p.taskKey ?? null);
    if (latest && (latest.status === 'signed' || latest.status === 'sent')) {
      if (await isDropped(latest)) {
        updateTxStatus(store, latest.id, 'dropped', { error: 'its nonce was used by another transaction' });
        notice(
          'warn',
          `Transaction ${latest.purpose} ${latest.hash} was dropped; signing it again with a new nonce.`,
        );
      } else {
        await broadcast(latest);
        return { tx: getTxById(store, latest.id)!, fresh: false };
      }
    } else if (latest && latest.status === 'mined') {
      return { tx: latest, fresh: false };
    }
    return { tx: await signNew(p), fresh: true };
  };

  /** A fixed-gas call that used (nearly) all its limit: estimated from then on (fixedGas). */
  const noteOutOfGas = (tx: TxRecord, receipt: TransactionReceipt) => {
    const sent = parseTransaction(tx.raw);
    const name = fixedGasCalls.get(sent.data?.slice(0, 10) ?? '');
    if (!name || sent.gas === undefined || sent.gas !== getFixedGasLimit(name)) return;
    if (!isOutOfGas(receipt.gasUsed, sent.gas)) return;
    outOfGas.add(name);
    notice(
      'warn',
      `${tx.purpose} ${tx.hash} ran out of its fixed gas limit (${sent.gas}): ${name} is estimated from now on.`,
    );
  };

  const wait = async (
    tx: TxRecord,
    options: { timeoutMs?: number; pollMs?: number } = {},
  ): Promise<TxOutcome> => {
    const deadline = Date.now() + (options.timeoutMs ?? 120_000);
    const pollMs = options.pollMs ?? receiptPollMs;
    let lastBroadcast = Date.now();
    // The nonce check costs a round trip or two: once a second is enough to notice a dropped transaction.
    let lastDropCheck = Date.now();
    let lastBumpTry = 0;
    let rechecked = false;
    for (;;) {
      // The transaction or any same-nonce replacement of it (a restart may have left several).
      const variants = listLiveVariants(store, account.address, tx.nonce).filter(
        (v) => v.purpose === tx.purpose && v.taskKey === tx.taskKey,
      );
      if (!variants.some((v) => v.id === tx.id)) variants.unshift(tx);
      for (const variant of variants) {
        const known = syncReceipts.get(variant.hash);
        syncReceipts.delete(variant.hash);
        const receipt =
          known ?? (await client.getTransactionReceipt({ hash: variant.hash }).catch(() => null));
        if (!receipt) continue;
        const status = receipt.status === 'success' ? 'mined' : 'reverted';
        if (status === 'reverted') noteOutOfGas(variant, receipt);
        updateTxStatus(store, variant.id, status, {
          blockNumber: Number(receipt.blockNumber),
          error: status === 'reverted' ? `reverted (gas used ${receipt.gasUsed})` : null,
        });
        for (const other of variants) {
          if (other.id !== variant.id)
            updateTxStatus(store, other.id, 'dropped', { error: `replaced: ${variant.hash} landed` });
        }
        return { tx: getTxById(store, variant.id)!, status, receipt };
      }
      const newest = variants[variants.length - 1]!;
      if (Date.now() - Math.max(newest.createdAt, lastBumpTry) > bumpAfterMs) {
        lastBumpTry = Date.now();
        await bump(newest);
        continue;
      }
      const checkDrop = Date.now() - lastDropCheck >= 1_000;
      if (checkDrop) lastDropCheck = Date.now();
      if (checkDrop && (await isDropped(tx))) {
        // A replacement may have landed between its receipt check and this one: look at them all once more.
        if (!rechecked) {
          rechecked = true;
          continue;
        }
        for (const other of variants)
          updateTxStatus(store, other.id, 'dropped', { error: 'its nonce was used by another transaction' });
        updateTxStatus(store, tx.id, 'dropped', { error: 'its nonce was used by another transaction' });
        throw new TransactionError(
          `Transaction ${tx.purpose} ${tx.hash} was dropped (nonce ${tx.nonce} used by another).`,
        );
      }
      if (Date.now() - lastBroadcast > 5_000) {
        await broadcast(newest).catch(() => {});
        lastBroadcast = Date.now();
      }
      if (Date.now() > deadline) {
        throw new TransactionError(
          `Transaction ${tx.purpose} ${tx.hash} not mined yet; it stays tracked and is re-checked.`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, pollMs));
    }
  };

  return {
    send,
    wait,
    async recover() {
      // A chain rewound while the node was down (the devnet's anvil killed and reloaded from its last save).
      const minedCount = await client.getTransactionCount({ address: account.address, blockTag: 'latest' });
      if (getHighestNonce(store, account.address) >= minedCount) await restoreRewound(minedCount);
      for (const tx of listPendingTxs(store, account.address)) {
        const receipt = await client.getTransactionReceipt({ hash: tx.hash }).catch(() => null);
        if (receipt) {
          updateTxStatus(store, tx.id, receipt.status === 'success' ? 'mined' : 'reverted', {
            blockNumber: Number(receipt.blockNumber),
          });
        } else if (await isDropped(tx)) {
          updateTxStatus(store, tx.id, 'dropped', { error: 'its nonce was used by another transaction' });
        } else {
          await broadcast(tx);
          notice('info', `Rebroadcast ${tx.purpose} ${tx.hash} (nonce ${tx.nonce}) after a restart.`);
        }
      }
    },
    async sendAndWait(p, options) {
      const tx = await send(p);
      const outcome = await wait(tx, options);
      if (outcome.status === 'reverted') {
        throw new TransactionError(
          `${p.purpose} reverted on chain (${tx.hash}, gas used ${outcome.receipt.gasUsed}).`,
        );
      }
      return outcome;
    },
  };
}
