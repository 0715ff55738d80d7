import { keccak_256 } from '@noble/hashes/sha3.js';
import { concatBytes, hexToBytes, utf8ToBytes } from '@noble/hashes/utils.js';
import type { Hex } from 'viem';
import type { RelayDomain } from './typedData.js';

export type RelayRequestMessage = {
  method: string;
  /** The request target exactly as sent: path and query string (`/v1/args/0x…?salt=0x…`). */
  path: string;
  bodyHash: Hex;
  /** Unix seconds. */
  timestamp: bigint;
  nonce: Hex;
};

const typeHash = keccak_256(
  utf8ToBytes('RelayRequest(string method,string path,bytes32 bodyHash,uint64 timestamp,bytes32 nonce)'),
);
const domainTypeHash = keccak_256(
  utf8ToBytes('EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)'),
);
const separators = new Map<string, Uint8Array>();
/** keccak256 of methods and paths already seen: a node polls the same path again and again. Bounded. */
const stringHashes = new Map<string, Uint8Array>();

/** keccak-256 of bytes; `keccak_256` of @noble/hashes by default, a faster one injected by the relay. */
export type Keccak256 = (data: Uint8Array) => Uint8Array;

function hashString(value: string, keccak: Keccak256): Uint8Array {
  let hash = stringHashes.get(value);
  if (!hash) {
    hash = keccak(utf8ToBytes(value));
    if (stringHashes.size >= 4096) stringHashes.clear();
    stringHashes.set(value, hash);
  }
  return hash;
}

function word(value: bigint): Uint8Array {
  const out = new Uint8Array(32);
  let v = value;
  for (let i = 31; i >= 0 && v > 0n; i--) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

function bytes32(hex: Hex): Uint8Array {
  const bytes = hexToBytes(hex.slice(2));
  if (bytes.length !== 32) throw new TypeError(`expected 32 bytes, got ${bytes.length}`);
  return bytes;
}

/** The EIP-712 domain separator of a relay domain (requests and statements share it), computed once per domain. */
export function getRelayDomainSeparator(domain: RelayDomain): Uint8Array {
  const id = `${domain.chainId}:${domain.verifyingContract.toLowerCase()}:${domain.name}:${domain.version}`;
  let separator = separators.get(id);
  if (!separator) {
    const contract = new Uint8Array(32);
    contract.set(hexToBytes(domain.verifyingContract.slice(2)), 12);
    separator = keccak_256(
      concatBytes(
        domainTypeHash,
        keccak_256(utf8ToBytes(domain.name)),
        keccak_256(utf8ToBytes(domain.version)),
        word(BigInt(domain.chainId)),
        contract,
      ),
    );
    separators.set(id, separator);
  }
  return separator;
}

/**
 * The EIP-712 digest of a relay request, computed directly (a few microseconds; equal to viem's
 * `hashTypedData` with {@link relayRequestTypes}, tested). The relay verifies thousands per second with it.
 *
 * @example
 * const digest = getRelayRequestDigest(domain, { method: 'GET', path: '/v1/info', bodyHash, timestamp, nonce });
 */
export function getRelayRequestDigest(
  domain: RelayDomain,
  message: RelayRequestMessage,
  keccak: Keccak256 = keccak_256,
): Uint8Array {
  if (message.timestamp < 0n || message.timestamp >= 2n ** 64n)
    throw new TypeError('timestamp out of uint64');
  const struct = keccak(
    concatBytes(
      typeHash,
      hashString(message.method, keccak),
      hashString(message.path, keccak),
      bytes32(message.bodyHash),
      word(message.timestamp),
      bytes32(message.nonce),
    ),
  );
  return keccak(concatBytes(new Uint8Array([0x19, 0x01]), getRelayDomainSeparator(domain), struct));
}
