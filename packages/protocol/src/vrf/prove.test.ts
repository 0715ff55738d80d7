import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bigIntToBytes, bytesToHex } from './encoding.js';
import { VrfInvalidBytesError, VrfInvalidSecretKeyError } from './errors.js';
import { curveOrder, proofToHash, prove, verify } from './index.js';
import { loadPublishedVectors } from './testVectors.js';

const vectors = loadPublishedVectors();

describe('prove', () => {
  it('reproduces every published proof byte for byte (with the nonce convention of its source)', () => {
    assert.ok(vectors.length >= 20);
    for (const v of vectors) {
      assert.equal(
        prove(v.secretKeyHex, v.alpha, { nonce: v.nonce }),
        v.proof,
        `${v.source} key ${v.secretKey}`,
      );
    }
  });

  it('gives the published beta whichever nonce convention is used', () => {
    for (const v of vectors.slice(0, 6)) {
      const proof = prove(v.secretKeyHex, v.alpha);
      assert.equal(proofToHash(proof), v.beta);
      assert.equal(verify(v.publicKey, proof, v.alpha), v.beta);
      // Gamma is the same, c and s differ between the two conventions.
      const other = prove(v.secretKeyHex, v.alpha, { nonce: v.nonce === 'draft' ? 'witnet' : 'draft' });
      assert.equal(other.slice(0, 68), proof.slice(0, 68));
    }
  });

  it('is deterministic and accepts bytes or hex alike', () => {
    const v = vectors[0]!;
    const fromHex = prove(v.secretKeyHex, v.alpha);
    const fromBytes = prove(
      Uint8Array.from(Buffer.from(v.secretKeyHex.slice(2), 'hex')),
      new TextEncoder().encode('sample'),
    );
    assert.equal(fromBytes, fromHex);
    assert.equal(fromHex.length, 2 + 81 * 2);
  });

  it('handles an empty message', () => {
    const v = vectors[2]!;
    const proof = prove(v.secretKeyHex, '0x');
    assert.match(verify(v.publicKey, proof, new Uint8Array()), /^0x[0-9a-f]{64}$/);
  });

  it('rejects secret keys that are not scalars in [1, n)', () => {
    assert.throws(() => prove(bytesToHex(bigIntToBytes(0n)), '0x00'), VrfInvalidSecretKeyError);
    assert.throws(() => prove(bytesToHex(bigIntToBytes(curveOrder)), '0x00'), VrfInvalidSecretKeyError);
    assert.throws(() => prove('0x01', '0x00'), VrfInvalidSecretKeyError);
  });

  it('rejects inputs that are neither bytes nor 0x-hex', () => {
    const sk = vectors[0]!.secretKeyHex;
    assert.throws(() => prove(sk, 'sample' as `0x${string}`), VrfInvalidBytesError);
    assert.throws(() => prove(sk, '0xabc'), VrfInvalidBytesError);
    assert.throws(() => prove(sk.slice(2) as `0x${string}`, '0x00'), VrfInvalidBytesError);
  });
});
