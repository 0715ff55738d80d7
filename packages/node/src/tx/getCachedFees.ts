import type { PublicClient } from 'viem';

export type Fees = { maxFeePerGas: bigint; maxPriorityFeePerGas: bigint };

export type GetCachedFeesParameters = {
  client: PublicClient;
  /** Which chain and RPC the fees are of (senders with the same key share one read). */
  key: string;
  /** How long a read serves (0: read every time). */
  maxAgeMs: number;
};

type Entry = { at: number; fees: Promise<Fees> };

/** One entry per chain and RPC in the process (the devnet's 20 daemons send on one chain through one RPC). */
const cache = new Map<string, Entry>();

/**
 * The fees of a new transaction: the tip the RPC suggests (`eth_maxPriorityFeePerGas`) and a max fee of twice the
 * latest block's base fee plus that tip (what ethers bids). The base fee rises by at most 12.5 % per block
 * (EIP-1559), so twice it stays above the base fee for at least five full blocks: a read `maxAgeMs` old (1 s by
 * default, under five blocks on any chain we run on) still bids enough, and a transaction outbid anyway (a fee
 * spike) waits in the pool until the sender's bump replaces it with the fees of the moment. Only the max fee is
 * a bid; the chain charges base fee plus tip. Concurrent callers share the read in flight; a failed read is not
 * kept.
 *
 * @example
 * const fees = await getCachedFees({ client, key: `${chain.id}|${rpcUrl}`, maxAgeMs: 1_000 });
 */
export function getCachedFees(parameters: GetCachedFeesParameters): Promise<Fees> {
  const { client, key, maxAgeMs } = parameters;
  const now = Date.now();
  const kept = cache.get(key);
  if (kept && now - kept.at < maxAgeMs) return kept.fees;
  const fees = readFees(client);
  cache.set(key, { at: now, fees });
  fees.catch(() => {
    if (cache.get(key)?.fees === fees) cache.delete(key);
  });
  return fees;
}

async function readFees(client: PublicClient): Promise<Fees> {
  const [block, tip] = await Promise.all([
    client.getBlock({ blockTag: 'latest' }),
    client.estimateMaxPriorityFeePerGas(),
  ]);
  const baseFee = block.baseFeePerGas ?? 0n;
  return { maxFeePerGas: baseFee * 2n + tip, maxPriorityFeePerGas: tip };
}
