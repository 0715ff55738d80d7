import { getNativeVrfCurve, privateKeyToNativeAccount } from '@verinet/protocol/nativeSecp256k1';
import type { SdkCurve } from './types.js';

/**
 * libsecp256k1 for a Node.js app's signatures and VRF proofs (`createClient({ …, curve: nativeCurve })`): the
 * same bytes as the default JavaScript at a small fraction of its CPU. Where the `secp256k1` package has no
 * prebuilt binding, the default JavaScript again.
 *
 * @example
 * import { createClient } from '@verinet/sdk';
 * import { nativeCurve } from '@verinet/sdk/node';
 * const client = createClient({ chain, relay, account: privateKey, curve: nativeCurve });
 */
export const nativeCurve: SdkCurve = {
  privateKeyToAccount: privateKeyToNativeAccount,
  vrf: getNativeVrfCurve(),
};
