import { join, resolve } from 'node:path';
import { deploymentSchema, writeDeployment } from '@verinet/protocol/chain';
import { Command } from 'commander';
import { createPublicClient, formatGwei, http } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { toRpcError } from '../chain/toRpcError.js';
import { assertWritablePath } from '../cli/assertWritablePath.js';
import { CommandError, UsageError } from '../cli/errors.js';
import { formatAmount } from '../cli/formatAmount.js';
import { printLine, printNote } from '../cli/output.js';
import { printJson } from '../cli/printJson.js';
import { buildContracts } from '../deploy/artifacts.js';
import { deployContracts } from '../deploy/deployContracts.js';
import { estimateDeploymentCost } from '../deploy/estimateDeploymentCost.js';
import { decryptKeystore } from '../keystore/keystore.js';
import { readKeystoreFile } from '../keystore/readKeystoreFile.js';
import { readPassword } from '../keystore/readPassword.js';

type DeployOptions = {
  rpcUrl: string;
  keystore: string;
  out?: string;
  saveRpcUrl?: boolean;
  json?: boolean;
};

export function createDeployCommand(): Command {
  return new Command('deploy')
    .summary('deploy the contracts to an EVM chain and write the deployment file')
    .description(
      `Deploys the Verinet contracts to any EVM chain with the Cancun upgrade, from the account in a Web3 Secret Storage v3 keystore (password from VERINET_KEYSTORE_PASSWORD or asked for), and writes the deployment file (chain id, addresses, start block) that every service reads. The deployer owns the parameters. Checks the RPC, the keystore and the deployer's balance before sending anything.`,
    )
    .requiredOption('--rpc-url <url>', 'http(s) JSON-RPC URL of the chain')
    .requiredOption('--keystore <file>', "the deployer's keystore")
    .option('--out <file>', 'deployment file (default: .verinet/deployments/<chain id>.json)')
    .option('--save-rpc-url', 'record the RPC URL in the deployment file (off: it may hold an API key)')
    .option('--json', 'print the deployment record as JSON')
    .action(async (options: DeployOptions) => {
      const { rpcUrl } = options;
      // Deployment talks HTTP JSON-RPC (viem's http transport); every node and provider offers it.
      if (!/^https?:\/\/[^\s]+$/.test(rpcUrl)) {
        throw new UsageError(`--rpc-url must be an http(s) URL, got "${rpcUrl}".`);
      }
      // Everything that can be checked is checked before the password prompt and before any gas is spent.
      if (options.out) assertWritablePath('--out', options.out);
      const keystore = readKeystoreFile(options.keystore);
      const log = options.json ? (line: string) => printNote(line) : (line: string) => printLine(line);
      const publicClient = createPublicClient({
        transport: http(rpcUrl, { retryCount: 0, timeout: 20_000 }),
      });
      const chainId = await publicClient.getChainId().catch((error: unknown) => {
        throw toRpcError(error, rpcUrl);
      });
      const out = resolve(options.out ?? join('.verinet', 'deployments', `${chainId}.json`));

      const privateKey = decryptKeystore(keystore, await readPassword());
      const account = privateKeyToAccount(privateKey);
      buildContracts();
      try {
        const [balance, estimate] = await Promise.all([
          publicClient.getBalance({ address: account.address }),
          estimateDeploymentCost(publicClient, account.address),
        ]);
        if (balance < estimate.cost) {
          throw new CommandError(
            `The deployer ${account.address} has ${formatAmount(balance)} on chain ${chainId}; deploying needs about ${formatAmount(estimate.cost)} (${estimate.gas} gas at ${formatGwei(estimate.feePerGas)} gwei).`,
            { details: ['Fund the account, then run the command again.'] },
          );
        }
        log(`Deploying from ${account.address} to chain ${chainId} (about ${formatAmount(estimate.cost)})…`);
      } catch (error) {
        throw error instanceof CommandError ? error : toRpcError(error, rpcUrl);
      }
      const deployment = await deployContracts({
        rpcUrl,
        privateKey,
        log,
        recordRpcUrl: options.saveRpcUrl === true,
      }).catch((error: unknown) => {
        throw toRpcError(error, rpcUrl);
      });
      // The schema checksums every address, for the file and for what is printed.
      const record = deploymentSchema.parse(deployment);
      writeDeployment(out, record);
      if (options.json) printJson({ ...record, file: out });
      else printLine(`Deployment written to ${out}`);
    });
}
