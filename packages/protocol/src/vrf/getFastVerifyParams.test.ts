import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Point } from './constants.js';
import { readPublishedVectors } from './generateFixtures.js';
import { decodeProof, getFastVerifyParams, hashToCurve, parsePublicKey } from './index.js';
import { loadPublishedVectors } from './testVectors.js';

describe('getFastVerifyParams', () => {
  it('matches the helper values published with Witnet vrf-solidity', () => {
    for (const f of readPublishedVectors().fastVerify) {
      const params = getFastVerifyParams(f.publicKey, f.proof, f.alpha);
      assert.deepEqual(params.uPoint, f.uPoint.map(BigInt));
      assert.deepEqual(params.vComponents, f.vComponents.map(BigInt));
    }
  });

  it('gives U = s·B − c·Y and V components whose difference is k·H', () => {
    const v = loadPublishedVectors()[3]!;
    const { uPoint, vComponents } = getFastVerifyParams(v.publicKey, v.proof, v.alpha);
    const { c, s } = decodeProof(v.proof);
    const y = parsePublicKey(v.publicKey);
    const u = Point.fromAffine({ x: uPoint[0], y: uPoint[1] });
    assert.ok(u.equals(Point.BASE.multiply(s).subtract(y.multiply(c))));
    const h = hashToCurve(y, Buffer.from(v.alpha.slice(2), 'hex'));
    assert.ok(Point.fromAffine({ x: vComponents[0], y: vComponents[1] }).equals(h.multiply(s)));
  });
});
