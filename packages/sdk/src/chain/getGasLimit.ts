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
/** Draws a first attempt allows for beyond its estimate: more is rare, and a limit is reserved block space. */
const usualExtraDraws = 4n;
/**
 * Gas of one draw in the worst case, with margin: a draw whose tries all miss and that queues cost 100–105k in
 * forge (32 at once, 3 / 8 / 200 nodes; review s7: an app can fill the ring with such draws and cancel them for
 * a refund, so a settle-all call's `full` bound must cover them); forge counts some reads warm, hence 130k.
 */
const gasPerDraw = 130_000n;

/**
 * The gas limit of a TaskManager transaction from its estimate. Most calls first settle every pending draw (F1),
 * and the draws pending when the transaction is mined are not those of the estimate: other apps' createTasks
 * land in between (bench:network's ceiling run saw validateSingleTask estimated at 72,922 gas run out of gas at
 * 209,383). A first attempt allows for a few more draws; `full` (the retry after running out of gas) for every
 * draw the call may settle. Only the gas used is paid, but a limit reserves block space (anvil's 30M blocks take
 * ten calls at the full bound), so the full bound is not the default.
 *
 * @example
 * getGasLimit('validateSingleTask', 72_922n) // 729,383n
 */
export function getGasLimit(
  functionName: string,
  estimate: bigint,
  options: { full?: boolean } = {},
): bigint {
  const most = drawsSettledBy[functionName] ?? 0n;
  const draws = options.full || most < usualExtraDraws ? most : usualExtraDraws;
  return (estimate * 3n) / 2n + 100_000n + draws * gasPerDraw;
}

// One rule for the SDK, the node and the bench (@verinet/protocol).
export { isOutOfGas } from '@verinet/protocol/chain/getFixedGasLimit';
