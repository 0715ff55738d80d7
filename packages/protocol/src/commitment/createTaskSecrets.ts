import type { Hex } from 'viem';
import { createNonce } from './createNonce.js';
import { createRandomBytes32 } from './createRandomBytes32.js';
import { createSalt } from './createSalt.js';

export type TaskSecrets = {
  /** Secret 32-byte id of the logical task, shared by every on-chain task of its validation group. */
  guid: Hex;
  /** Nonce of the first on-chain task (create more with createNonce for group members). */
  nonce: Hex;
  /** Salt of the first on-chain task's argsCommitment (create more with createSalt). */
  salt: Hex;
};

/**
 * Draws the secrets of a new logical task: a random GUID plus the nonce and salt of its first on-chain task.
 * Keep them until the task ends: a validation group is proven by opening them.
 *
 * @example
 * const { guid, nonce, salt } = createTaskSecrets();
 * const taskIdCommitment = getTaskIdCommitment(guid, nonce);
 */
export function createTaskSecrets(): TaskSecrets {
  return { guid: createRandomBytes32(), nonce: createNonce(), salt: createSalt() };
}
