/**
 * Task identity and argument commitments (docs/protocol.md, "Identity and commitments"): secrets drawn by the
 * application, the two commitments that go on chain, and the checks the relay, node and contract apply.
 */
export { assertBytes32 } from './assertBytes32.js';
export { createNonce } from './createNonce.js';
export { createRandomBytes32 } from './createRandomBytes32.js';
export { createSalt } from './createSalt.js';
export { createTaskSecrets, type TaskSecrets } from './createTaskSecrets.js';
export { InvalidBytes32Error, InvalidOpeningInputError } from './errors.js';
export { getArgsCommitment } from './getArgsCommitment.js';
export { getTaskIdCommitment } from './getTaskIdCommitment.js';
export { type VerifyArgsCommitmentParameters, verifyArgsCommitment } from './verifyArgsCommitment.js';
export {
  type ValidationGroupMemberOpening,
  type VerifyValidationGroupOpeningParameters,
  type VerifyValidationGroupOpeningReturnType,
  verifyValidationGroupOpening,
} from './verifyValidationGroupOpening.js';
