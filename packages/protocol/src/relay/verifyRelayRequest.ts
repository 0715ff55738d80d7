import { secp256k1 } from '@noble/curves/secp256k1.js';
import { keccak_256 } from '@noble/hashes/sha3.js';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import type { Address, Hex } from 'viem';
import { RelayAuthError } from './errors.js';
import { getRelayRequestDigest, type Keccak256 } from './getRelayRequestDigest.js';
import { type RelayDomain, relayAuthHeaders } from './typedData.js';

/**
 * Recovers the 65-byte uncompressed public key from a 32-byte digest, the 64-byte `r ‖ s` and the recovery
 * bit (0 or 1). Pure JavaScript by default; the relay injects a native one for speed.
 */
export type RecoverPublicKey = (digest: Uint8Array, signature: Uint8Array, recovery: number) => Uint8Array;

export type VerifyRelayRequestParameters = {
  domain: RelayDomain;
  method: string;
  /** Path and query string exactly as received. */
  path: string;
  /** Request headers (lower-case names); values as Node gives them. */
  headers: Record<string, string | string[] | undefined>;
  /** Unix seconds; now by default. */
  now?: number | undefined;
  /** How old a signature may be, in seconds (default 60). */
  maxAgeSeconds?: number | undefined;
  /** How far ahead of `now` a timestamp may be (clock skew), in seconds (default 10). */
  maxFutureSeconds?: number | undefined;
  recoverPublicKey?: RecoverPublicKey | undefined;
  /** keccak-256 (pure JavaScript by default; the relay injects a WebAssembly one for speed). */
  keccak256?: Keccak256 | undefined;
};

export type VerifyRelayRequestReturnType = {
  /** The signer, checksum-free lower case. */
  address: Address;
  /** The EIP-712 digest: unique per signed request, the key of the relay's replay cache. */
  digest: Hex;
  /** The declared sha256 of the body; the relay checks the body against it. */
  bodyHash: Hex;
  timestamp: number;
};

const bytes32Pattern = /^0x[0-9a-fA-F]{64}$/;
const addressPattern = /^0x[0-9a-fA-F]{40}$/;
const signaturePattern = /^0x[0-9a-fA-F]{130}$/;

const nobleRecover: RecoverPublicKey = (digest, signature, recovery) => {
  const recovered = new Uint8Array(65);
  recovered[0] = recovery;
  recovered.set(signature, 1);
  const compressed = secp256k1.recoverPublicKey(recovered, digest, { prehash: false });
  return secp256k1.Point.fromBytes(compressed).toBytes(false);
};

function header(headers: VerifyRelayRequestParameters['headers'], name: string): string {
  const value = headers[name];
  if (value === undefined)
    throw new RelayAuthError('missing', `Missing header ${name}: sign the request (docs/relay-api.md).`);
  if (Array.isArray(value)) throw new RelayAuthError('malformed', `Header ${name} given more than once.`);
  return value;
}

/**
 * Checks a relay request's signature headers: well formed, timestamp inside the validity window, and the
 * EIP-712 `RelayRequest` signature made by the address it claims. Throws {@link RelayAuthError}. Replays are
 * the caller's to refuse (remember `digest` for the window), and so is the body (hash it, compare `bodyHash`).
 *
 * @example
 * const { address, digest } = verifyRelayRequest({ domain, method: 'GET', path: req.url, headers: req.headers });
 */
export function verifyRelayRequest(parameters: VerifyRelayRequestParameters): VerifyRelayRequestReturnType {
  const { headers } = parameters;
  const address = header(headers, relayAuthHeaders.address);
  const timestampText = header(headers, relayAuthHeaders.timestamp);
  const nonce = header(headers, relayAuthHeaders.nonce);
  const bodyHash = header(headers, relayAuthHeaders.bodyHash);
  const signature = header(headers, relayAuthHeaders.signature);
  if (!addressPattern.test(address))
    throw new RelayAuthError(
      'malformed',
      `${relayAuthHeaders.address} must be a 0x-prefixed 20-byte address.`,
    );
  if (!/^[0-9]{1,15}$/.test(timestampText))
    throw new RelayAuthError('malformed', `${relayAuthHeaders.timestamp} must be unix seconds (decimal).`);
  if (!bytes32Pattern.test(nonce))
    throw new RelayAuthError('malformed', `${relayAuthHeaders.nonce} must be 32 bytes of 0x-prefixed hex.`);
  if (!bytes32Pattern.test(bodyHash))
    throw new RelayAuthError(
      'malformed',
      `${relayAuthHeaders.bodyHash} must be the 0x-prefixed sha256 of the body.`,
    );
  if (!signaturePattern.test(signature))
    throw new RelayAuthError(
      'malformed',
      `${relayAuthHeaders.signature} must be a 65-byte 0x-prefixed signature.`,
    );
  const timestamp = Number(timestampText);
  const now = parameters.now ?? Math.floor(Date.now() / 1000);
  const maxAge = parameters.maxAgeSeconds ?? 60;
  const maxFuture = parameters.maxFutureSeconds ?? 10;
  if (timestamp < now - maxAge)
    throw new RelayAuthError(
      'stale',
      `Signature too old: timestamp ${timestamp} is more than ${maxAge} s before ${now}.`,
    );
  if (timestamp > now + maxFuture)
    throw new RelayAuthError(
      'future',
      `Signature timestamp ${timestamp} is more than ${maxFuture} s ahead of ${now}.`,
    );
  const keccak = parameters.keccak256 ?? keccak_256;
  const digest = getRelayRequestDigest(
    parameters.domain,
    {
      method: parameters.method.toUpperCase(),
      path: parameters.path,
      bodyHash: bodyHash as Hex,
      timestamp: BigInt(timestamp),
      nonce: nonce as Hex,
    },
    keccak,
  );
  const sig = hexToBytes(signature.slice(2));
  const v = sig[64]!;
  const recovery = v >= 27 ? v - 27 : v;
  if (recovery !== 0 && recovery !== 1)
    throw new RelayAuthError('bad_signature', `Signature recovery byte ${v} is not 0, 1, 27 or 28.`);
  let publicKey: Uint8Array;
  try {
    publicKey = (parameters.recoverPublicKey ?? nobleRecover)(digest, sig.subarray(0, 64), recovery);
  } catch {
    throw new RelayAuthError('bad_signature', 'The signature does not recover to any key.');
  }
  const recovered = `0x${bytesToHex(keccak(publicKey.subarray(1)).subarray(12))}` as Address;
  if (recovered !== address.toLowerCase())
    throw new RelayAuthError(
      'bad_signature',
      `The signature is not ${address}'s for this request (method, path, body hash, timestamp, nonce, chain).`,
    );
  return {
    address: recovered,
    digest: `0x${bytesToHex(digest)}`,
    bodyHash: bodyHash.toLowerCase() as Hex,
    timestamp,
  };
}
