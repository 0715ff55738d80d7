import type { StartAnvilParameters } from '../anvil/startAnvil.js';

/**
 * How the devnet runs anvil (and bench:network's ceiling run, so that both measure the same chain).
 * - `hardfork: 'cancun'`: the contracts' compile target (contracts/foundry.toml). anvil 1.7 rebuilds the whole
 *   state root at every block, so its cost per block grows with every storage slot ever written; from Prague on,
 *   each block also writes its parent's hash into the EIP-2935 history contract (a new slot per block up to
 *   8,191), which made a long run's blocks ≈ 2× costlier (bench:anvil-growth; foundry-rs/foundry#15715, fixed
 *   after 1.7).
 * - `pruneHistory: 64`: anvil keeps the states of the last 64 blocks in memory and none on disk. Each kept state
 *   is a whole copy, so its memory is 64 × the chain's state (bench:network, 2,000 tasks: RSS 408 MB at 64 vs
 *   1,821 MB at 512; 8.3 GB after 9,600 tasks at 512). Calls at a past block reach back a few blocks (the relay
 *   reads a task at a head ≤ 1 s old, and reads at the latest block when that state is gone); block hashes, logs
 *   and receipts are kept for every block whatever this setting.
 * - `forkIdleBase: true`: the chain is a fork of an idle, empty anvil, so it computes no state root and its cost
 *   per block stays flat over a long run (StartAnvilParameters.forkIdleBase; bench:anvil-growth `--fork`).
 */
export const devnetAnvilOptions = {
  hardfork: 'cancun',
  pruneHistory: 64,
  forkIdleBase: true,
} as const satisfies Pick<StartAnvilParameters, 'hardfork' | 'pruneHistory' | 'forkIdleBase'>;
