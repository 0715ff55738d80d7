import { bytesToHex, randomBytes } from '@noble/hashes/utils.js';
import type { Address, Hex, TypedDataDefinition } from 'viem';
import { hashRelayBody } from './hashRelayBody.js';
import { type RelayDomain, relayAuthHeaders, relayRequestTypes } from './typedData.js';

/** Any signer with viem's `signTypedData` (a local account, a JSON-RPC account, a browser wallet client). */
export type RelayRequestSigner = {
  address: Address;
  signTypedData: (parameters: TypedDataDefinition<typeof relayRequestTypes, 'RelayRequest'>) => Promise<Hex>;
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
  const signature = await parameters.signer.signTypedData({
    domain: parameters.domain,
    types: relayRequestTypes,
    primaryType: 'RelayRequest',
    message: { method, path: parameters.path, bodyHash, timestamp, nonce },
  });
  return {
    [relayAuthHeaders.address]: parameters.signer.address,
    [relayAuthHeaders.timestamp]: timestamp.toString(),
    [relayAuthHeaders.nonce]: nonce,
    [relayAuthHeaders.bodyHash]: bodyHash,
    [relayAuthHeaders.signature]: signature,
  } as SignRelayRequestReturnType;
}
