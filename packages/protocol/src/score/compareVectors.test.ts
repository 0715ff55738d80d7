import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { compareScores } from './compareScores.js';

type Vector = {
  name: string;
  kind: 'image' | 'text';
  threshold: number;
  a: string;
  b: string;
  match: boolean;
  distances: number[];
};

const { cases } = JSON.parse(
  readFileSync(new URL('./fixtures/compare-vectors.json', import.meta.url), 'utf8'),
) as {
  cases: Vector[];
};
const bytes = (hex: string) => Uint8Array.from(Buffer.from(hex.slice(2), 'hex'));

/** Independent of hammingDistance64: compares the blocks as strings of '0' and '1'. */
function bitDistances(a: Uint8Array, b: Uint8Array): number[] {
  const bits = (block: Uint8Array) => [...block].map((v) => v.toString(2).padStart(8, '0')).join('');
  const out: number[] = [];
  for (let offset = 0; offset < a.length; offset += 8) {
    const x = bits(a.subarray(offset, offset + 8));
    const y = bits(b.subarray(offset, offset + 8));
    out.push([...x].filter((c, i) => c !== y[i]).length);
  }
  return out;
}

test('the shared comparison vectors cover both outcomes and the malformed cases', () => {
  assert.ok(cases.length >= 20);
  assert.ok(cases.some((c) => c.match) && cases.some((c) => !c.match));
  assert.ok(cases.some((c) => c.kind === 'text') && cases.some((c) => c.name.includes('never match')));
});

for (const vector of cases) {
  test(`compare vector: ${vector.name}`, () => {
    const a = bytes(vector.a);
    const b = bytes(vector.b);
    const options =
      vector.kind === 'image'
        ? { kind: 'image' as const, threshold: vector.threshold }
        : { kind: 'text' as const };
    assert.deepEqual(compareScores(a, b, options), { match: vector.match, distances: vector.distances });
    if (vector.kind === 'image' && a.length === b.length && a.length > 0 && a.length % 8 === 0) {
      const distances = bitDistances(a, b);
      assert.deepEqual(vector.distances, distances);
      assert.equal(
        vector.match,
        distances.every((d) => d <= vector.threshold),
      );
    }
  });
}
