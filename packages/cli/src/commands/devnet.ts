import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { type Deployment, readDeployment, writeDeployment } from '@verinet/protocol/chain';
import { createPublicClient, getAddress, http } from 'viem';
import { startAnvil } from '../anvil/startAnvil.js';
import { buildContracts } from '../deploy/artifacts.js';
import { deployContracts } from '../deploy/deployContracts.js';
import { devnetAccounts } from '../deploy/devnetAccounts.js';
import { parseCommandArgs, parseIntegerOption } from './parseCommandArgs.js';
import type { Command } from './types.js';

const help = `verinet devnet [--port 8545] [--dir .verinet/devnet] [--block-time SECONDS] [--fresh]

Starts the whole local network on 127.0.0.1: an anvil chain (state kept in DIR/chain.json across restarts) with
the Verinet contracts deployed from anvil's first test account; writes DIR/deployment.json and runs until Ctrl-C.
--fresh forgets the previous chain state.`;

export const devnetCommand: Command = {
  summary: 'start the local network (chain and contracts) on embedded defaults',
  async run(argv) {
    const { values } = parseCommandArgs(
      argv,
      {
        port: { type: 'string' },
        dir: { type: 'string' },
        'block-time': { type: 'string' },
        fresh: { type: 'boolean' },
      },
      help,
    );
    if (values.help) {
      console.log(help);
      return 0;
    }
    const port = parseIntegerOption('port', values.port, 8545, 1, 65535);
    const blockTime =
      values['block-time'] === undefined
        ? undefined
        : parseIntegerOption('block-time', values['block-time'], 1, 1, 60);
    const dir = resolve(values.dir ?? '.verinet/devnet');
    const stateFile = join(dir, 'chain.json');
    const deploymentFile = join(dir, 'deployment.json');
    if (values.fresh) {
      for (const file of [stateFile, deploymentFile]) rmSync(file, { force: true });
    }

    console.log('Compiling contracts…');
    buildContracts();
    mkdirSync(dir, { recursive: true });
    const anvil = await startAnvil({ port, blockTime, stateFile, chainId: 31337 });
    const publicClient = createPublicClient({ transport: http(anvil.rpcUrl) });
    let deployment: Deployment | undefined;
    if (existsSync(deploymentFile)) {
      const previous = readDeployment(deploymentFile);
      const code = await publicClient.getCode({ address: previous.contracts.taskManager });
      if (code && code !== '0x') deployment = previous;
    }
    if (!deployment) {
      console.log('Deploying contracts…');
      deployment = await deployContracts({
        rpcUrl: anvil.rpcUrl,
        privateKey: devnetAccounts.deployer.privateKey,
      });
      writeDeployment(deploymentFile, deployment);
    } else {
      console.log('Reusing the contracts deployed in the kept chain state.');
    }

    console.log(`
Verinet devnet is running.
  chain          ${anvil.rpcUrl}  (chain id ${deployment.chainId})
  deployment     ${deploymentFile}
${Object.entries(deployment.contracts)
  .map(([name, address]) => `  ${name.padEnd(14)} ${getAddress(address)}`)
  .join('\n')}
Press Ctrl-C to stop.`);

    await new Promise<void>((resolveStop) => {
      const stop = () => resolveStop();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    console.log('Stopping…');
    await anvil.stop();
    return 0;
  },
};
