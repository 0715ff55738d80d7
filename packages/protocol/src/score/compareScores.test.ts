import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compareScores } from './compareScores.js';
import { InvalidBlockLengthError, InvalidThresholdError } from './errors.js';
import { getTextScore } from './getTextScore.js';
import { hammingDistance64 } from './hammingDistance64.js';

const block = (hex: string) => Uint8Array.from(Buffer.from(hex, 'hex'));

test('hammingDistance64 counts differing bits', () => {
  assert.equal(hammingDistance64(block('0000000000000000'), block('0000000000000000')), 0);
  assert.equal(hammingDistance64(block('8000000000000000'), block('0000000000000001')), 2);
  assert.equal(hammingDistance64(block('ffffffffffffffff'), block('0000000000000000')), 64);
  assert.equal(hammingDistance64(block('f0f0f0f0f0f0f0f0'), block('0ff0f0f0f0f0f0f1')), 9);
  assert.throws(() => hammingDistance64(new Uint8Array(7), new Uint8Array(8)), InvalidBlockLengthError);
  // A short second block would read `undefined` past its end, which XORs as 0: it must be refused too.
  assert.throws(() => hammingDistance64(new Uint8Array(8), new Uint8Array(7)), InvalidBlockLengthError);
  assert.throws(() => hammingDistance64(new Uint8Array(8), new Uint8Array(9)), InvalidBlockLengthError);
});

test('compareScores matches image scores when every block is within the threshold', () => {
  const a = block('00000000000000ffffffffffffffffff');
  const b = block('000000000000000fffffffffffffff00');
  assert.deepEqual(compareScores(a, b, { kind: 'image', threshold: 8 }), { match: true, distances: [4, 8] });
  assert.deepEqual(compareScores(a, b, { kind: 'image', threshold: 7 }), { match: false, distances: [4, 8] });
  assert.deepEqual(compareScores(a, a, { kind: 'image', threshold: 0 }), { match: true, distances: [0, 0] });
});

test('compareScores never matches malformed image scores', () => {
  const one = block('0000000000000000');
  const two = block('00000000000000000000000000000000');
  assert.equal(compareScores(one, two, { kind: 'image', threshold: 64 }).match, false);
  assert.equal(
    compareScores(new Uint8Array(12), new Uint8Array(12), { kind: 'image', threshold: 64 }).match,
    false,
  );
  assert.equal(
    compareScores(new Uint8Array(0), new Uint8Array(0), { kind: 'image', threshold: 64 }).match,
    false,
  );
});

test('compareScores never matches scores of different lengths, whichever is shorter', () => {
  // The shorter score is a prefix of the longer one: a comparison that walked only the first score's
  // blocks or bytes would call them equal.
  const short = block('0123456789abcdef');
  const long = block('0123456789abcdef0123456789abcdef');
  for (const [a, b] of [
    [short, long],
    [long, short],
  ] as const) {
    assert.deepEqual(compareScores(a, b, { kind: 'image', threshold: 64 }), { match: false, distances: [] });
  }
  const digest = getTextScore(new TextEncoder().encode('{}'));
  const longer = Uint8Array.from([...digest, 0]);
  for (const [a, b] of [
    [digest.subarray(0, 16), digest],
    [digest, digest.subarray(0, 16)],
    [digest, longer],
    [longer, digest],
  ] as const) {
    assert.equal(compareScores(a, b, { kind: 'text' }).match, false);
  }
  assert.equal(compareScores(longer, longer.slice(), { kind: 'text' }).match, false);
});

test('compareScores accepts the threshold bounds 0 and 64', () => {
  const zeros = block('0000000000000000');
  const ones = block('ffffffffffffffff');
  assert.deepEqual(compareScores(zeros, ones, { kind: 'image', threshold: 64 }), {
    match: true,
    distances: [64],
  });
  assert.deepEqual(compareScores(zeros, ones, { kind: 'image', threshold: 0 }), {
    match: false,
    distances: [64],
  });
  assert.deepEqual(compareScores(zeros, zeros, { kind: 'image', threshold: 0 }), {
    match: true,
    distances: [0],
  });
});

test('compareScores rejects thresholds outside 0..64', () => {
  const a = block('0000000000000000');
  for (const threshold of [-1, 65, 2.5, Number.NaN])
    assert.throws(() => compareScores(a, a, { kind: 'image', threshold }), InvalidThresholdError);
});

test('compareScores matches text scores only when equal', () => {
  const a = getTextScore(new TextEncoder().encode('{"choices":[]}'));
  const b = getTextScore(new TextEncoder().encode('{"choices": []}'));
  assert.deepEqual(compareScores(a, a.slice(), { kind: 'text' }), { match: true, distances: [] });
  assert.equal(compareScores(a, b, { kind: 'text' }).match, false);
  assert.equal(compareScores(a, a.subarray(0, 31), { kind: 'text' }).match, false);
  // Equal but not a sha256 digest: malformed, so no match, as on chain.
  assert.equal(compareScores(new Uint8Array(8), new Uint8Array(8), { kind: 'text' }).match, false);
});

test('getTextScore is sha256 of the bytes', () => {
  assert.equal(
    Buffer.from(getTextScore(new TextEncoder().encode('abc'))).toString('hex'),
    'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
  );
});
