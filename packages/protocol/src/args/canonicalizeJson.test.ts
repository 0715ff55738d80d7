import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { canonicalizeJson } from './canonicalizeJson.js';
import { canonicalizeTaskArgs } from './canonicalizeTaskArgs.js';
import { CanonicalJsonError } from './errors.js';
import { getArgsHash } from './getArgsHash.js';

/** Reads an IEEE 754 double from its 16 hex digits, as RFC 8785 appendix B lists them. */
function fromIeeeHex(hex: string): number {
  const view = new DataView(new ArrayBuffer(8));
  view.setBigUint64(0, BigInt(`0x${hex}`));
  return view.getFloat64(0);
}

describe('canonicalizeJson (RFC 8785)', () => {
  it('serializes the numbers of RFC 8785 appendix B', () => {
    const vectors: [string, string][] = [
      ['0000000000000000', '0'],
      ['8000000000000000', '0'],
      ['0000000000000001', '5e-324'],
      ['8000000000000001', '-5e-324'],
      ['7fefffffffffffff', '1.7976931348623157e+308'],
      ['ffefffffffffffff', '-1.7976931348623157e+308'],
      ['4340000000000000', '9007199254740992'],
      ['c340000000000000', '-9007199254740992'],
      ['4430000000000000', '295147905179352830000'],
      ['44b52d02c7e14af5', '9.999999999999997e+22'],
      ['44b52d02c7e14af6', '1e+23'],
      ['44b52d02c7e14af7', '1.0000000000000001e+23'],
      ['444b1ae4d6e2ef4e', '999999999999999700000'],
      ['444b1ae4d6e2ef4f', '999999999999999900000'],
      ['444b1ae4d6e2ef50', '1e+21'],
      ['3eb0c6f7a0b5ed8c', '9.999999999999997e-7'],
      ['3eb0c6f7a0b5ed8d', '0.000001'],
      ['41b3de4355555553', '333333333.3333332'],
      ['41b3de4355555554', '333333333.33333325'],
      ['41b3de4355555555', '333333333.3333333'],
      ['41b3de4355555556', '333333333.3333334'],
      ['41b3de4355555557', '333333333.33333343'],
      ['becbf647612f3696', '-0.0000033333333333333333'],
      ['43143ff3c1cb0959', '1424953923781206.2'],
    ];
    for (const [hex, expected] of vectors) assert.equal(canonicalizeJson(fromIeeeHex(hex)), expected, hex);
  });

  it('refuses NaN and infinities', () => {
    for (const hex of ['7fffffffffffffff', '7ff0000000000000', 'fff0000000000000']) {
      assert.throws(() => canonicalizeJson(fromIeeeHex(hex)), CanonicalJsonError);
    }
  });

  it('matches the RFC 8785 section 3.2.2 example', () => {
    const input = JSON.parse(
      '{"numbers":[333333333.33333329,1E30,4.50,2e-3,0.000000000000000000000000001],' +
        '"string":"\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/","literals":[null,true,false]}',
    );
    assert.equal(
      canonicalizeJson(input),
      '{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],' +
        '"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}',
    );
  });

  it('sorts members by UTF-16 code units (RFC 8785 section 3.2.3)', () => {
    const input = {
      '\u20ac': 'Euro Sign',
      '\r': 'Carriage Return',
      '\ufb33': 'Hebrew Letter Dalet With Dagesh',
      '1': 'One',
      '\ud83d\ude00': 'Emoji: Grinning Face',
      '\u0080': 'Control',
      '\u00f6': 'Latin Small Letter O With Diaeresis',
    };
    // Object.keys would list the integer-like key first, so read the order off the text itself.
    assert.equal(
      canonicalizeJson(input),
      '{"\\r":"Carriage Return","1":"One","\u0080":"Control","\u00f6":"Latin Small Letter O With Diaeresis",' +
        '"\u20ac":"Euro Sign","\ud83d\ude00":"Emoji: Grinning Face","\ufb33":"Hebrew Letter Dalet With Dagesh"}',
    );
  });

  it('escapes control characters in lower-case hex and leaves other unicode raw', () => {
    assert.equal(
      canonicalizeJson('\u0000\u001f\b\t\n\f\r"\\/\u007f\u2028é😀'),
      '"\\u0000\\u001f\\b\\t\\n\\f\\r\\"\\\\/\u007f\u2028é😀"',
    );
  });

  it('sorts nested objects, keeps array order, drops undefined members', () => {
    assert.equal(
      canonicalizeJson({ b: [3, { z: 1, a: 2 }], a: { d: undefined, c: -0 } }),
      '{"a":{"c":0},"b":[3,{"a":2,"z":1}]}',
    );
    assert.equal(canonicalizeJson([]), '[]');
    assert.equal(canonicalizeJson({}), '{}');
    assert.equal(canonicalizeJson(Object.create(null)), '{}');
  });

  it('accepts surrogate pairs in member names and sorts names by UTF-16 code units', () => {
    // U+1F600 is D83D DE00 in UTF-16: before U+FFFF by code units, after it by code points.
    assert.equal(canonicalizeJson({ '\uffff': 1, '😀': 2, a: 3 }), '{"a":3,"😀":2,"\uffff":1}');
  });

  it('refuses values that are not plain JSON, naming where', () => {
    const cases: [unknown, string][] = [
      [{ a: [1, undefined] }, 'a[1]'],
      [{ a: { b: 1n } }, 'a.b'],
      [{ f: () => 1 }, 'f'],
      [{ d: new Date(0) }, 'd'],
      [{ s: 'x\ud800y' }, 's'],
      [{ s: '\udc00' }, 's'],
      [{ m: new Map() }, 'm'],
      // Member names are strings too: I-JSON (RFC 7493, which RFC 8785 builds on) forbids lone surrogates
      // in names as in values.
      [{ 'a\ud800': 1 }, 'a\ud800'],
      [{ ok: { '\udc00b': 1 } }, 'ok.\udc00b'],
      [{ ['\ud800'.repeat(2)]: 1 }, '\ud800\ud800'],
    ];
    for (const [value, path] of cases) {
      assert.throws(
        () => canonicalizeJson(value),
        (error: unknown) => error instanceof CanonicalJsonError && error.path === path,
      );
    }
    // At the top level too, the typed error rather than a TypeError or a silent "undefined".
    for (const value of [undefined, 1n, Symbol('s'), () => 1, Number.NaN, Number.POSITIVE_INFINITY]) {
      assert.throws(
        () => canonicalizeJson(value),
        (error: unknown) => error instanceof CanonicalJsonError && error.path === '',
        String(typeof value),
      );
    }
    assert.throws(() => canonicalizeJson(undefined), /Cannot canonicalize value: undefined is not JSON$/m);
    assert.throws(
      () => canonicalizeJson({ a: [1, undefined] }),
      /Cannot canonicalize `a\[1\]`: undefined is not JSON$/m,
    );
    assert.throws(() => canonicalizeJson(1n), /Cannot canonicalize value: a bigint is not JSON$/m);
    // Paths run through arrays into the objects inside them.
    assert.throws(
      () => canonicalizeJson({ a: [1, { b: [{ c: 1n }] }] }),
      (error: unknown) => error instanceof CanonicalJsonError && error.path === 'a[1].b[0].c',
    );
    // An object whose prototype has no constructor is still named as a class instance.
    assert.throws(
      () => canonicalizeJson({ o: Object.create(Object.create(null)) }),
      /`o`: a class instance is not plain JSON/,
    );
    assert.throws(() => canonicalizeJson({ a: 'x\ud800' }), /`a`: string holds a lone UTF-16 surrogate/);
    assert.throws(() => canonicalizeJson({ 'x\ud800': 1 }), /member name holds a lone UTF-16 surrogate/);
    assert.throws(() => canonicalizeJson([Number.NaN]), /NaN is not a JSON number/);
    assert.throws(() => canonicalizeJson({ d: new Date(0) }), /a Date instance is not plain JSON/);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    assert.throws(() => canonicalizeJson(cyclic), /`self`: circular reference/);
    // The same object twice is not a cycle.
    const shared = { x: 1 };
    assert.equal(canonicalizeJson([shared, shared]), '[{"x":1},{"x":1}]');
  });
});

describe('canonicalizeTaskArgs and getArgsHash', () => {
  it('gives the same bytes and hash whatever the member order', () => {
    const a = canonicalizeTaskArgs({
      prompt: 'a cat 🐱',
      base_model: 'org/m',
      task_config: { seed: 1, steps: 2 },
    });
    const b = canonicalizeTaskArgs({
      task_config: { steps: 2, seed: 1 },
      base_model: 'org/m',
      prompt: 'a cat 🐱',
    });
    assert.deepEqual(a, b);
    assert.equal(
      new TextDecoder().decode(a),
      '{"base_model":"org/m","prompt":"a cat 🐱","task_config":{"seed":1,"steps":2}}',
    );
    assert.equal(getArgsHash(a), getArgsHash(b));
    assert.notEqual(getArgsHash(a), getArgsHash(canonicalizeTaskArgs({ prompt: 'a cat' })));
  });

  it('is keccak256 of the bytes', () => {
    assert.equal(
      getArgsHash(new Uint8Array()),
      '0xc5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470',
    );
    assert.equal(
      getArgsHash(new TextEncoder().encode('{}')),
      '0xb48d38f93eaa084033fc5970bf96e559c33c4cdc07d889ab00b4d63f9590739d',
    );
  });
});
