import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Hex } from 'viem';
import { bytesToHex } from './encoding.js';
import { readPublishedVectors } from './generateFixtures.js';
import {
  fieldPrime,
  getPublicKey,
  hashToCurve,
  parsePublicKey,
  prove,
  VrfInvalidProofError,
  VrfInvalidProofLengthError,
  VrfInvalidPublicKeyError,
  VrfMalformedProofError,
  verify,
} from './index.js';
import { loadPublishedVectors } from './testVectors.js';

const vectors = loadPublishedVectors();
const published = readPublishedVectors();

function flipBit(hex: Hex, bit: number): Hex {
  const bytes = Buffer.from(hex.slice(2), 'hex');
  bytes[bit >> 3]! ^= 1 << (bit & 7);
  return `0x${bytes.toString('hex')}`;
}

describe('verify', () => {
  it('accepts every published proof and returns its published beta', () => {
    for (const v of vectors)
      assert.equal(verify(v.publicKey, v.proof, v.alpha), v.beta, `key ${v.secretKey}`);
  });

  it('accepts the public key as 64, 65 or 33 bytes', () => {
    const v = vectors[1]!;
    assert.equal(verify(`0x04${v.publicKey.slice(2)}`, v.proof, v.alpha), v.beta);
    assert.equal(verify(v.publicKeyCompressed!, v.proof, v.alpha), v.beta);
  });

  it('hashes to the curve as the published intermediate values say', () => {
    for (const h of published.hashToCurve) {
      const point = hashToCurve(parsePublicKey(h.publicKey), Buffer.from(h.alpha.slice(2), 'hex'));
      assert.deepEqual([point.x, point.y], h.point.map(BigInt));
    }
  });

  it('rejects a proof for another message', () => {
    const v = vectors[3]!;
    assert.throws(() => verify(v.publicKey, v.proof, '0x73616d706c66'), VrfInvalidProofError);
    assert.throws(() => verify(v.publicKey, v.proof, '0x'), VrfInvalidProofError);
  });

  it('rejects a proof under another key', () => {
    assert.throws(
      () => verify(vectors[4]!.publicKey, vectors[5]!.proof, vectors[5]!.alpha),
      VrfInvalidProofError,
    );
  });

  it('rejects every single-bit change of a proof', () => {
    const v = vectors[6]!;
    for (let bit = 0; bit < 81 * 8; bit += 7) {
      const tampered = flipBit(v.proof, bit);
      assert.throws(
        () => verify(v.publicKey, tampered, v.alpha),
        (e: unknown) => e instanceof VrfInvalidProofError || e instanceof VrfMalformedProofError,
        `bit ${bit}`,
      );
    }
  });

  it('rejects proofs of the wrong length with VrfInvalidProofLengthError', () => {
    const v = vectors[0]!;
    assert.throws(
      () => verify(v.publicKey, v.proof.slice(0, -2) as Hex, v.alpha),
      VrfInvalidProofLengthError,
    );
    assert.throws(() => verify(v.publicKey, `${v.proof}00`, v.alpha), VrfInvalidProofLengthError);
    assert.throws(() => verify(v.publicKey, '0x', v.alpha), VrfInvalidProofLengthError);
  });

  it('rejects malformed gamma, c and s with VrfMalformedProofError', () => {
    const v = vectors[0]!;
    const body = v.proof.slice(4);
    assert.throws(() => verify(v.publicKey, `0x04${body}`, v.alpha), VrfMalformedProofError);
    assert.throws(() => verify(v.publicKey, `0x00${body}`, v.alpha), VrfMalformedProofError);
    // An x with no curve point (x = 5 has none: 5³ + 7 = 132 is not a square mod p).
    const offCurve: Hex = `0x02${'00'.repeat(31)}05${v.proof.slice(68)}`;
    assert.throws(() => verify(v.publicKey, offCurve, v.alpha), VrfMalformedProofError);
    const zeroC: Hex = `${v.proof.slice(0, 68)}${'00'.repeat(16)}${v.proof.slice(100)}` as Hex;
    assert.throws(() => verify(v.publicKey, zeroC, v.alpha), VrfMalformedProofError);
    const maxS: Hex = `${v.proof.slice(0, 100)}${'ff'.repeat(32)}` as Hex;
    assert.throws(() => verify(v.publicKey, maxS, v.alpha), VrfMalformedProofError);
  });

  it('rejects malformed public keys with VrfInvalidPublicKeyError', () => {
    const v = vectors[0]!;
    const xy = Buffer.from(v.publicKey.slice(2), 'hex');
    xy[63]! ^= 1;
    assert.throws(() => verify(bytesToHex(xy), v.proof, v.alpha), VrfInvalidPublicKeyError);
    assert.throws(() => verify(v.publicKey.slice(0, -2) as Hex, v.proof, v.alpha), VrfInvalidPublicKeyError);
    assert.throws(() => verify(`0x05${v.publicKey.slice(2)}`, v.proof, v.alpha), VrfInvalidPublicKeyError);
    const big: Hex = `0x${fieldPrime.toString(16)}${v.publicKey.slice(66)}`;
    assert.throws(() => verify(big, v.proof, v.alpha), VrfInvalidPublicKeyError);
  });

  it('round-trips fresh keys and messages', () => {
    for (let i = 1; i <= 4; i++) {
      const sk: Hex = `0x${(BigInt(i) * 0x1234567890abcdefn).toString(16).padStart(64, '0')}`;
      const alpha: Hex = `0x${'ab'.repeat(i * 17)}`;
      const proof = prove(sk, alpha);
      assert.match(verify(getPublicKey(sk), proof, alpha), /^0x[0-9a-f]{64}$/);
    }
  });
});
