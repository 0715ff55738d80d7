import {
  type Hex,
  hashMessage,
  hashTypedData,
  hexToBytes,
  keccak256,
  type PrivateKeyAccount,
  serializeSignature,
  serializeTransaction,
  toHex,
} from 'viem';
import { privateKeyToAccount, publicKeyToAddress, toAccount } from 'viem/accounts';
import { hashAuthorization } from 'viem/utils';
import { loadNativeSecp256k1, type NativeSecp256k1 } from './loadNativeSecp256k1.js';

type Signature = { r: Hex; s: Hex; yParity: 0 | 1; v: bigint };

const signHash = (secp256k1: NativeSecp256k1, hash: Hex, privateKey: Uint8Array): Signature => {
  const { signature, recid } = secp256k1.ecdsaSign(hexToBytes(hash), privateKey);
  const yParity = recid === 1 ? 1 : 0;
  return {
    r: toHex(signature.subarray(0, 32)),
    s: toHex(signature.subarray(32, 64)),
    yParity,
    v: yParity ? 28n : 27n,
  };
};

/**
 * viem's `privateKeyToAccount` with its signatures made by libsecp256k1 (loadNativeSecp256k1): RFC 6979 nonces and
 * low s like viem's noble signer, so the same account makes the same signature bytes, in a twentieth of the CPU
 * (pure JavaScript signing was a tenth of a 20-node devnet's CPU: every relay request and transaction is signed).
 * For Node.js services and server-side apps; where the package has no prebuilt binding, viem's own account.
 *
 * @example
 * const account = privateKeyToNativeAccount(privateKey);
 * const signature = await account.signTypedData({ domain, types, primaryType, message });
 */
export function privateKeyToNativeAccount(privateKey: Hex): PrivateKeyAccount {
  const secp256k1 = loadNativeSecp256k1();
  const key = hexToBytes(privateKey);
  if (!secp256k1 || key.length !== 32 || !secp256k1.privateKeyVerify(key))
    // viem's account, or viem's own error for a key out of range.
    return privateKeyToAccount(privateKey);
  const publicKey = toHex(secp256k1.publicKeyCreate(key, false));
  const sign = (hash: Hex) => signHash(secp256k1, hash, key);
  const account = toAccount({
    address: publicKeyToAddress(publicKey),
    async sign({ hash }) {
      return serializeSignature(sign(hash));
    },
    async signAuthorization(authorization) {
      const address = authorization.contractAddress ?? authorization.address;
      const { chainId, nonce } = authorization;
      return { address, chainId, nonce, ...sign(hashAuthorization({ address, chainId, nonce })) };
    },
    async signMessage({ message }) {
      return serializeSignature(sign(hashMessage(message)));
    },
    async signTransaction(transaction, options) {
      const serializer = options?.serializer ?? serializeTransaction;
      // EIP-4844: the signature covers the payload without the sidecars (as viem's signer does).
      const signable = transaction.type === 'eip4844' ? { ...transaction, sidecars: false } : transaction;
      const signature = sign(keccak256(await serializer(signable as never)));
      return (await serializer(transaction as never, signature)) as never;
    },
    async signTypedData(typedData) {
      return serializeSignature(sign(hashTypedData(typedData as never)));
    },
  });
  return { ...account, publicKey, source: 'privateKey' } as PrivateKeyAccount;
}
