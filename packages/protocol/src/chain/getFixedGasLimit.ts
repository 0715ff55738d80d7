import { someCause } from '../errors/someCause.js';

/**
 * Gas of a TaskManager call itself, draws apart (intrinsic gas and calldata included), with headroom over what it
 * uses: the calls have no loop over anything that grows (nodes, tasks), so their cost is bounded.
 * `fixedGasLimits.test.ts` (packages/sdk) runs each on anvil and fails when one uses more than 80 % of its
 * limit (its own gas plus the draws it settled), so that a contract change cannot silently make a limit short.
 * Measured (contracts/snapshots/TaskManagerGas.json, transaction gas): createTask ≈ 121k, settleDraws ≈ 110k
 * with one draw, submitScore ≈ 67k, validateSingleTask ≈ 94k, validateTaskGroup ≈ 308k.
 */
export const taskManagerCallGas: Readonly<Record<string, bigint>> = {
  createTask: 250_000n,
  settleDraws: 100_000n,
  submitScore: 200_000n,
  validateSingleTask: 200_000n,
  validateTaskGroup: 600_000n,
};

/** Most draws one call settles: createTask MAX_DRAWS_PER_CREATE, the others MAX_PENDING_DRAWS (all pending). */
const maxDrawsSettledBy: Readonly<Record<string, bigint>> = {
  createTask: 2n,
  settleDraws: 32n,
  submitScore: 32n,
  validateSingleTask: 32n,
  validateTaskGroup: 32n,
};

/**
 * Gas of one draw in the worst case, with margin: a draw whose tries all miss and that queues cost 100–105k in
 * forge (32 at once, 3 / 8 / 200 nodes; review s7); forge counts some reads warm, hence 130k (as the SDK's
 * getGasLimit and the node's SETTLE_ALL_EXTRA_GAS).
 */
export const gasPerSettledDraw = 130_000n;

/**
 * Chains whose gas is the EVM's execution gas alone (no L1 data fee folded into it, as on rollups) and where a
 * transaction's limit reserves nothing others need: the local development chains (anvil, hardhat: chain id
 * 31337, one block per transaction in the devnet). Elsewhere the limit is estimated unless the chain says
 * otherwise (a limit of all 32 draws reserves ≈ 4.4M gas of a block and of the sender's balance at the fee cap).
 */
const fixedGasChainIds = new Set([31_337]);

/** Whether TaskManager calls on chain `chainId` take their fixed limit by default (see fixedGasChainIds). */
export const isFixedGasChain = (chainId: number): boolean => fixedGasChainIds.has(chainId);

/**
 * The fixed gas limit of a TaskManager call: its own gas (taskManagerCallGas) plus every draw it may settle, or
 * undefined for a call without one (its limit is estimated). A sender using it checks the call with `eth_call`
 * against the pending block instead of `eth_estimateGas` (one execution instead of a search over several: anvil
 * runs the call each time), and falls back to an estimate when a transaction runs out of gas all the same.
 *
 * @example
 * getFixedGasLimit('validateSingleTask') // 4,360,000n
 */
export function getFixedGasLimit(functionName: string): bigint | undefined {
  const own = taskManagerCallGas[functionName];
  const draws = maxDrawsSettledBy[functionName];
  if (own === undefined || draws === undefined) return undefined;
  return own + draws * gasPerSettledDraw;
}

/**
 * The limit a call would have needed to keep its 80 % margin had it met only the draws it settled: its own gas
 * plus those draws (fixedGasLimits.test.ts compares the gas used with 80 % of it).
 */
export function getFixedGasFor(functionName: string, drawsSettled: number): bigint | undefined {
  const own = taskManagerCallGas[functionName];
  if (own === undefined) return undefined;
  return own + BigInt(drawsSettled) * gasPerSettledDraw;
}

/** Whether a reverted transaction ran out of gas (used all but a sliver of its limit) rather than failing a check. */
export function isOutOfGas(gasUsed: bigint, gasLimit: bigint): boolean {
  return gasUsed * 100n >= gasLimit * 98n;
}

/**
 * Whether an RPC refused a call or transaction because the sender's balance does not cover gas × fee + value
 * ("insufficient funds for gas * price + value": geth, anvil, hardhat), looked for through the error's causes.
 */
export function isInsufficientFundsError(error: unknown): boolean {
  return someCause(error, (cause) => {
    const { name, message, details } = cause as { name?: unknown; message?: unknown; details?: unknown };
    return (
      name === 'InsufficientFundsError' ||
      /insufficient funds/i.test(`${String(message ?? '')} ${String(details ?? '')}`)
    );
  });
}

/**
 * Whether an RPC's `eth_call` (or estimate) failed because the call ran out of the gas it was given ("EVM error
 * OutOfGas": anvil; "out of gas": geth, hardhat), looked for through the error's causes. A revert is not.
 */
export function isCallOutOfGasError(error: unknown): boolean {
  return someCause(error, (cause) => {
    const { message, details } = cause as { message?: unknown; details?: unknown };
    return /out ?of ?gas/i.test(`${String(message ?? '')} ${String(details ?? '')}`);
  });
}

export type GetCheckedGasLimitParameters = {
  /** The call's fixed limit (getFixedGasLimit), or undefined to estimate. */
  fixedLimit: bigint | undefined;
  /**
   * `eth_call` of the transaction against the pending block with `gas` and the fees it will be signed with: the
   * revert check, and the RPC checks that the balance covers gas × fee + value.
   */
  call: (gas: bigint) => Promise<unknown>;
  /** `eth_estimateGas` of the transaction against the pending block. */
  estimate: () => Promise<bigint>;
};

export type GetCheckedGasLimitReturnType =
  | { kind: 'fixed'; gas: bigint }
  /**
   * `fundsShort`: the fixed limit was refused for the balance (the caller may skip it for a while); `outOfGas`: the
   * call needed more than its fixed limit (the caller may estimate this function from then on).
   */
  | { kind: 'estimate'; estimate: bigint; fundsShort: boolean; outOfGas?: boolean };

/**
 * The gas of a TaskManager transaction the SDK and the node send: its fixed limit checked by one `eth_call`
 * against the pending block (one execution; anvil runs an estimate's call several times), else an estimate.
 * A fixed limit the sender's balance does not cover at the fee it signs with (a mainnet fork with chain id 31337
 * and a small balance: the limit reserves room for 32 draws, several million gas) falls back to the estimate,
 * which the real use fits, and so does a call that runs out of its fixed limit in the `eth_call`. A call that
 * reverts throws as the RPC said.
 *
 * @example
 * const checked = await getCheckedGasLimit({ fixedLimit: getFixedGasLimit('submitScore'), call, estimate });
 */
export async function getCheckedGasLimit(
  parameters: GetCheckedGasLimitParameters,
): Promise<GetCheckedGasLimitReturnType> {
  const { fixedLimit } = parameters;
  if (fixedLimit !== undefined) {
    try {
      await parameters.call(fixedLimit);
      return { kind: 'fixed', gas: fixedLimit };
    } catch (error) {
      // The call needs more than its fixed limit (more draws to settle than the limit allows for, or a contract
      // that changed): this transaction is sent with an estimate, as one whose receipt ran out of gas would be.
      if (isCallOutOfGasError(error))
        return { kind: 'estimate', estimate: await parameters.estimate(), fundsShort: false, outOfGas: true };
      if (!isInsufficientFundsError(error)) throw error;
      return { kind: 'estimate', estimate: await parameters.estimate(), fundsShort: true };
    }
  }
  return { kind: 'estimate', estimate: await parameters.estimate(), fundsShort: false };
}
