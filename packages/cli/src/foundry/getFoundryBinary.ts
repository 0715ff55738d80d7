import { createRequire } from 'node:module';
import { BaseError } from '@verinet/protocol';

export class FoundryBinaryError extends BaseError {
  override name = 'FoundryBinaryError' as const;
}

/**
 * The path of a Foundry tool (forge, anvil, cast) shipped in its npm registry package for this platform.
 *
 * @example
 * spawn(getFoundryBinary('anvil'), ['--host', '127.0.0.1']);
 */
export function getFoundryBinary(tool: 'forge' | 'anvil' | 'cast'): string {
  const arch = process.arch === 'x64' ? 'amd64' : process.arch;
  try {
    return createRequire(import.meta.url).resolve(
      `@foundry-rs/${tool}-${process.platform}-${arch}/bin/${tool}`,
    );
  } catch (cause) {
    throw new FoundryBinaryError(`${tool} is not installed for this platform.`, {
      details: [
        `Expected the npm package @foundry-rs/${tool} for ${process.platform}/${process.arch}.`,
        'Run `npm install`.',
      ],
      cause,
    });
  }
}
