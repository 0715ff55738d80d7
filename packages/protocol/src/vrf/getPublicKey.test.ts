import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { privateKeyToAddress } from 'viem/accounts';
import { getPublicKeyAddress, parsePublicKey, VrfInvalidPublicKeyError } from './index.js';
import { loadPublishedVectors } from './testVectors.js';

describe('getPublicKey / getPublicKeyAddress', () => {
  it('gives the 64-byte key whose compressed form was published', () => {
    for (const v of loadPublishedVectors()) {
      assert.equal(v.publicKey.length, 2 + 128);
      if (v.publicKeyCompressed)
        assert.ok(parsePublicKey(v.publicKeyCompressed).equals(parsePublicKey(v.publicKey)));
    }
  });

  it('gives the Ethereum address of the same secret key', () => {
    for (const v of loadPublishedVectors().slice(0, 8)) {
      assert.equal(getPublicKeyAddress(v.publicKey), privateKeyToAddress(v.secretKeyHex));
    }
  });

  it('refuses a key that is not on the curve', () => {
    assert.throws(() => getPublicKeyAddress(`0x${'00'.repeat(64)}`), VrfInvalidPublicKeyError);
  });
});
