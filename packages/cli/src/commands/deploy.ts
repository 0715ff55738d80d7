import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { writeDeployment } from '@verinet/protocol/chain';
import { buildContracts } from '../deploy/artifacts.js';
import { deployContracts } from '../deploy/deployContracts.js';
import { decryptKeystore } from '../keystore/keystore.js';
import { readPassword } from '../keystore/readPassword.js';
import { parseCommandArgs, UsageError } from './parseCommandArgs.js';
import type { Command } from './types.js';

const help = `verinet deploy --rpc-url URL --keystore FILE [--out deployment.json]

Deploys the Verinet contracts to any EVM chain with the Cancun upgrade, from the account in a Web3 Secret Storage
v3 keystore (password from VERINET_KEYSTORE_PASSWORD or asked for), and writes the deployment file (chain id,
addresses, start block) that every service reads. The deployer becomes the owner of the parameters.`;

export const deployCommand: Command = {
  summary: 'deploy the contracts to an EVM chain and write the deployment file',
  async run(argv) {
    const { values } = parseCommandArgs(
      argv,
      { 'rpc-url': { type: 'string' }, keystore: { type: 'string' }, out: { type: 'string' } },
      help,
    );
    if (values.help) {
      console.log(help);
      return 0;
    }
    const rpcUrl = values['rpc-url'];
    if (!rpcUrl || !/^(https?|wss?):\/\//.test(rpcUrl)) {
      throw new UsageError('--rpc-url must be an http(s) or ws(s) URL.', { details: [help] });
    }
    if (!values.keystore) throw new UsageError('--keystore FILE is required.', { details: [help] });
    let keystore: unknown;
    try {
      keystore = JSON.parse(readFileSync(values.keystore, 'utf8'));
    } catch (cause) {
      throw new UsageError(`Cannot read the keystore ${values.keystore}.`, { cause });
    }
    const privateKey = decryptKeystore(keystore, await readPassword());
    buildContracts();
    const deployment = await deployContracts({ rpcUrl, privateKey, log: (line) => console.log(line) });
    const out = resolve(values.out ?? 'deployment.json');
    writeDeployment(out, deployment);
    console.log(`Deployment written to ${out}`);
    return 0;
  },
};
