import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatEth } from '../../ui/lib/format.js';

test('formatEth shows small amounts in the unit that keeps them non-zero', () => {
  assert.equal(formatEth('0'), '0 ETH');
  assert.equal(formatEth(10n ** 16n), '0.01 ETH');
  assert.equal(formatEth('1500000000000000000'), '1.5 ETH');
  // The devnet CLI's fee: 1 gwei printed as "0 ETH" before.
  assert.equal(formatEth('1000000000'), '1 gwei');
  assert.equal(formatEth(2_500_000_000n), '2.5 gwei');
  // The CLI prints fees with this function too (it printed 0.000000003247321023 ETH).
  assert.equal(formatEth(3_247_321_023n), '3.2473 gwei');
  assert.equal(formatEth(123_456n), '0.0001 gwei');
  assert.equal(formatEth(42n), '42 wei');
  assert.equal(formatEth(-(10n ** 15n)), '−0.001 ETH');
  assert.equal(formatEth(-3n), '−3 wei');
  // Within a unit, at most `digits` decimals (the calculator asks for 6).
  assert.equal(formatEth(123_456_789_000_000n, 6), '0.000123 ETH');
});
