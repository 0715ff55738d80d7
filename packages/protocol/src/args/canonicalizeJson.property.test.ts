import assert from 'node:assert/strict';
import { it } from 'node:test';
import { createPrng, type Prng } from '../staking/createPrng.js';
import { canonicalizeJson } from './canonicalizeJson.js';
import { decodeTaskArgs } from './decodeTaskArgs.js';

const alphabet = [
  'a',
  'b',
  'Z',
  '0',
  ' ',
  '"',
  '\\',
  '\n',
  '\u0001',
  '\u007f',
  'é',
  '€',
  '\u2028',
  '😀',
  '\ufb33',
];

function randomString(prng: Prng): string {
  let s = '';
  for (let n = prng.nextInt(6); n > 0; n--) s += alphabet[prng.nextInt(alphabet.length)];
  return s;
}

function randomNumber(prng: Prng): number {
  switch (prng.nextInt(4)) {
    case 0:
      return prng.nextInt(2001) - 1000;
    case 1:
      return (prng.nextFloat() - 0.5) * 10 ** (prng.nextInt(60) - 30);
    case 2: {
      // Arbitrary bit patterns cover subnormals and the extremes.
      const view = new DataView(new ArrayBuffer(8));
      view.setUint32(0, prng.nextUint32());
      view.setUint32(4, prng.nextUint32());
      const x = view.getFloat64(0);
      return Number.isFinite(x) ? x : 0;
    }
    default:
      return [0, -0, 1e21, 1e-7, 0.1, Number.MAX_SAFE_INTEGER, Number.MIN_VALUE][prng.nextInt(7)]!;
  }
}

function randomJson(prng: Prng, depth: number): unknown {
  const pick = prng.nextInt(depth > 3 ? 5 : 7);
  switch (pick) {
    case 0:
      return null;
    case 1:
      return prng.nextInt(2) === 1;
    case 2:
    case 3:
      return randomNumber(prng);
    case 4:
      return randomString(prng);
    case 5:
      return Array.from({ length: prng.nextInt(4) }, () => randomJson(prng, depth + 1));
    default: {
      const object: Record<string, unknown> = {};
      for (let n = prng.nextInt(5); n > 0; n--) object[randomString(prng)] = randomJson(prng, depth + 1);
      return object;
    }
  }
}

/** The same object with its members inserted in reverse order, recursively. */
function reversed(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reversed);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value).reverse())
    out[key] = reversed((value as Record<string, unknown>)[key]);
  return out;
}

it('canonical JSON is a fixed point, order-independent, and decodes back to the value (seeded, 3000 documents)', () => {
  const prng = createPrng(8785);
  const encoder = new TextEncoder();
  for (let i = 0; i < 3000; i++) {
    const value = randomJson(prng, 0);
    const text = canonicalizeJson(value);
    const parsed: unknown = JSON.parse(text);
    assert.equal(canonicalizeJson(parsed), text);
    assert.equal(canonicalizeJson(reversed(value)), text);
    assert.deepEqual(decodeTaskArgs(encoder.encode(text)), parsed);
    // Pretty-printed, the same document is no longer accepted (when whitespace can appear at all).
    const pretty = JSON.stringify(parsed, null, 1);
    if (pretty !== text) assert.throws(() => decodeTaskArgs(encoder.encode(pretty)));
  }
});
