import { type Address, type Hex, hexToBytes, recoverAddress, toHex } from 'viem';
import { publicKeyToAddress } from 'viem/accounts';
import { loadNativeSecp256k1 } from './loadNativeSecp256k1.js';

/**
 * viem's `recoverAddress` for a 65-byte r ‖ s ‖ v signature (v 27/28 or 0/1), done by libsecp256k1
 * (loadNativeSecp256k1) instead of a pure-JavaScript point multiplication of a few milliseconds; viem's own where
 * the package has no prebuilt binding. Throws on a malformed or unrecoverable signature.
 *
 * @example
 * const signer = await recoverAddressNative(hashTypedData(statement), signature);
 */
export async function recoverAddressNative(hash: Hex, signature: Hex): Promise<Address> {
  const secp256k1 = loadNativeSecp256k1();
  const bytes = hexToBytes(signature);
  if (!secp256k1 || bytes.length !== 65) return recoverAddress({ hash, signature });
  const v = bytes[64]!;
  const recovery = v >= 27 ? v - 27 : v;
  if (recovery !== 0 && recovery !== 1) return recoverAddress({ hash, signature });
  const publicKey = secp256k1.ecdsaRecover(bytes.subarray(0, 64), recovery, hexToBytes(hash), false);
  return publicKeyToAddress(toHex(publicKey));
}
