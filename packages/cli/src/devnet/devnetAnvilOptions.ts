import type { StartAnvilParameters } from '../anvil/startAnvil.js';

/**
 * How the devnet runs anvil (and bench:network's ceiling run, so that both measure the same chain).
 * - `hardfork: 'cancun'`: the contracts' compile target (contracts/foundry.toml). anvil 1.7 rebuilds the whole
 *   state root at every block, so its cost per block grows with every storage slot ever written; from Prague on,
 *   each block also writes its parent's hash into the EIP-2935 history contract (a new slot per block up to
 *   8,191), which made a long run's blocks ≈ 2× costlier (bench:anvil-growth; foundry-rs/foundry#15715, fixed
 *   after 1.7).
 * - `pruneHistory: 512`: calls at a past block reach back a few blocks (a receipt's block, a seed block: ≤ 256 by
 *   the protocol); anvil keeps no older state in memory nor any on disk.
 * - `forkIdleBase: true`: the chain is a fork of an idle, empty anvil, so it computes no state root and its cost
 *   per block stays flat over a long run (StartAnvilParameters.forkIdleBase; bench:anvil-growth `--fork`).
 */
export const devnetAnvilOptions = {
  hardfork: 'cancun',
  pruneHistory: 512,
  forkIdleBase: true,
} as const satisfies Pick<StartAnvilParameters, 'hardfork' | 'pruneHistory' | 'forkIdleBase'>;
