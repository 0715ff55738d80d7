import { createInterface } from 'node:readline/promises';
import { BaseError } from '@verinet/protocol';

export class PasswordError extends BaseError {
  override name = 'PasswordError' as const;
}

/**
 * The keystore password: VERINET_KEYSTORE_PASSWORD when set (services, CI), else asked on the terminal.
 */
export async function readPassword(options: { confirm?: boolean } = {}): Promise<string> {
  const fromEnv = process.env.VERINET_KEYSTORE_PASSWORD;
  if (fromEnv !== undefined) return fromEnv;
  if (!process.stdin.isTTY) {
    throw new PasswordError('No keystore password.', {
      details: ['Set VERINET_KEYSTORE_PASSWORD, or run the command in a terminal to be asked for it.'],
    });
  }
  const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
  try {
    const password = await rl.question('Keystore password: ');
    if (options.confirm) {
      const again = await rl.question('Repeat the password: ');
      if (again !== password) throw new PasswordError('The passwords differ.');
    }
    return password;
  } finally {
    rl.close();
  }
}
