import { taskManagerAbi } from '@verinet/protocol/chain/abis';
import {
  createFeeReader,
  type FeeReader,
  isFeeRefusal,
  joinFeeReader,
} from '@verinet/protocol/chain/createFeeReader';
import {
  getBatchingTransport,
  type HttpTransportFactory,
  isLoopbackRpc,
  viemHttpFactory,
} from '@verinet/protocol/chain/getBatchingTransport';
import {
  getCheckedGasLimit,
  getFixedGasLimit,
  isFixedGasChain,
} from '@verinet/protocol/chain/getFixedGasLimit';
import type { RelayRequestSigner } from '@verinet/protocol/relay';
import {
  type Account,
  type Address,
  type Chain,
  createPublicClient,
  createWalletClient,
  encodeFunctionData,
  type Hex,
  keccak256,
  type LocalAccount,
  type PublicClient,
  TransactionNotFoundError,
  type TransactionReceipt,
  type Transport,
  type WalletClient,
} from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { sendRawTransactionSync } from 'viem/actions';
import { ConfigurationError, ContractRevertedError } from '../errors/index.js';
import type { VerinetAccount, VerinetChain } from '../types.js';
import { getGasLimit, isOutOfGas } from './getGasLimit.js';
import { toSdkError } from './toSdkError.js';
import { hasRpcAnswered, trackRpcAnswers } from './trackRpcAnswers.js';

/** An RPC's answer that a transaction's nonce is used or pending (ours or another's). */
const nonceRefusal =
  /already known|already imported|known transaction|nonce too low|replacement transaction underpriced/i;

/** Signing attempts of one write whose nonce other transactions of the account keep taking. */
const maxNonceAttempts = 3;

/** Transactions whose signed bytes a client keeps to put them back after a rewind (≈ 1.4 KB per createTask: up to ≈ 1.4 MB per client). */
const keptNonces = 1024;

/** The nonce of a signed transaction went to another transaction of the account: sign again. */
class NonceTakenError extends Error {
  constructor(cause: unknown) {
    super('The nonce was taken by another transaction of this account.', { cause });
  }
}

/** The fee caps of one EIP-1559 transaction. */
type FeeCaps = { maxFeePerGas: bigint; maxPriorityFeePerGas: bigint };

type WriteRequest = { functionName: string; args: readonly unknown[]; value?: bigint | undefined };

export type ChainWrite = {
  functionName: string;
  args: readonly unknown[];
  value?: bigint | undefined;
};

export type ChainAccess = {
  chain: VerinetChain;
  viemChain: Chain;
  publicClient: PublicClient;
  address: Address;
  /** The account's private key when the app gave one (it is then the default VRF key). */
  privateKey: Hex | undefined;
  /** Signs relay requests (EIP-712). */
  relaySigner: RelayRequestSigner;
  /**
   * Sends a TaskManager transaction and waits for its receipt. Gas is estimated against the pending block and
   * given headroom (node selection draws at random, so its cost differs between estimate and inclusion), or on a
   * fixed-gas chain (`VerinetChain.fixedGas`) the call's fixed limit is checked by one eth_call; a revert
   * surfaces as ContractRevertedError with the decoded custom error.
   */
  write(request: ChainWrite): Promise<TransactionReceipt>;
  /**
   * Whether the chain's RPC answered this process yet (true with an app's own `transport`): a connection refused
   * before is not retried (withRetry).
   */
  hasAnswered(): boolean;
};

export function getViemChain(chain: VerinetChain): Chain {
  return {
    id: chain.id,
    name: `verinet-${chain.id}`,
    nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
    rpcUrls: { default: { http: [chain.rpcUrl] } },
  };
}

export function createChainAccess(parameters: {
  chain: VerinetChain;
  account: VerinetAccount;
  transport?: Transport | undefined;
  /** Makes the HTTP transports of `chain.rpcUrl` when no `transport` is given (default viem's `http`). */
  createHttp?: HttpTransportFactory | undefined;
  /** The local account of a private key (default viem's; a faster signer: SdkCurve). */
  privateKeyToAccount?: ((privateKey: Hex) => LocalAccount) | undefined;
  pollIntervalMs: number;
  /** Called when a write starts; the function it returns when it ended (with its receipt's block, if mined). */
  onWrite?: (() => ((blockNumber?: bigint) => void) | undefined) | undefined;
  /**
   * Whether the task of a createTask the chain went back under is still wanted (its record still open): its kept
   * bytes are broadcast again only then (paid again otherwise, e.g. after `verinet task drop`). Without it, or
   * when it says no, its nonce is filled with a no-op transfer to the account itself.
   */
  isTaskWanted?: ((taskKey: Hex) => boolean | Promise<boolean>) | undefined;
}): ChainAccess {
  const { chain } = parameters;
  const viemChain = getViemChain(chain);
  const createHttp = parameters.createHttp ?? viemHttpFactory;
  const transport =
    parameters.transport ??
    trackRpcAnswers(createHttp(chain.rpcUrl, { retryCount: 0, timeout: 20_000 }), chain.rpcUrl);
  /** Hands transactions over (never batched). */
  const sendClient = createPublicClient({
    chain: viemChain,
    transport,
    cacheTime: 0,
    pollingInterval: parameters.pollIntervalMs,
  }) as PublicClient;
  const publicClient =
    parameters.transport || !isLoopbackRpc(chain.rpcUrl)
      ? sendClient
      : (createPublicClient({
          chain: viemChain,
          // The reads of every client of the process share one JSON-RPC batch per timer tick (getBatchingTransport).
          transport: trackRpcAnswers(getBatchingTransport(chain.rpcUrl, 20_000, createHttp), chain.rpcUrl),
          cacheTime: 0,
          pollingInterval: parameters.pollIntervalMs,
        }) as PublicClient);

  let wallet: WalletClient;
  let account: Account;
  let privateKey: Hex | undefined;
  const given = parameters.account;
  if (typeof given === 'string') {
    if (!/^0x[0-9a-fA-F]{64}$/.test(given))
      throw new ConfigurationError(
        'account must be a 32-byte 0x private key, a viem account or { walletClient }.',
      );
    privateKey = given;
    account = (parameters.privateKeyToAccount ?? privateKeyToAccount)(given);
    wallet = createWalletClient({ account, chain: viemChain, transport });
  } else if ('walletClient' in given) {
    wallet = given.walletClient;
    if (!wallet.account)
      throw new ConfigurationError(
        'The walletClient has no account: create it with { account } (eth_requestAccounts).',
      );
    account = wallet.account;
  } else {
    account = given;
    wallet = createWalletClient({ account, chain: viemChain, transport });
  }
  const localSign = account.type === 'local' ? account.sign : undefined;
  const relaySigner: RelayRequestSigner = {
    address: account.address,
    signTypedData: (typed) =>
      wallet.signTypedData({ ...typed, account } as Parameters<typeof wallet.signTypedData>[0]),
    // A local key signs the request's digest as signRelayRequest computes it (the same signature, less CPU).
    sign: localSign && ((parameters) => localSign(parameters)),
  };

  // One transaction at a time per client, from signing until the RPC holds it: each takes its nonce from the
  // pending count, which only works when the previous one was accepted first (a later transaction signed before
  // an earlier one reached the RPC would wait in the pool behind a nonce gap).
  let queue: Promise<unknown> = Promise.resolve();
  let waiting = 0;
  const serial = <T>(run: () => Promise<T>): Promise<T> => {
    waiting++;
    const next = queue.then(run, run).finally(() => {
      waiting--;
    });
    queue = next.catch(() => undefined);
    return next;
  };

  // A local key signs here: the estimate (the revert pre-check; on a fixed-gas chain one eth_call with the call's
  // fixed limit) is read for each transaction; the nonce is kept
  // locally and the fees are read at most once a second for the whole process (see below), where viem's
  // writeContract reads all of them one after the other. The transaction goes out with
  // eth_sendRawTransactionSync, which answers with the receipt (no receipt polling) when no other write waits for
  // the queue (it holds the queue until mined); otherwise, or when the RPC lacks it, with eth_sendRawTransaction
  // and a receipt wait outside the queue. Other accounts (a browser wallet) go through viem.
  const local = account.type === 'local' ? account : undefined;
  // TaskManager calls with their fixed gas limit, checked by eth_call (VerinetChain.fixedGas; local keys only).
  const fixedGas = chain.fixedGas ?? isFixedGasChain(chain.id);
  // Until when a fixed limit refused for the balance (a fork with chain id 31337 and a small balance, or a value the
  // balance does not cover) is skipped: this client estimates meanwhile, and tries it again after 10 minutes, so a
  // topped-up balance gets its fixed limits back (review s15).
  let fixedGasShortOfFundsUntil = 0;
  let sendSync = true;
  // The next nonce this client hands out, once the RPC accepted the previous transaction; each send takes the
  // higher of it and the pending count (a load-balanced RPC's pending count may lag our own sends: the local count
  // does not; another process on this account is in the pending count). Cleared by any refused send.
  let nextNonce: number | undefined;
  // The signed bytes of the transactions the RPC accepted from this client, by nonce (the latest `keptNonces`), and
  // one above the highest of them. A pending count below that one means the chain went back under them (a devnet's
  // anvil reloaded from an older save, a deep reorg): neither a block nor the pool holds them any more, and a new
  // transaction above them would wait in the pool for ever behind the gap (review s12). They are put back first,
  // in nonce order, as the node's sender does (createTxSender's restoreRewound).
  // createTask bytes carry their task key: they are put back only while the task is still wanted (isTaskWanted).
  const kept = new Map<number, { raw: Hex; taskKey: Hex | undefined }>();
  let acceptedUpTo = 0;
  // One above the highest nonce of this client's transactions seen mined (their receipts): a mined count below it
  // is what tells a rewind from a lagging pending count.
  let minedUpTo = 0;
  // One fee read per second for every client of the process on this RPC (createFeeReader: 2 × base fee + tip;
  // a refusal for a low fee refreshes it and the transaction is signed once more).
  const fees: FeeReader =
    parameters.transport === undefined
      ? joinFeeReader(`${chain.id}|${chain.rpcUrl}`, publicClient)
      : createFeeReader({ publicClient });

  /**
   * Whether the chain (pool or a block) holds `raw` itself. An RPC error propagates: answering "no" on a lost
   * answer would re-sign a transaction that may be in the pool, and both could be mined (a task paid twice).
   */
  const holds = async (raw: Hex): Promise<boolean> => {
    try {
      await sendClient.getTransaction({ hash: keccak256(raw) });
      return true;
    } catch (error) {
      if (error instanceof TransactionNotFoundError) return false;
      throw error;
    }
  };

  /**
   * Hands `raw` to the RPC; answers with its receipt when the synchronous send got it, undefined when the RPC
   * holds it. Throws NonceTakenError when its nonce went to another transaction (a parallel process on the same
   * account) so that the caller signs again with a fresh nonce.
   */
  const accept = async (raw: Hex): Promise<TransactionReceipt | undefined> => {
    const refused = async (error: unknown): Promise<undefined> => {
      const text = error instanceof Error ? error.message : String(error);
      if (!nonceRefusal.test(text)) throw error;
      // "already known" / "nonce too low" is ours only when the chain has these very bytes (a timed-out
      // synchronous send got them there); otherwise another transaction took the nonce and no receipt will come.
      if (await holds(raw)) return undefined;
      throw new NonceTakenError(error);
    };
    if (sendSync && waiting === 1) {
      try {
        return await sendRawTransactionSync(sendClient, { serializedTransaction: raw });
      } catch (error) {
        const code =
          (error as { code?: unknown }).code ?? (error as { cause?: { code?: unknown } }).cause?.code;
        const text = error instanceof Error ? error.message : String(error);
        if (
          code === -32601 ||
          /method not found|not supported|does not exist|unsupported|unknown method/i.test(text)
        )
          sendSync = false;
        else if (!/timeout|timed out|took too long/i.test(text)) return refused(error);
        // Not mined within the RPC's wait, or no such method: the same bytes are handed over the plain way.
      }
    }
    try {
      await sendClient.sendRawTransaction({ serializedTransaction: raw });
    } catch (error) {
      return refused(error);
    }
    return undefined;
  };

  /**
   * Puts back the kept transactions of nonces `pending` and up that the chain lost (see `kept`), the same signed
   * bytes, in nonce order; answers the nonce the next transaction takes. Nothing is signed twice, so each lost
   * transaction lands again or fails as the rewound chain now decides, and none lands next to another transaction
   * signed for its nonce. A nonce whose bytes are no longer kept (or that the RPC refuses for its fee or the
   * account's funds, and does not hold) ends the run and is the nonce returned: the pending count says neither the pool nor a block
   * holds a transaction of it, so the one signed for it now makes the lost one invalid for good (they cannot both
   * land) instead of leaving a gap. A nonce the RPC calls used (another holder of the key took it, or these very
   * bytes are already back) is skipped: it is not free. A createTask whose task is no longer wanted
   * (`isTaskWanted`) is not broadcast again: a no-op transfer to the account itself takes its nonce.
   */
  const restoreRewound = async (pending: number, fee: FeeCaps): Promise<number> => {
    // Never below the first nonce this client signed: a nonce it did not sign is not its to fill.
    let nonce = Math.max(pending, Math.min(acceptedUpTo, ...kept.keys()));
    for (; nonce < acceptedUpTo; nonce++) {
      const entry = kept.get(nonce);
      if (entry === undefined) break;
      const { raw } = entry;
      try {
        const wanted =
          entry.taskKey === undefined ||
          (await Promise.resolve(parameters.isTaskWanted?.(entry.taskKey)).catch(() => false)) === true;
        // A createTask no longer wanted is not paid again: a transfer of nothing to the account itself takes its
        // nonce (no gap for the transactions above it).
        const bytes = wanted ? raw : await signFiller(nonce, fee);
        await sendClient.sendRawTransaction({ serializedTransaction: bytes });
      } catch (error) {
        const text = error instanceof Error ? error.message : String(error);
        if (nonceRefusal.test(text)) continue;
        // Refused, yet the RPC holds these bytes (a load-balanced RPC whose pending count lagged): not lost.
        if (await holds(raw)) continue;
        if (isFeeRefusal(error) || /insufficient funds/i.test(text)) break;
        throw error;
      }
    }
    nextNonce = undefined;
    return nonce;
  };

  /** A no-op transaction for `nonce`: nothing sent to the account itself. */
  const signFiller = async (nonce: number, fee: FeeCaps): Promise<Hex> => {
    if (!local) throw new ConfigurationError('No local key to sign with.');
    return local.signTransaction({
      type: 'eip1559',
      chainId: chain.id,
      to: account.address,
      value: 0n,
      nonce,
      gas: 21_000n,
      maxFeePerGas: fee.maxFeePerGas,
      maxPriorityFeePerGas: fee.maxPriorityFeePerGas,
    });
  };

  /** The TaskManager call both send paths estimate and send. */
  const toCall = (request: WriteRequest) =>
    ({
      address: chain.contracts.taskManager,
      abi: taskManagerAbi,
      functionName: request.functionName,
      args: request.args,
      value: request.value,
      account,
    }) as const;

  const sendLocal = async (
    request: WriteRequest,
    full: boolean,
  ): Promise<{ receipt: TransactionReceipt; gas: bigint }> => {
    if (!local) throw new ConfigurationError('No local key to sign with.');
    const call = toCall(request);
    // A first attempt on a fixed-gas chain: the call's fixed limit, checked by one eth_call (the revert pre-check
    // the estimate was); a retry after running out of gas estimates (`full`).
    // The eth_call carries the fees the transaction is signed with, so the RPC checks the balance covers the limit:
    // one it does not is estimated instead (getCheckedGasLimit).
    const fixedLimit =
      fixedGas && !full && Date.now() >= fixedGasShortOfFundsUntil
        ? getFixedGasLimit(request.functionName)
        : undefined;
    const data = encodeFunctionData({
      abi: taskManagerAbi,
      functionName: request.functionName,
      args: request.args,
    } as never);
    const check = async (fee: { maxFeePerGas: bigint; maxPriorityFeePerGas: bigint }) => {
      const checked = await getCheckedGasLimit({
        fixedLimit,
        call: (gas) =>
          publicClient.call({
            account,
            to: chain.contracts.taskManager,
            data,
            value: request.value,
            gas,
            maxFeePerGas: fee.maxFeePerGas,
            maxPriorityFeePerGas: fee.maxPriorityFeePerGas,
            blockTag: 'pending',
          }),
        estimate: () => publicClient.estimateContractGas({ ...call, blockTag: 'pending' } as never),
      });
      if (checked.kind === 'fixed') return checked;
      if (checked.fundsShort) fixedGasShortOfFundsUntil = Date.now() + 600_000;
      return {
        kind: 'estimate' as const,
        gas: getGasLimit(request.functionName, checked.estimate, { full }),
      };
    };
    let gas = 0n;
    let sent: { raw: Hex; nonce: number; receipt: TransactionReceipt | undefined };
    try {
      sent = await serial(async () => {
        let feeRefreshed = false;
        let restored = false;
        for (let attempt = 1; ; attempt++) {
          // The pending count at every send (with the estimate: one round trip), not the kept nonce alone: another
          // process with this key (a second `verinet task run` on the devnet's default account) may have a
          // transaction in the pool, which a kept nonce would replace (review s12).
          const feeRead = fees.read();
          const [estimated, pendingNonce, fee] = await Promise.all([
            feeRead.then(check).then(
              (value) => ({ value }),
              (error: unknown) => ({ error }),
            ),
            publicClient.getTransactionCount({ address: account.address, blockTag: 'pending' }),
            feeRead,
          ]);
          let nonce = Math.max(pendingNonce, nextNonce ?? 0);
          // A pending count below our sends is a rewind only when the mined count is below what this client saw
          // mined too: a load-balanced RPC's pending count may lag (a replica behind our sends, or behind another
          // process's transaction on this key), and then our own count stands (review s13).
          const rewound =
            pendingNonce < acceptedUpTo &&
            (await publicClient.getTransactionCount({ address: account.address, blockTag: 'latest' })) <
              minedUpTo;
          if (rewound) {
            // The chain lost transactions this client sent: they go back first (restoreRewound); an estimate that
            // failed may have depended on them (a validation after its createTask), so it is read once more.
            nonce = await restoreRewound(pendingNonce, fee);
            if ('error' in estimated && !restored) {
              restored = true;
              attempt--;
              continue;
            }
          }
          if ('error' in estimated) throw estimated.error;
          gas = estimated.value.gas;
          const raw = await local.signTransaction({
            type: 'eip1559',
            chainId: chain.id,
            to: chain.contracts.taskManager,
            data,
            value: request.value ?? 0n,
            nonce,
            gas,
            maxFeePerGas: fee.maxFeePerGas,
            maxPriorityFeePerGas: fee.maxPriorityFeePerGas,
          });
          try {
            const receipt = await accept(raw);
            nextNonce = nonce + 1;
            // Kept for restoreRewound; one signed for a nonce makes the older bytes kept above it stale.
            for (let above = nonce; above < acceptedUpTo; above++) kept.delete(above);
            kept.set(nonce, {
              raw,
              taskKey:
                request.functionName === 'createTask'
                  ? (request.args[0] as { taskIdCommitment?: Hex } | undefined)?.taskIdCommitment
                  : undefined,
            });
            acceptedUpTo = nonce + 1;
            if (kept.size > keptNonces) kept.delete(kept.keys().next().value as number);
            return { raw, nonce, receipt };
          } catch (error) {
            // The RPC may not hold it: the next transaction takes its nonce from the chain again.
            nextNonce = undefined;
            // A nonce another process took: sign again with the pending count, a few times at most (a busy
            // account's parallel senders may take the next ones too); then the caller's retry takes over.
            if (error instanceof NonceTakenError && attempt < maxNonceAttempts) continue;
            // A fee cap under the base fee (it grew faster than the cap's room since the cached read): read the
            // fees again and sign once more (the refused transaction is not in the pool).
            if (!(error instanceof NonceTakenError) && !feeRefreshed && isFeeRefusal(error)) {
              feeRefreshed = true;
              fees.refresh();
              continue;
            }
            throw error instanceof NonceTakenError ? error.cause : error;
          }
        }
      });
    } catch (error) {
      throw toSdkError(error, request.functionName, account.address);
    }
    try {
      const receipt =
        sent.receipt ??
        (await publicClient.waitForTransactionReceipt({
          hash: keccak256(sent.raw),
          pollingInterval: parameters.pollIntervalMs,
        }));
      minedUpTo = Math.max(minedUpTo, sent.nonce + 1);
      return { receipt, gas };
    } catch (error) {
      throw toSdkError(error, request.functionName, account.address);
    }
  };

  const sendWithWallet = async (
    request: WriteRequest,
    full: boolean,
  ): Promise<{ receipt: TransactionReceipt; gas: bigint }> => {
    const call = toCall(request);
    let hash: Hex;
    let gas = 0n;
    try {
      hash = await serial(async () => {
        const estimate = await publicClient.estimateContractGas({ ...call, blockTag: 'pending' } as never);
        gas = getGasLimit(request.functionName, estimate, { full });
        return wallet.writeContract({ ...call, chain: wallet.chain ?? viemChain, gas } as never);
      });
    } catch (error) {
      throw toSdkError(error, request.functionName, account.address);
    }
    try {
      const receipt = await publicClient.waitForTransactionReceipt({
        hash,
        pollingInterval: parameters.pollIntervalMs,
      });
      return { receipt, gas };
    } catch (error) {
      throw toSdkError(error, request.functionName, account.address);
    }
  };

  const write = async (request: ChainWrite): Promise<TransactionReceipt> => {
    const ended = parameters.onWrite?.();
    let blockNumber: bigint | undefined;
    try {
      const receipt = await writeOnce(request);
      blockNumber = receipt.blockNumber;
      return receipt;
    } finally {
      ended?.(blockNumber);
    }
  };

  const writeOnce = async ({ functionName, args, value }: ChainWrite): Promise<TransactionReceipt> => {
    // A call that ran out of gas settling more draws than estimated (a revert that changed nothing) is sent
    // once more with room for every draw it may settle.
    for (let full = false; ; full = true) {
      const { receipt, gas } = await (local ? sendLocal : sendWithWallet)(
        { functionName, args, value },
        full,
      );
      if (receipt.status === 'success') return receipt;
      if (!full && isOutOfGas(receipt.gasUsed, gas)) continue;
      // Replay the call at its block to learn why (the estimate passed against the pending block).
      try {
        await publicClient.simulateContract({
          address: chain.contracts.taskManager,
          abi: taskManagerAbi,
          functionName,
          args,
          value,
          account,
          blockNumber: receipt.blockNumber,
        } as never);
      } catch (error) {
        throw toSdkError(error, functionName, account.address);
      }
      throw new ContractRevertedError({
        functionName,
        errorName: 'Reverted',
        args: [receipt.transactionHash],
      });
    }
  };

  const hasAnswered = () => parameters.transport !== undefined || hasRpcAnswered(chain.rpcUrl);
  return {
    chain,
    viemChain,
    publicClient,
    address: account.address,
    privateKey,
    relaySigner,
    write,
    hasAnswered,
  };
}
