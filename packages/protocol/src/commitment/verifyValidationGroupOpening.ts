import type { Hex } from 'viem';
import { assertBytes32 } from './assertBytes32.js';
import { InvalidOpeningInputError } from './errors.js';
import { getArgsCommitment } from './getArgsCommitment.js';
import { getTaskIdCommitment } from './getTaskIdCommitment.js';

export type ValidationGroupMemberOpening = {
  nonce: Hex;
  salt: Hex;
  /** Read from chain. */
  taskIdCommitment: Hex;
  /** Read from chain. */
  argsCommitment: Hex;
};

export type VerifyValidationGroupOpeningParameters = {
  guid: Hex;
  argsHash: Hex;
  members: readonly ValidationGroupMemberOpening[];
};

export type VerifyValidationGroupOpeningReturnType =
  | { valid: true }
  | { valid: false; member: number; reason: 'taskIdCommitment' | 'argsCommitment' | 'duplicate' };

/**
 * Checks the opening of a validation group, as the contract does: every member's taskIdCommitment is
 * `keccak256(guid ‖ nonce)` for the one GUID, and every argsCommitment is `keccak256(argsHash ‖ salt)`
 * for the one argsHash, so all members were given identical arguments. Members must be distinct tasks.
 *
 * @example
 * verifyValidationGroupOpening({ guid, argsHash, members }) // { valid: true }
 */
export function verifyValidationGroupOpening(
  parameters: VerifyValidationGroupOpeningParameters,
): VerifyValidationGroupOpeningReturnType {
  if (typeof parameters !== 'object' || parameters === null) {
    throw new InvalidOpeningInputError('the opening', 'an object { guid, argsHash, members }', parameters);
  }
  const { guid, argsHash, members } = parameters;
  assertBytes32('guid', guid);
  assertBytes32('argsHash', argsHash);
  if (!Array.isArray(members)) throw new InvalidOpeningInputError('members', 'an array', members);
  const seen = new Set<string>();
  for (const [index, member] of members.entries()) {
    if (typeof member !== 'object' || member === null) {
      throw new InvalidOpeningInputError(`members[${index}]`, 'an object', member);
    }
    assertBytes32('taskIdCommitment', member.taskIdCommitment);
    assertBytes32('argsCommitment', member.argsCommitment);
    // Hex is case-insensitive (and EIP-55 style mixed case is common): compare lower case, so the same task
    // in two spellings is still a duplicate and a correct commitment in upper case still opens.
    const taskId = member.taskIdCommitment.toLowerCase();
    if (seen.has(taskId)) return { valid: false, member: index, reason: 'duplicate' };
    seen.add(taskId);
    if (getTaskIdCommitment(guid, member.nonce) !== taskId) {
      return { valid: false, member: index, reason: 'taskIdCommitment' };
    }
    if (getArgsCommitment(argsHash, member.salt) !== member.argsCommitment.toLowerCase()) {
      return { valid: false, member: index, reason: 'argsCommitment' };
    }
  }
  return { valid: true };
}
