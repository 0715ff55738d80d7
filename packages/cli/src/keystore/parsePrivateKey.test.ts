import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PrivateKeyError, parsePrivateKey } from './parsePrivateKey.js';

// anvil's first test key: public, so it may appear in a test.
const key = '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80';
const n = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

describe('parsePrivateKey: the shapes keys arrive in', () => {
  for (const [shape, input] of [
    ['0x-prefixed', key],
    ['without 0x', key.slice(2)],
    ['upper-case hex with 0X', `0X${key.slice(2).toUpperCase()}`],
    ['surrounded by spaces and tabs', ` \t${key}  `],
    ['with a trailing newline (echo > file)', `${key}\n`],
    ['with a Windows line ending', `${key.slice(2)}\r\n`],
  ] as const) {
    it(`accepts a key ${shape}`, () => assert.equal(parsePrivateKey(input), key));
  }

  it('accepts the extremes 1 and n−1', () => {
    assert.equal(parsePrivateKey(`0x${'0'.repeat(63)}1`), `0x${'0'.repeat(63)}1`);
    assert.equal(parsePrivateKey((n - 1n).toString(16)), `0x${(n - 1n).toString(16)}`);
  });
});

describe('parsePrivateKey: what is not a key is a one-line error that never echoes the input', () => {
  for (const [shape, input, message] of [
    ['zero', `0x${'0'.repeat(64)}`, /is zero/],
    ['the curve order n', `0x${n.toString(16)}`, /not below the secp256k1 curve order/],
    ['above n', 'f'.repeat(64), /not below the secp256k1 curve order/],
    ['too short', key.slice(0, 40), /has 38 hex digits; a private key has exactly 64/],
    ['too long (an address plus a key)', `${key}00`, /has 66 hex digits/],
    ['not hex', `0x${'z'.repeat(64)}`, /is not hex/],
    ['a mnemonic', 'test test test test test test test test test test test junk', /is not hex/],
    ['empty', '  \n', /is empty/],
    ['just 0x', '0x', /is empty/],
  ] as const) {
    it(`rejects ${shape}`, () => {
      assert.throws(
        () => parsePrivateKey(input, 'The key in KEY'),
        (error: unknown) => {
          assert.ok(error instanceof PrivateKeyError);
          assert.match(error.message, message);
          assert.match(error.message, /^The key in KEY /);
          assert.doesNotMatch(error.message, /\n/);
          if (input.trim().length > 8) assert.ok(!error.message.includes(input.trim()), 'echoes the key');
          return true;
        },
      );
    });
  }
});
