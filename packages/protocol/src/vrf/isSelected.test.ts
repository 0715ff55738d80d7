import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isSelected, VrfInvalidDenominatorError } from './index.js';

describe('isSelected', () => {
  it('selects when uint256(beta) is a multiple of the denominator', () => {
    const beta = `0x${30n.toString(16).padStart(64, '0')}` as const;
    assert.equal(isSelected(beta, 10n), true);
    assert.equal(isSelected(beta, 7n), false);
    assert.equal(isSelected(beta, 1), true);
    assert.equal(isSelected(Uint8Array.of(0, 30), 3), true);
  });

  it('agrees with BigInt(beta) % denominator on a published beta', () => {
    const beta = '0x612065e309e937ef46c2ef04d5886b9c6efd2991ac484ec64a9b014366fc5d81' as const;
    for (const d of [2n, 3n, 5n, 10n, 1000n]) assert.equal(isSelected(beta, d), BigInt(beta) % d === 0n);
  });

  it('refuses a zero, negative or fractional denominator', () => {
    assert.throws(() => isSelected('0x00', 0n), VrfInvalidDenominatorError);
    assert.throws(() => isSelected('0x00', -3n), VrfInvalidDenominatorError);
    assert.throws(() => isSelected('0x00', 1.5), VrfInvalidDenominatorError);
  });
});
