export {
  curveOrder,
  fieldPrime,
  vrfChallengeLength,
  vrfProofLength,
  vrfPublicKeyLength,
  vrfSuiteString,
} from './constants.js';
export { type DecodedProof, decodeProof, decodeProofGammaBytes } from './decodeProof.js';
export {
  VrfHashToCurveError,
  VrfInvalidBytesError,
  VrfInvalidDenominatorError,
  VrfInvalidProofError,
  VrfInvalidProofLengthError,
  VrfInvalidPublicKeyError,
  VrfInvalidSecretKeyError,
  VrfMalformedProofError,
} from './errors.js';
export type { NonceVariant } from './generateNonce.js';
export {
  type FastVerifyParams,
  type GetFastVerifyParamsErrorType,
  type GetFastVerifyParamsOptions,
  getFastVerifyParams,
} from './getFastVerifyParams.js';
export { getPublicKey } from './getPublicKey.js';
export { getPublicKeyAddress } from './getPublicKeyAddress.js';
export { hashToCurve } from './hashToCurve.js';
export { isSelected } from './isSelected.js';
export { parsePublicKey, parseSecretKey } from './parseKeys.js';
export { type ProofToHashErrorType, proofToHash } from './proofToHash.js';
export { type ProveErrorType, type ProveOptions, prove, type VrfCurve } from './prove.js';
export type { BytesLike } from './toBytes.js';
export { type VerifyErrorType, verify } from './verify.js';
