import { type Hex, keccak256 } from 'viem';
import { assertBytes32 } from './assertBytes32.js';
import { InvalidOpeningInputError } from './errors.js';
import { getArgsCommitment } from './getArgsCommitment.js';

export type VerifyArgsCommitmentParameters = {
  /** The argument bytes exactly as downloaded or uploaded. */
  bytes: Uint8Array;
  salt: Hex;
  /** The task's argsCommitment read from chain. */
  argsCommitment: Hex;
};

/**
 * Whether argument bytes and a salt open a task's on-chain argsCommitment. The relay runs it on uploads and
 * the node on downloads, before anything is parsed or executed.
 *
 * @example
 * if (!verifyArgsCommitment({ bytes, salt, argsCommitment })) throw new Error('relay sent other arguments');
 */
export function verifyArgsCommitment({
  bytes,
  salt,
  argsCommitment,
}: VerifyArgsCommitmentParameters): boolean {
  if (!(bytes instanceof Uint8Array)) throw new InvalidOpeningInputError('bytes', 'a Uint8Array', bytes);
  assertBytes32('argsCommitment', argsCommitment);
  return getArgsCommitment(keccak256(bytes), salt).toLowerCase() === argsCommitment.toLowerCase();
}
