import { taskManagerAbi } from '@verinet/protocol/chain';
import { chooseDefaultFee } from '@verinet/sdk';
import { type Address, createPublicClient, http } from 'viem';

/** The fee a job pays per on-chain task, in wei, by task type. */
export type FeeSource = (type: 'sd' | 'llm') => Promise<bigint>;

const cacheMs = 10_000;

/**
 * The bridge's fee per task type: `fees.<type>` when configured, else the SDK's default-fee rule (its
 * `chooseDefaultFee`, docs/sdk.md "Fees"): the chain's `goingPrice()` clamped to [`minFee`, 10 × `minFee`],
 * read at most every 10 s. The fee is chosen when the job is created, reserved against the key's spend limit,
 * and the job pays exactly it: one rule for the CLI, the SDK and the bridge on one network.
 *
 * @example
 * const feeFor = createFeeSource({ configured: {}, rpcUrl, taskManager });
 * await feeFor('sd'); // 1000000000n on a new devnet (goingPrice 0, minFee 1 gwei)
 */
export function createFeeSource(parameters: {
  configured: { sd?: bigint | undefined; llm?: bigint | undefined };
  rpcUrl: string;
  taskManager: Address;
}): FeeSource {
  const client = createPublicClient({ transport: http(parameters.rpcUrl, { retryCount: 1 }) });
  let cached: { at: number; fee: Promise<bigint> } | undefined;
  const readDefault = (): Promise<bigint> => {
    if (cached && Date.now() - cached.at < cacheMs) return cached.fee;
    const read = (functionName: 'goingPrice' | 'minFee') =>
      client.readContract({
        address: parameters.taskManager,
        abi: taskManagerAbi,
        functionName,
      }) as Promise<bigint>;
    const fee = Promise.all([read('goingPrice'), read('minFee')]).then(([goingPrice, minFee]) =>
      chooseDefaultFee({ goingPrice, minFee, maxDefaultFee: undefined }),
    );
    cached = { at: Date.now(), fee };
    fee.catch(() => {
      cached = undefined;
    });
    return fee;
  };
  return async (type) => parameters.configured[type] ?? readDefault();
}
