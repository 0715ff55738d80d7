import type { PublicClient } from 'viem';
import { someCause } from '../errors/someCause.js';

export type TransactionFees = { maxFeePerGas: bigint; maxPriorityFeePerGas: bigint };

export type FeeReader = {
  /**
   * The fees to sign with: read at most `maxAgeMs` ago (the reader's, or this call's: 0 reads now, as a sender
   * replacing an outbid transaction does), one read shared by the sends meanwhile.
   */
  read: (options?: { maxAgeMs?: number | undefined }) => Promise<TransactionFees>;
  /** Drops the cached fees: the next `read` asks the chain (after an RPC refused a fee as too low). */
  refresh: () => void;
};

/** How long one fee read serves the sends of a process (default): about one block of a public chain. */
export const defaultFeeMaxAgeMs = 1_000;

/**
 * The fees of an EIP-1559 transaction from the head block's base fee and the RPC's suggested tip:
 * `maxFeePerGas = 2 × baseFee + tip` (ethers' choice; viem's default is 1.2 × baseFee). The base fee grows by
 * at most 12.5 % per block, so 2 × survives five full blocks in a row (1.125^5 ≈ 1.80): a fee read up to
 * `maxAgeMs` old still lands. Only the base fee actually due is burnt (plus the tip): a higher cap costs nothing.
 */
export function getTransactionFees(baseFeePerGas: bigint, priorityFeePerGas: bigint): TransactionFees {
  return { maxFeePerGas: 2n * baseFeePerGas + priorityFeePerGas, maxPriorityFeePerGas: priorityFeePerGas };
}

/**
 * Whether `error` (or one of its causes) is an RPC's refusal of a transaction whose fee cap is below the block's
 * base fee or the pool's floor, in the node's words or viem's (FeeCapTooLowError).
 */
export function isFeeRefusal(error: unknown): boolean {
  return someCause(error, (cause) => {
    const text = cause instanceof Error ? `${cause.name} ${cause.message}` : String(cause);
    // "replacement transaction underpriced" is a nonce answer (the nonce is in use), not a fee one.
    return /FeeCapTooLow|fee cap less than block base fee|max fee per gas less than block base fee|cannot be lower than the block base fee|(?<!replacement )transaction underpriced|fee ?cap too low/i.test(
      text,
    );
  });
}

/**
 * Reads the fees of a transaction (`eth_getBlockByNumber('latest')` for the base fee and
 * `eth_maxPriorityFeePerGas`, in one batch where the transport batches) at most once per `maxAgeMs`, where a
 * read per transaction cost two calls each. A stale value is bounded by `maxAgeMs` and covered by the
 * 2 × base fee cap (getTransactionFees); an RPC that still refuses the fee (isFeeRefusal) makes the sender
 * `refresh` and send once more. A failed read is not kept.
 *
 * @example
 * const fees = createFeeReader({ publicClient });
 * const { maxFeePerGas, maxPriorityFeePerGas } = await fees.read();
 */
export function createFeeReader(parameters: {
  publicClient: PublicClient;
  maxAgeMs?: number | undefined;
}): FeeReader {
  const { publicClient } = parameters;
  const maxAgeMs = parameters.maxAgeMs ?? defaultFeeMaxAgeMs;
  let cached: { at: number; fees: Promise<TransactionFees> } | undefined;
  return {
    read(options = {}) {
      if (cached && Date.now() - cached.at < (options.maxAgeMs ?? maxAgeMs)) return cached.fees;
      const fees = Promise.all([
        publicClient.getBlock({ blockTag: 'latest' }),
        // viem's: eth_maxPriorityFeePerGas, or gas price minus base fee where an RPC lacks that method.
        publicClient.estimateMaxPriorityFeePerGas(),
      ]).then(([block, tip]) => {
        if (block.baseFeePerGas === null || block.baseFeePerGas === undefined)
          throw new Error('The chain has no base fee (not EIP-1559): Verinet signs EIP-1559 transactions.');
        return getTransactionFees(block.baseFeePerGas, tip);
      });
      const entry = { at: Date.now(), fees };
      cached = entry;
      fees.catch(() => {
        if (cached === entry) cached = undefined;
      });
      return fees;
    },
    refresh() {
      cached = undefined;
    },
  };
}

/**
 * Fee readers shared by the senders of one process, by chain and RPC URL (the devnet's 20 node daemons, or 20 apps
 * in one process: one read).
 */
const shared = new Map<string, FeeReader>();

/**
 * The process's fee reader for `key` (chain id and RPC URL), created at first use with `publicClient`.
 *
 * @example
 * const fees = joinFeeReader(`${chain.id}|${chain.rpcUrl}`, publicClient);
 */
export function joinFeeReader(key: string, publicClient: PublicClient): FeeReader {
  let reader = shared.get(key);
  if (!reader) {
    reader = createFeeReader({ publicClient });
    shared.set(key, reader);
  }
  return reader;
}
