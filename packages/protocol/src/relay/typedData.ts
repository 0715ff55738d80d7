import type { Address } from 'viem';

/**
 * EIP-712 definitions shared by the relay, its clients and the contracts (docs/relay-api.md,
 * /work/coord design "relay statements"). One domain for requests and statements: their primary types differ,
 * so a client's request signature can never be read as a relay statement or the other way round.
 */
export const RELAY_DOMAIN_NAME = 'Verinet Relay';
export const RELAY_DOMAIN_VERSION = '1';

export type RelayDomain = {
  name: typeof RELAY_DOMAIN_NAME;
  version: typeof RELAY_DOMAIN_VERSION;
  chainId: number;
  /** The TaskManager: binds every signature to one deployment. */
  verifyingContract: Address;
};

/**
 * The EIP-712 domain of a deployment.
 *
 * @example
 * const domain = getRelayDomain({ chainId: 31337, taskManager: deployment.contracts.taskManager });
 */
export function getRelayDomain({
  chainId,
  taskManager,
}: {
  chainId: number;
  taskManager: Address;
}): RelayDomain {
  return { name: RELAY_DOMAIN_NAME, version: RELAY_DOMAIN_VERSION, chainId, verifyingContract: taskManager };
}

/** What a client signs for every authenticated request. */
export const relayRequestTypes = {
  RelayRequest: [
    { name: 'method', type: 'string' },
    { name: 'path', type: 'string' },
    { name: 'bodyHash', type: 'bytes32' },
    { name: 'timestamp', type: 'uint64' },
    { name: 'nonce', type: 'bytes32' },
  ],
} as const;

/** The relay holds a creator's canonical arguments opening `argsCommitment`, until at least `expiry`. */
export const argsAvailableTypes = {
  ArgsAvailable: [
    { name: 'creator', type: 'address' },
    { name: 'argsCommitment', type: 'bytes32' },
    { name: 'expiry', type: 'uint64' },
  ],
} as const;

/** The relay holds result files of `taskKey` whose recomputed score hashes to `resultHash`. */
export const resultAvailableTypes = {
  ResultAvailable: [
    { name: 'taskKey', type: 'bytes32' },
    { name: 'resultHash', type: 'bytes32' },
  ],
} as const;

/** Header names of an authenticated request (lower case, as HTTP/2 and Node present them). */
export const relayAuthHeaders = {
  address: 'x-verinet-address',
  timestamp: 'x-verinet-timestamp',
  nonce: 'x-verinet-nonce',
  bodyHash: 'x-verinet-body-hash',
  signature: 'x-verinet-signature',
} as const;
