import { taskManagerAbi } from '@verinet/protocol/chain/abis';
import type { RelayRequestSigner } from '@verinet/protocol/relay';
import {
  type Account,
  type Address,
  type Chain,
  createPublicClient,
  createWalletClient,
  type Hex,
  http,
  type PublicClient,
  type TransactionReceipt,
  type Transport,
  type WalletClient,
} from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { ConfigurationError, ContractRevertedError } from '../errors/index.js';
import type { VerinetAccount, VerinetChain } from '../types.js';
import { getGasLimit, isOutOfGas } from './getGasLimit.js';
import { toSdkError } from './toSdkError.js';

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
   * given headroom (node selection draws at random, so its cost differs between estimate and inclusion); a
   * revert surfaces as ContractRevertedError with the decoded custom error.
   */
  write(request: ChainWrite): Promise<TransactionReceipt>;
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
  pollIntervalMs: number;
}): ChainAccess {
  const { chain } = parameters;
  const viemChain = getViemChain(chain);
  const transport = parameters.transport ?? http(chain.rpcUrl, { retryCount: 0, timeout: 20_000 });
  const publicClient = createPublicClient({
    chain: viemChain,
    transport,
    cacheTime: 0,
    pollingInterval: parameters.pollIntervalMs,
  }) as PublicClient;

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
    account = privateKeyToAccount(given);
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
  const relaySigner: RelayRequestSigner = {
    address: account.address,
    signTypedData: (typed) =>
      wallet.signTypedData({ ...typed, account } as Parameters<typeof wallet.signTypedData>[0]),
  };

  // One transaction at a time per client: each takes its nonce from the pending count, which only works when
  // the previous one was handed to the RPC first.
  let queue: Promise<unknown> = Promise.resolve();
  const serial = <T>(run: () => Promise<T>): Promise<T> => {
    const next = queue.then(run, run);
    queue = next.catch(() => undefined);
    return next;
  };

  const write = async ({ functionName, args, value }: ChainWrite): Promise<TransactionReceipt> => {
    const request = {
      address: chain.contracts.taskManager,
      abi: taskManagerAbi,
      functionName,
      args,
      value,
      account,
    } as const;
    // A call that ran out of gas settling more draws than estimated (a revert that changed nothing) is sent
    // once more with room for every draw it may settle.
    for (let full = false; ; full = true) {
      let hash: Hex;
      let gas = 0n;
      try {
        hash = await serial(async () => {
          const estimate = await publicClient.estimateContractGas({
            ...request,
            blockTag: 'pending',
          } as never);
          gas = getGasLimit(functionName, estimate, { full });
          return wallet.writeContract({ ...request, chain: wallet.chain ?? viemChain, gas } as never);
        });
      } catch (error) {
        throw toSdkError(error, functionName, account.address);
      }
      let receipt: TransactionReceipt;
      try {
        receipt = await publicClient.waitForTransactionReceipt({
          hash,
          pollingInterval: parameters.pollIntervalMs,
        });
      } catch (error) {
        throw toSdkError(error, functionName, account.address);
      }
      if (receipt.status === 'success') return receipt;
      if (!full && isOutOfGas(receipt.gasUsed, gas)) continue;
      // Replay the call at its block to learn why (the estimate passed against the pending block).
      try {
        await publicClient.simulateContract({ ...request, blockNumber: receipt.blockNumber } as never);
      } catch (error) {
        throw toSdkError(error, functionName, account.address);
      }
      throw new ContractRevertedError({ functionName, errorName: 'Reverted', args: [hash] });
    }
  };

  return { chain, viemChain, publicClient, address: account.address, privateKey, relaySigner, write };
}
