import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { type Hex, isHex } from 'viem';
import { generatePrivateKey, privateKeyToAddress } from 'viem/accounts';
import { decryptKeystore, encryptKeystore } from '../keystore/keystore.js';
import { readPassword } from '../keystore/readPassword.js';
import { parseCommandArgs, UsageError } from './parseCommandArgs.js';
import type { Command } from './types.js';

const help = `verinet keystore create --out FILE [--import-key-env NAME]
verinet keystore address --file FILE

create   writes a new Web3 Secret Storage v3 keystore (scrypt) with a fresh key, or with the key found in the
         environment variable NAME. The password comes from VERINET_KEYSTORE_PASSWORD or is asked for.
address  prints the address of a keystore (asks for its password to check it).`;

export const keystoreCommand: Command = {
  summary: 'create keystore files and show their addresses',
  async run(argv) {
    const [action, ...rest] = argv;
    const { values } = parseCommandArgs(
      rest,
      { out: { type: 'string' }, file: { type: 'string' }, 'import-key-env': { type: 'string' } },
      help,
    );
    if (values.help || !action) {
      console.log(help);
      return values.help ? 0 : 1;
    }
    if (action === 'create') {
      if (!values.out) throw new UsageError('--out FILE is required.', { details: [help] });
      if (existsSync(values.out))
        throw new UsageError(`${values.out} exists; refusing to overwrite a keystore.`);
      let privateKey: Hex = generatePrivateKey();
      const envName = values['import-key-env'];
      if (envName) {
        const fromEnv = process.env[envName];
        if (!fromEnv || !isHex(fromEnv) || fromEnv.length !== 66) {
          throw new UsageError(
            `Environment variable ${envName} must hold a 0x-prefixed 32-byte private key.`,
          );
        }
        privateKey = fromEnv;
      }
      const password = await readPassword({ confirm: true });
      writeFileSync(values.out, `${JSON.stringify(encryptKeystore(privateKey, password), null, 2)}\n`, {
        mode: 0o600,
      });
      console.log(`${privateKeyToAddress(privateKey)} written to ${values.out}`);
      return 0;
    }
    if (action === 'address') {
      if (!values.file) throw new UsageError('--file FILE is required.', { details: [help] });
      const privateKey = decryptKeystore(JSON.parse(readFileSync(values.file, 'utf8')), await readPassword());
      console.log(privateKeyToAddress(privateKey));
      return 0;
    }
    throw new UsageError(`Unknown keystore action "${action}".`, { details: [help] });
  },
};
