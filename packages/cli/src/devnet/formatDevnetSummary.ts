import { isAbsolute, relative } from 'node:path';
import { formatEth } from '@verinet/web/format';
import { getAddress } from 'viem';
import { formatAmount } from '../cli/formatAmount.js';
import { devnetAccounts, devnetMnemonic } from '../deploy/devnetAccounts.js';
import type { Devnet } from './startDevnet.js';

export type FormatDevnetSummaryParameters = {
  devnet: Pick<
    Devnet,
    | 'paths'
    | 'rpcUrl'
    | 'relayUrl'
    | 'deployment'
    | 'state'
    | 'stateReason'
    | 'chainRewind'
    | 'models'
    | 'nodes'
    | 'relaySigner'
    | 'services'
    | 'network'
    | 'logFile'
    | 'restartArguments'
  >;
  /** The funded test accounts, with their balances now. */
  accounts: { index: number; address: string; privateKey: string; balance: bigint }[];
  /** Seconds between blocks; undefined: a block per transaction. */
  blockTime?: number | undefined;
  /** The fee rule's inputs and result (docs/sdk.md "Fees"). */
  fee: { goingPrice: bigint; minFee: bigint; fee: bigint };
};

/**
 * What `verinet devnet` prints once the network runs: where everything is (chain, relay, files, contracts, nodes,
 * services, models), what a task costs, how to run one, and the test accounts.
 *
 * @example
 * printLine(formatDevnetSummary({ devnet, accounts, fee }));
 */
export function formatDevnetSummary(parameters: FormatDevnetSummaryParameters): string {
  const { devnet, accounts, fee } = parameters;
  // Paths inside the current folder are shown relative to it, others whole.
  const shown = (path: string) => {
    const inside = relative(process.cwd(), path);
    return inside === '' ? '.' : inside.startsWith('..') || isAbsolute(inside) ? path : inside;
  };
  const rewind = devnet.chainRewind;
  const stateLine =
    devnet.state === 'kept'
      ? `KEPT from the previous run (chain, relay, nodes); \`npm start -- --fresh\` resets it${
          rewind
            ? `
                 BUT THE CHAIN WENT BACK at least ${rewind.fromBlock - rewind.toBlock} blocks, from block ${rewind.fromBlock} or later (seen ${new Date(rewind.seenAt).toISOString()}) to ${rewind.toBlock}
                 (its last save: anvil stopped without a final one; the nodes' log may name the true depth).${
                   rewind.minedTo !== undefined
                     ? `
                 ${rewind.minedTo - rewind.toBlock} empty blocks were mined (head now ${rewind.minedTo}, past the old head) so lost tasks can be told lost.`
                     : ''
                 } Nodes send their own lost transactions
                 again; tasks created or finished after block ${rewind.toBlock} are gone or undone on chain. \`verinet task list\` may
                 still show them as they were: \`verinet task status <id>\` shows LOST (gone: run it again), BEHIND (the chain
                 has not reached its block yet) or REOPENED (undone, open again); \`verinet task drop <id>\` ends a LOST one,
                 \`verinet task resume <id>\` follows a REOPENED one to its result (docs/cli.md). The explorer's index is rebuilt.`
            : ''
        }`
      : `FRESH (${devnet.stateReason}); the next start keeps it unless --fresh`;
  // This start's folder and ports carried over (trial s14: the hint started another devnet on the default ones).
  const restart: string[] = [];
  for (let index = 0; index < devnet.restartArguments.length; index++) {
    if (devnet.restartArguments[index] === '--models') index++;
    else restart.push(devnet.restartArguments[index] ?? '');
  }
  const modelsStart = `npm start -- ${[...restart, '--models', '.verinet/models'].join(' ')}`;
  const models = devnet.models.tiny
    ? `Models: TINY RANDOM-WEIGHT test models (${devnet.network.models.ids.join(', ')}) ${devnet.models.written ? 'written to' : 'kept in'} ${shown(devnet.models.dir)}.
  They exist so the network runs offline with no download: their images are noise and their text is
  gibberish. Everything else (chain, relay, nodes, verification, payment) is the real thing.
  To run the nodes on real models: import an ONNX export into a model store, then start with --models:
    npx verinet model import ./stable-diffusion-v1-5-onnx --id runwayml/stable-diffusion-v1-5 --models-dir .verinet/models
    ${modelsStart}      (docs/models.md says which files a model folder needs)`
    : `Models: ${devnet.network.models.ids.join(', ')} from ${shown(devnet.models.dir)}.`;
  const contracts = Object.entries(devnet.deployment.contracts)
    .map(([name, address]) => `  ${name.padEnd(15)} ${getAddress(address)}`)
    .join('\n');
  const nodes = devnet.nodes
    .map(
      (node) =>
        `  node ${String(node.index).padEnd(3)} ${node.address}  status ${node.apiUrl}${node.joined ? '  (joined now)' : ''}`,
    )
    .join('\n');
  const services = devnet.services
    .filter((service) => service.inSummary)
    .map(
      (service) =>
        `  ${service.name.padEnd(15)} ${service.url}${service.notes.map((note) => `\n    ${note}`).join('')}`,
    );
  const testAccounts = accounts
    .map(
      ({ index, address, privateKey, balance }) =>
        `  (${index}) ${address}  ${formatAmount(balance).padEnd(16)} key ${privateKey}${
          index === devnetAccounts.deployer.index
            ? '  (deployer, owner)'
            : index === devnet.network.app.accountIndex
              ? '  (default app of `verinet task`)'
              : ''
        }`,
    )
    .join('\n');
  const dirOption =
    shown(devnet.paths.dir) === '.verinet/devnet' ? '' : ` --devnet ${shown(devnet.paths.dir)}`;
  return `
Verinet devnet is running.
  state          ${stateLine}
  chain          ${devnet.rpcUrl}  (chain id ${devnet.deployment.chainId}; ${parameters.blockTime ? `a block every ${parameters.blockTime} s` : 'a block per transaction'})
  relay          ${devnet.relayUrl}  (SQLite in ${shown(devnet.paths.relayData)}; signer ${devnet.relaySigner}, registered on chain)
  deployment     ${shown(devnet.paths.deployment)}
  network file   ${shown(devnet.paths.network)}
  logs           ${shown(devnet.logFile)}  (relay, nodes, bridge, explorer; warnings and errors also print here)
${contracts}

Nodes (${devnet.nodes.length}; GPU "${devnet.network.gpu.name}", keystores and data in ${shown(devnet.paths.nodesDir)}):
${nodes}
${services.length > 0 ? `\nServices:\n${services.join('\n')}\n` : ''}
${models}

A task costs ${formatEth(fee.fee)} per on-chain task (the chain's going price${fee.goingPrice === 0n ? ': no paid task yet' : ` ${formatEth(fee.goingPrice)}`}, kept within
  minFee ${formatEth(fee.minFee)} … 10 × minFee; \`verinet task run\`, the SDK and the bridge all use this rule;
  --fee overrides it). A sampled task (secretly, about 1 in 10) pays 3 fees, 2 of them refunded. Its 3 on-chain
  tasks must run on 3 different nodes, and a node is drawn again as soon as it reported: on a small devnet
  one node often gets two of them, and that one is replaced by a new on-chain task (one more fee, paid, not refunded;
  up to 4 per task, then each result is validated alone). \`task run\` prints how many on-chain tasks it took.

Run a task (in another terminal):
  npx verinet task run --type sd --prompt "a lighthouse at dusk"${dirOption}   # PNGs in ./verinet-output/
  npx verinet task run --type llm --prompt "Say hello"${dirOption}
  npx verinet task list${dirOption}

Test accounts (mnemonic "${devnetMnemonic}"; public keys, for this devnet only):
${testAccounts}

Press Ctrl-C to stop.`;
}
