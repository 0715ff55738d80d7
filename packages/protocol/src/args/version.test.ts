import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createPrng } from '../staking/createPrng.js';
import { InvalidVersionError } from './errors.js';
import {
  compareVersions,
  formatVersion,
  isVersionCompatible,
  packVersion,
  parseVersion,
  unpackVersion,
  type Version,
} from './version.js';

describe('versions', () => {
  it('parses, formats and packs', () => {
    assert.deepEqual(parseVersion('2.1.0'), { major: 2, minor: 1, patch: 0 });
    assert.equal(packVersion('2.1.0'), (2n << 32n) | (1n << 16n));
    assert.equal(packVersion('0.0.1'), 1n);
    assert.equal(packVersion('4294967295.65535.65535'), 2n ** 64n - 1n);
    assert.deepEqual(unpackVersion(packVersion('3.14.15')), { major: 3, minor: 14, patch: 15 });
    assert.equal(formatVersion({ major: 1, minor: 0, patch: 0 }), '1.0.0');
  });

  it('refuses malformed or out-of-range versions', () => {
    for (const bad of [
      '',
      '1',
      '1.0',
      '1.0.0.0',
      'v1.0.0',
      '01.0.0',
      '1.00.0',
      '1.0.0-beta',
      ' 1.0.0',
      '1.0.65536',
      '4294967296.0.0',
      '1.-1.0',
    ]) {
      assert.throws(() => parseVersion(bad), InvalidVersionError, bad);
    }
    assert.throws(() => packVersion({ major: 1, minor: 1.5, patch: 0 }), InvalidVersionError);
    assert.throws(() => unpackVersion(-1n), InvalidVersionError);
    assert.throws(() => unpackVersion(1n << 64n), InvalidVersionError);
  });

  it('refuses a minor or patch above 65535 instead of packing it onto the next field', () => {
    // Unchecked, 1.65536.0 would pack to exactly 2.0.0 and 1.0.65536 to 1.1.0.
    assert.equal(packVersion('1.65535.65535'), (1n << 32n) | (0xffffn << 16n) | 0xffffn);
    assert.throws(() => parseVersion('1.65536.0'), /minor above 65535/);
    assert.throws(() => parseVersion('1.0.65536'), /patch above 65535/);
    assert.throws(() => parseVersion('4294967296.0.0'), /major above 4294967295/);
    assert.throws(() => packVersion({ major: 1, minor: 65536, patch: 0 }), InvalidVersionError);
    assert.throws(() => packVersion({ major: 1, minor: 0, patch: 65536 }), InvalidVersionError);
    assert.throws(() => compareVersions('1.65536.0', '2.0.0'), InvalidVersionError);
    assert.throws(() => isVersionCompatible('1.65536.0', '1.0.0'), InvalidVersionError);
  });

  it('gives the typed error, not a TypeError, for values of the wrong type', () => {
    for (const bad of [undefined, null, 1, 1n, {}]) {
      assert.throws(
        () => parseVersion(bad as unknown as string),
        /Invalid version .*: not a string/,
        String(bad),
      );
    }
    assert.throws(() => parseVersion('1.0'), /expected major\.minor\.patch/);
    // A number where the uint64 bigint belongs would otherwise reach `packed >> 32n` (a TypeError).
    for (const bad of [5, 2 ** 40, '5', undefined]) {
      assert.throws(
        () => unpackVersion(bad as unknown as bigint),
        /packed version must be a uint64 bigint/,
        String(bad),
      );
    }
  });

  it('applies the compatibility rule', () => {
    assert.equal(isVersionCompatible('2.1.0', '2.1.0'), true);
    assert.equal(isVersionCompatible('2.3.0', '2.1.5'), true);
    assert.equal(isVersionCompatible('2.1.4', '2.1.5'), false);
    assert.equal(isVersionCompatible('2.0.9', '2.1.0'), false);
    assert.equal(isVersionCompatible('3.0.0', '2.1.5'), false);
    assert.equal(isVersionCompatible('1.9.9', '2.0.0'), false);
  });

  it('holds its properties over random versions (seeded)', () => {
    const prng = createPrng(20261121);
    const randomVersion = (): Version => ({
      // Small ranges make equal majors and minors frequent, wide ones exercise the bit boundaries.
      major: prng.nextInt(2) === 0 ? prng.nextInt(3) : prng.nextInt(2 ** 32),
      minor: prng.nextInt(2) === 0 ? prng.nextInt(3) : prng.nextInt(2 ** 16),
      patch: prng.nextInt(2) === 0 ? prng.nextInt(3) : prng.nextInt(2 ** 16),
    });
    for (let i = 0; i < 5000; i++) {
      const a = randomVersion();
      const b = randomVersion();
      const text = formatVersion(a);
      assert.deepEqual(parseVersion(text), a);
      assert.deepEqual(unpackVersion(packVersion(a)), a);
      // Packed order is lexicographic order on (major, minor, patch).
      const lexicographic = a.major - b.major || a.minor - b.minor || a.patch - b.patch;
      assert.equal(Math.sign(compareVersions(a, b)), Math.sign(lexicographic));
      const expected =
        a.major === b.major && (a.minor > b.minor || (a.minor === b.minor && a.patch >= b.patch));
      assert.equal(isVersionCompatible(a, b), expected, `${text} runs ${formatVersion(b)}`);
      // Compatibility is reflexive, and antisymmetric up to equality.
      assert.equal(isVersionCompatible(a, a), true);
      if (isVersionCompatible(a, b) && isVersionCompatible(b, a)) assert.deepEqual(a, b);
    }
  });
});
