import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import type { Hex } from 'viem';
import { generatePrivateKey, privateKeyToAddress } from 'viem/accounts';
import { assertWritablePath } from '../cli/assertWritablePath.js';
import { CommandError, UsageError } from '../cli/errors.js';
import { printLine } from '../cli/output.js';
import { printJson } from '../cli/printJson.js';
import { statOrUndefined } from '../cli/statOrUndefined.js';
import { decryptKeystore, encryptKeystore } from '../keystore/keystore.js';
import { parsePrivateKey } from '../keystore/parsePrivateKey.js';
import { readKeystoreFile } from '../keystore/readKeystoreFile.js';
import { readPassword } from '../keystore/readPassword.js';

type CreateOptions = {
  out?: string;
  importKeyEnv?: string;
  importKeyFile?: string;
  allowEmptyPassword?: boolean;
  json?: boolean;
};

export function createKeystoreCommand(): Command {
  const keystore = new Command('keystore')
    .summary('create keystore files and show their addresses')
    .description(
      `Web3 Secret Storage v3 keystores, the format geth, cast and ethers write. The password comes from VERINET_KEYSTORE_PASSWORD or is asked for on the terminal without echo.`,
    );

  keystore
    .command('create')
    .description(
      `Writes a new keystore (scrypt) holding a fresh key, or a key you already have: from an environment variable or a file, 64 hex digits with or without 0x (surrounding whitespace and a trailing newline are fine).`,
    )
    .option('--out <file>', 'where to write it (default: .verinet/keystores/<address>.json)')
    .option('--import-key-env <name>', 'take the key from this environment variable')
    .option('--import-key-file <file>', 'take the key from this file')
    .option('--allow-empty-password', 'accept an empty password (the key is then unprotected)')
    .option('--json', 'print the address and file as JSON')
    .action(async (options: CreateOptions) => {
      if (options.importKeyEnv && options.importKeyFile) {
        throw new UsageError('Give either --import-key-env or --import-key-file, not both.');
      }
      const privateKey = readImportedKey(options) ?? generatePrivateKey();
      const address = privateKeyToAddress(privateKey);
      let out = options.out;
      if (out) assertWritablePath('--out', out);
      else {
        mkdirSync(join('.verinet', 'keystores'), { recursive: true });
        out = join('.verinet', 'keystores', `${address}.json`);
      }
      if (statOrUndefined(out)) {
        throw new CommandError(`${out} exists; refusing to overwrite a keystore. Choose another --out.`);
      }
      const password = await readPassword({ confirm: true, allowEmpty: options.allowEmptyPassword });
      // 'wx': never replace a file that appeared while the password was typed.
      writeFileSync(out, `${JSON.stringify(encryptKeystore(privateKey, password), null, 2)}\n`, {
        mode: 0o600,
        flag: 'wx',
      });
      if (options.json) printJson({ address, file: out });
      else printLine(`${address} written to ${out}`);
    });

  keystore
    .command('address')
    .description(
      'Prints the address of a keystore (asks for its password, to prove the file and password match).',
    )
    .argument('[file]', 'the keystore file (or --file)')
    .option('--file <file>', 'the keystore file')
    .option('--json', 'print the address as JSON')
    .action(async (file: string | undefined, options: { file?: string; json?: boolean }) => {
      const path = file ?? options.file;
      if (!path) throw new UsageError('FILE is required: verinet keystore address FILE.');
      const contents = readKeystoreFile(path);
      const address = privateKeyToAddress(decryptKeystore(contents, await readPassword()));
      if (options.json) printJson({ address, file: path });
      else printLine(address);
    });
  return keystore;
}

function readImportedKey(options: CreateOptions): Hex | undefined {
  if (options.importKeyEnv) {
    const value = process.env[options.importKeyEnv];
    if (value === undefined) {
      throw new UsageError(`The environment variable ${options.importKeyEnv} is not set.`);
    }
    return parsePrivateKey(value, `The key in ${options.importKeyEnv}`);
  }
  if (options.importKeyFile) {
    const path = options.importKeyFile;
    const info = statOrUndefined(path);
    if (!info) throw new CommandError(`No key file at ${path}.`);
    if (!info.isFile()) throw new CommandError(`${path} is not a file.`);
    if (info.size > 4096) throw new CommandError(`${path} is too large to be a private key file.`);
    return parsePrivateKey(readFileSync(path, 'utf8'), `The key in ${path}`);
  }
  return undefined;
}
