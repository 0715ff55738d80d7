import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';
import { BaseError } from '@verinet/protocol';
import { type Deployment, readDeployment, writeDeployment } from '@verinet/protocol/chain';
import { Command } from 'commander';
import { createPublicClient, getAddress, http } from 'viem';
import { privateKeyToAddress } from 'viem/accounts';
import { type Anvil, AnvilStateFileError, startAnvil } from '../anvil/startAnvil.js';
import { toRpcError } from '../chain/toRpcError.js';
import { assertDirectoryPath } from '../cli/assertDirectoryPath.js';
import { CommandError } from '../cli/errors.js';
import { formatAmount } from '../cli/formatAmount.js';
import { parseIntegerArgument } from '../cli/options.js';
import { printLine, printNote } from '../cli/output.js';
import { printJson } from '../cli/printJson.js';
import { buildContracts } from '../deploy/artifacts.js';
import { deployContracts } from '../deploy/deployContracts.js';
import { devnetAccounts, devnetMnemonic, getDevnetPrivateKey } from '../deploy/devnetAccounts.js';
import { assertPortFree } from '../devnet/assertPortFree.js';
import { claimDevnetDir } from '../devnet/claimDevnetDir.js';

/** anvil's defaults: 10 accounts of 10,000 ether from the test mnemonic. */
const testAccountCount = 10;

type DevnetOptions = {
  port: number;
  dir: string;
  blockTime?: number;
  fresh?: boolean;
  json?: boolean;
};

export function createDevnetCommand(): Command {
  return new Command('devnet')
    .summary('start the local network (chain and contracts) on embedded defaults')
    .description(
      `Starts the local network on 127.0.0.1: an anvil chain with the Verinet contracts deployed from anvil's first test account; writes DIR/deployment.json and runs until Ctrl-C. The chain state is saved to DIR/chain.json when the devnet stops and reloaded at the next start; --fresh (or deleting DIR) starts from an empty chain.`,
    )
    .option('--port <port>', 'RPC port on 127.0.0.1', parseIntegerArgument('--port', 1, 65535), 8545)
    .option('--dir <dir>', 'folder of the chain state and deployment file', '.verinet/devnet')
    .option(
      '--block-time <seconds>',
      'seconds between blocks (default: a block per transaction)',
      parseIntegerArgument('--block-time', 1, 60),
    )
    .option('--fresh', 'forget the saved chain state and deploy anew')
    .option('--json', 'once running, print the deployment and test accounts as JSON')
    .action(async (options: DevnetOptions) => runDevnet(options));
}

async function runDevnet(options: DevnetOptions): Promise<void> {
  const { port } = options;
  const dir = assertDirectoryPath('--dir', options.dir);
  const shown = relative(process.cwd(), dir) || '.';
  const log = options.json ? (line: string) => printNote(line) : (line: string) => printLine(line);
  mkdirSync(dir, { recursive: true });
  const stateFile = join(dir, 'chain.json');
  const deploymentFile = join(dir, 'deployment.json');

  // Stop signals are taken from the start, so Ctrl-C during compilation or deployment also cleans up.
  let stopRequested: (() => void) | undefined;
  const stopped = new Promise<void>((resolve) => {
    stopRequested = resolve;
  });
  const onSignal = () => stopRequested?.();
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const claim = await claimDevnetDir({ dir, port, log });
  let anvil: Anvil | undefined;
  try {
    if (options.fresh) {
      for (const file of [stateFile, deploymentFile]) rmSync(file, { force: true });
    }
    log('Compiling contracts…');
    buildContracts();
    await assertPortFree(port);
    try {
      anvil = await startAnvil({ port, blockTime: options.blockTime, stateFile, chainId: 31337 });
    } catch (error) {
      if (error instanceof AnvilStateFileError) {
        throw new CommandError(error.shortMessage, {
          details: [
            `Start from an empty chain with \`npm start -- --fresh\` (or delete ${shown}); move ${relative(process.cwd(), stateFile)} away first to keep it.`,
          ],
          cause: error,
        });
      }
      throw error;
    }
    const anvilPid = anvil.process.pid;
    if (anvilPid !== undefined) claim.recordAnvil(anvilPid);
    const anvilExited = new Promise<never>((_, reject) => {
      anvil?.process.once('exit', (code, signal) =>
        reject(
          new CommandError(`anvil stopped unexpectedly (code ${code}, signal ${signal}).`, {
            details: ['Start the devnet again; the chain state saved last is reloaded.'],
          }),
        ),
      );
    });
    anvilExited.catch(() => {});

    const rpcUrl = anvil.rpcUrl;
    const deployment = await deployOrReuse(rpcUrl, deploymentFile, log).catch((error: unknown) => {
      const cause = toRpcError(error, rpcUrl);
      throw new CommandError(
        `Deploying the contracts to the devnet failed: ${cause instanceof BaseError ? cause.shortMessage : String(cause)}`,
        { details: ['Start from an empty chain with `npm start -- --fresh`.'], cause },
      );
    });
    const publicClient = createPublicClient({ transport: http(anvil.rpcUrl) });
    const accounts = await Promise.all(
      Array.from({ length: testAccountCount }, async (_, index) => {
        const privateKey = getDevnetPrivateKey(index);
        const address = privateKeyToAddress(privateKey);
        return { index, address, privateKey, balance: await publicClient.getBalance({ address }) };
      }),
    );

    if (options.json) {
      printJson({ rpcUrl: anvil.rpcUrl, deploymentFile, deployment, accounts });
    } else {
      printLine(`
Verinet devnet is running.
  chain          ${anvil.rpcUrl}  (chain id ${deployment.chainId})
  deployment     ${deploymentFile}
  chain state    ${stateFile} (saved on stop, reloaded on start; --fresh to reset)
${Object.entries(deployment.contracts)
  .map(([name, address]) => `  ${name.padEnd(14)} ${getAddress(address)}`)
  .join('\n')}

Test accounts (mnemonic "${devnetMnemonic}"; public keys, for this devnet only):
${accounts
  .map(
    ({ index, address, privateKey, balance }) =>
      `  (${index}) ${address}  ${formatAmount(balance).padEnd(16)} key ${privateKey}${index === devnetAccounts.deployer.index ? '  (deployer, owner)' : ''}`,
  )
  .join('\n')}

Press Ctrl-C to stop.`);
    }
    await Promise.race([stopped, anvilExited]);
    log('Stopping…');
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await anvil?.stop();
    claim.release();
  }
}

async function deployOrReuse(
  rpcUrl: string,
  deploymentFile: string,
  log: (line: string) => void,
): Promise<Deployment> {
  const publicClient = createPublicClient({ transport: http(rpcUrl) });
  if (existsSync(deploymentFile)) {
    let previous: Deployment | undefined;
    try {
      previous = readDeployment(deploymentFile);
    } catch (error) {
      log(`Ignoring ${deploymentFile}: ${(error as Error).message.split('\n')[0]} Deploying anew.`);
    }
    if (previous) {
      const code = await publicClient.getCode({ address: previous.contracts.taskManager });
      if (code && code !== '0x') {
        log('Reusing the contracts deployed in the kept chain state.');
        const current = { ...previous, rpcUrl };
        if (previous.rpcUrl !== rpcUrl) writeDeployment(deploymentFile, current);
        return current;
      }
    }
  }
  log('Deploying contracts…');
  const deployment = await deployContracts({
    rpcUrl,
    privateKey: devnetAccounts.deployer.privateKey,
    recordRpcUrl: true,
  });
  writeDeployment(deploymentFile, deployment);
  return deployment;
}
