import { resolve } from 'node:path';
import { CommandError } from '../cli/errors.js';
import { chainAnswers } from './followTask.js';
import type { TaskNetwork } from './resolveTaskNetwork.js';

/**
 * Before a command that needs the chain loads the SDK: a chain that does not answer is one line naming its URL and
 * what to do (start the devnet; check --rpc-url), at once, instead of the SDK's retries ending in a transport error.
 *
 * @example
 * await assertChainAnswers(network); // CommandError: The chain at http://127.0.0.1:8545 does not answer: is the devnet running? …
 */
export async function assertChainAnswers(network: TaskNetwork): Promise<void> {
  if (await chainAnswers(network.rpcUrl)) return;
  if (network.kind === 'devnet') {
    const dir = network.devnetDir ?? resolve('.verinet/devnet');
    const dirOption = dir === resolve('.verinet/devnet') ? '' : ` -- --dir ${dir}`;
    throw new CommandError(
      `The chain at ${network.rpcUrl} does not answer: is the devnet running? Start it with \`npm start${dirOption}\`.`,
    );
  }
  // The origin only: a provider's path can hold an API key.
  let origin = network.rpcUrl;
  try {
    origin = new URL(network.rpcUrl).origin;
  } catch {}
  throw new CommandError(
    `The chain at ${origin} (--rpc-url) does not answer: check the URL and that the node is up, then try again.`,
  );
}
