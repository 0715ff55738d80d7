/** Shared loading of the committed published vectors for the tests of this folder. */
import type { Hex } from 'viem';
import { normalizeSecretKey, type PublishedVector, readPublishedVectors } from './generateFixtures.js';
import { getPublicKey } from './getPublicKey.js';

export type LoadedVector = PublishedVector & { secretKeyHex: Hex; publicKey: Hex };

export function loadPublishedVectors(): LoadedVector[] {
  return readPublishedVectors().vectors.map((v) => {
    const secretKeyHex = normalizeSecretKey(v.secretKey);
    return { ...v, secretKeyHex, publicKey: getPublicKey(secretKeyHex) };
  });
}
