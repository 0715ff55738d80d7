/** Most draws one transaction settles (TaskManager.MAX_PENDING_DRAWS; createTask: MAX_DRAWS_PER_CREATE). */
const maxPendingDraws = 32n;
const drawsSettledBy: Record<string, bigint> = {
  createTask: 2n,
  settleDraws: maxPendingDraws,
  validateSingleTask: maxPendingDraws,
  validateTaskGroup: maxPendingDraws,
  abortTask: maxPendingDraws,
  finalizeTask: maxPendingDraws,
  dispatchQueued: maxPendingDraws,
  dispatchQueuedDeep: maxPendingDraws,
  // Node calls (the SDK never sends them; the chain-ceiling bench sends them as a node would).
  submitScore: maxPendingDraws,
  reportTaskError: maxPendingDraws,
};
/** Gas of one draw, with margin: ~69k measured (bench:gas, 10 nodes); a DrawExpired draw also pays the pool. */
const gasPerDraw = 90_000n;

/**
 * The gas limit of a TaskManager transaction from its estimate. Most calls first settle every pending draw (F1),
 * and the draws pending when the transaction is mined are not those of the estimate: other apps' createTasks
 * land in between (bench:network's ceiling run saw validateSingleTask estimated at 72,922 gas run out of gas at
 * 209,383). So the limit covers the most draws the call can settle; only the gas used is paid.
 *
 * @example
 * getGasLimit('validateSingleTask', 72_922n) // 3,089,383n
 */
export function getGasLimit(functionName: string, estimate: bigint): bigint {
  return (estimate * 3n) / 2n + 100_000n + (drawsSettledBy[functionName] ?? 0n) * gasPerDraw;
}
