import { bytesToHex, randomBytes } from '@noble/hashes/utils.js';
import type { Address, Hex, TypedDataDefinition } from 'viem';
import { getRelayRequestDigest } from './getRelayRequestDigest.js';
import { hashRelayBody } from './hashRelayBody.js';
import { type RelayDomain, relayAuthHeaders, relayRequestTypes } from './typedData.js';

/** Any signer with viem's `signTypedData` (a local account, a JSON-RPC account, a browser wallet client). */
export type RelayRequestSigner = {
  address: Address;
  signTypedData: (parameters: TypedDataDefinition<typeof relayRequestTypes, 'RelayRequest'>) => Promise<Hex>;
  /**
   * Signs a digest as it is (a local account's `sign`): then the EIP-712 digest is computed directly
   * (getRelayRequestDigest) instead of by viem's generic `hashTypedData`, for the same signature.
   */
  sign?: ((parameters: { hash: Hex }) => Promise<Hex>) | undefined;
};

export type SignRelayRequestParameters = {
  signer: RelayRequestSigner;
  domain: RelayDomain;
  method: string;
  /** Path and query string exactly as sent. */
  path: string;
  /** The body bytes, or their sha256 (`bodyHash`) when the body is streamed from elsewhere. */
  body?: Uint8Array | undefined;
  bodyHash?: Hex | undefined;
  /** Unix seconds; now by default. */
  timestamp?: bigint | undefined;
  nonce?: Hex | undefined;
};

export type SignRelayRequestReturnType = Record<
  (typeof relayAuthHeaders)[keyof typeof relayAuthHeaders],
  string
>;

/**
 * Signs a relay request (EIP-712 `RelayRequest`) and returns the headers to send with it.
 *
 * @example
 * const headers = await signRelayRequest({ signer: account, domain, method: 'GET', path: `/v1/tasks/${key}/args` });
 */
export async function signRelayRequest(
  parameters: SignRelayRequestParameters,
): Promise<SignRelayRequestReturnType> {
  const bodyHash = parameters.bodyHash ?? hashRelayBody(parameters.body ?? new Uint8Array());
  const timestamp = parameters.timestamp ?? BigInt(Math.floor(Date.now() / 1000));
  const nonce = parameters.nonce ?? (`0x${bytesToHex(randomBytes(32))}` as Hex);
  const method = parameters.method.toUpperCase();
  const message = { method, path: parameters.path, bodyHash, timestamp, nonce };
  const { signer } = parameters;
  const signature = signer.sign
    ? await signer.sign({ hash: `0x${bytesToHex(getRelayRequestDigest(parameters.domain, message))}` })
    : await signer.signTypedData({
        domain: parameters.domain,
        types: relayRequestTypes,
        primaryType: 'RelayRequest',
        message,
      });
  return {
    [relayAuthHeaders.address]: parameters.signer.address,
    [relayAuthHeaders.timestamp]: timestamp.toString(),
    [relayAuthHeaders.nonce]: nonce,
    [relayAuthHeaders.bodyHash]: bodyHash,
    [relayAuthHeaders.signature]: signature,
  } as SignRelayRequestReturnType;
}
