/**
 * Relay request authentication (EIP-712 `RelayRequest`) and the relay's signed statements (`ArgsAvailable`,
 * `ResultAvailable`): pure and browser-safe, shared by the relay, nodes and applications. See docs/relay-api.md.
 */
export { RelayAuthError, type RelayAuthErrorType, type RelayAuthProblem } from './errors.js';
export { getRelayRequestDigest, type Keccak256, type RelayRequestMessage } from './getRelayRequestDigest.js';
export { getResultHash } from './getResultHash.js';
export { getArgsAvailableDigest, getResultAvailableDigest } from './getStatementDigest.js';
export { EMPTY_BODY_HASH, hashRelayBody } from './hashRelayBody.js';
export {
  type RelayRequestSigner,
  type SignRelayRequestParameters,
  type SignRelayRequestReturnType,
  signRelayRequest,
} from './signRelayRequest.js';
export {
  argsAvailableTypes,
  getRelayDomain,
  RELAY_DOMAIN_NAME,
  RELAY_DOMAIN_VERSION,
  type RelayDomain,
  relayAuthHeaders,
  relayRequestTypes,
  resultAvailableTypes,
} from './typedData.js';
export {
  type RecoverPublicKey,
  type VerifyRelayRequestParameters,
  type VerifyRelayRequestReturnType,
  verifyRelayRequest,
} from './verifyRelayRequest.js';
