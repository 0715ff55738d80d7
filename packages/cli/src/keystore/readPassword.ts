import { BaseError } from '@verinet/protocol';

export class PasswordError extends BaseError {
  override name = 'PasswordError' as const;
}

export type ReadPasswordParameters = {
  /** Ask twice and compare (a new keystore). */
  confirm?: boolean | undefined;
  /** Accept an empty password; refused otherwise, since it leaves the key readable by anyone with the file. */
  allowEmpty?: boolean | undefined;
  input?: NodeJS.ReadStream | undefined;
  output?: NodeJS.WritableStream | undefined;
};

/**
 * The keystore password: VERINET_KEYSTORE_PASSWORD when set (services, CI), else asked on the terminal without
 * echoing it (as `cast wallet import` does).
 *
 * @example
 * const password = await readPassword({ confirm: true });
 */
export async function readPassword(parameters: ReadPasswordParameters = {}): Promise<string> {
  const input = parameters.input ?? process.stdin;
  const output = parameters.output ?? process.stderr;
  let password = process.env.VERINET_KEYSTORE_PASSWORD;
  if (password === undefined) {
    if (!input.isTTY) {
      throw new PasswordError('No keystore password.', {
        details: ['Set VERINET_KEYSTORE_PASSWORD, or run the command in a terminal to be asked for it.'],
      });
    }
    // Raw mode for the whole exchange, set before the first prompt shows: the terminal then never echoes,
    // not even what is typed ahead between the two questions.
    const wasRaw = input.isRaw;
    input.setRawMode(true);
    try {
      password = await askHidden('Keystore password: ', input, output);
      if (parameters.confirm) {
        const again = await askHidden('Repeat the password: ', input, output);
        if (again !== password) throw new PasswordError('The two passwords differ; run the command again.');
      }
    } finally {
      input.setRawMode(wasRaw);
      input.pause();
    }
  }
  if (parameters.confirm && password === '' && !parameters.allowEmpty) {
    throw new PasswordError('Refusing an empty password: anyone with the file could use the key.', {
      details: ['Choose a password, or pass --allow-empty-password if this key guards nothing of value.'],
    });
  }
  return password;
}

/** Reads one line from a terminal already in raw mode, so the typed characters are never echoed. */
function askHidden(prompt: string, input: NodeJS.ReadStream, output: NodeJS.WritableStream): Promise<string> {
  return new Promise((resolve, reject) => {
    let typed = '';
    const finish = (error?: Error, rest = '') => {
      input.removeListener('data', onData);
      input.pause();
      // What was typed ahead (the confirmation, pasted with the first line) belongs to the next question.
      if (rest) input.unshift(Buffer.from(rest, 'utf8'));
      output.write('\n');
      if (error) reject(error);
      else resolve(typed);
    };
    const onData = (chunk: Buffer | string) => {
      const chars = [...chunk.toString('utf8')];
      for (const [index, char] of chars.entries()) {
        if (char === '\r' || char === '\n') {
          const rest = chars.slice(index + 1).join('');
          return finish(undefined, rest.startsWith('\n') && char === '\r' ? rest.slice(1) : rest);
        }
        if (char === '\u0003' || (char === '\u0004' && typed === '')) {
          return finish(new PasswordError('Password entry cancelled.'));
        }
        if (char === '\u007f' || char === '\b') typed = [...typed].slice(0, -1).join('');
        else if (char === '\u0015') typed = '';
        else if (char >= ' ') typed += char;
      }
    };
    output.write(prompt);
    input.resume();
    input.on('data', onData);
  });
}
