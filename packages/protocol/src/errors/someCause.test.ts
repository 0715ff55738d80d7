import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isCallOutOfGasError, isInsufficientFundsError } from '../chain/getFixedGasLimit.js';
import { someCause } from './someCause.js';

describe('someCause', () => {
  it('finds a cause down the chain, and the predicates built on it tell their errors apart', () => {
    const deep = new Error('call failed', {
      cause: new Error('rpc', { cause: new Error('EVM error OutOfGas') }),
    });
    assert.equal(
      someCause(deep, (cause) => (cause as Error).message === 'EVM error OutOfGas'),
      true,
    );
    assert.equal(isCallOutOfGasError(deep), true);
    assert.equal(isInsufficientFundsError(deep), false);
    const funds = new Error('x', { cause: { details: 'insufficient funds for gas * price + value' } });
    assert.equal(isInsufficientFundsError(funds), true);
    assert.equal(isCallOutOfGasError(new Error('execution reverted: TaskExists()')), false);
  });

  it('ends on a cyclic chain instead of looping', () => {
    const a = new Error('a') as Error & { cause?: unknown };
    const b = new Error('b', { cause: a });
    a.cause = b;
    assert.equal(
      someCause(a, () => false),
      false,
    );
  });
});
