import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { concat, keccak256 } from 'viem';
import { canonicalizeTaskArgs } from '../args/canonicalizeTaskArgs.js';
import { getArgsHash } from '../args/getArgsHash.js';
import { assertBytes32 } from './assertBytes32.js';
import { createNonce } from './createNonce.js';
import { createSalt } from './createSalt.js';
import { createTaskSecrets } from './createTaskSecrets.js';
import { InvalidBytes32Error, InvalidOpeningInputError } from './errors.js';
import { getArgsCommitment } from './getArgsCommitment.js';
import { getTaskIdCommitment } from './getTaskIdCommitment.js';
import { verifyArgsCommitment } from './verifyArgsCommitment.js';
import { verifyValidationGroupOpening } from './verifyValidationGroupOpening.js';
import { renderCommitmentVectors, vectorsPath } from './writeVectors.js';

const bytes32 = /^0x[0-9a-f]{64}$/;

describe('commitments', () => {
  it('draws fresh 32-byte secrets', () => {
    const a = createTaskSecrets();
    const b = createTaskSecrets();
    for (const value of [a.guid, a.nonce, a.salt, createNonce(), createSalt()]) assert.match(value, bytes32);
    assert.notEqual(a.guid, b.guid);
    assert.notEqual(a.nonce, a.salt);
  });

  it('hashes the packed 64 bytes', () => {
    const zero = `0x${'00'.repeat(32)}` as const;
    // keccak256 of 64 zero bytes, a well-known constant (the level-1 zero hash of Merkle trees).
    assert.equal(
      getTaskIdCommitment(zero, zero),
      '0xad3228b676f7d3cd4284a5443f17f1962b36e491b30a40b2405849e597ba5fb5',
    );
    const { guid, nonce, salt } = createTaskSecrets();
    assert.equal(getTaskIdCommitment(guid, nonce), keccak256(concat([guid, nonce])));
    assert.equal(getArgsCommitment(guid, salt), keccak256(concat([guid, salt])));
    assert.notEqual(getTaskIdCommitment(guid, nonce), getTaskIdCommitment(nonce, guid));
  });

  it('refuses inputs that are not bytes32', () => {
    const good = createSalt();
    for (const bad of ['0x', '0x1234', `${good}00`, good.slice(2), `0x${'zz'.repeat(32)}`, 42]) {
      assert.throws(() => getTaskIdCommitment(bad as `0x${string}`, good), InvalidBytes32Error);
      assert.throws(() => getArgsCommitment(good, bad as `0x${string}`), InvalidBytes32Error);
    }
  });

  it('names the input that is not bytes32', () => {
    const good = createSalt();
    const bad = '0x1234' as `0x${string}`;
    const names = (what: string) =>
      new RegExp(`^InvalidBytes32Error: ${what} must be a 0x-prefixed 32-byte hex string, got "0x1234"`);
    assert.throws(() => getTaskIdCommitment(bad, good), names('guid'));
    assert.throws(() => getTaskIdCommitment(good, bad), names('nonce'));
    assert.throws(() => getArgsCommitment(bad, good), names('argsHash'));
    assert.throws(() => getArgsCommitment(good, bad), names('salt'));
    assert.throws(
      () => verifyArgsCommitment({ bytes: new Uint8Array(), salt: good, argsCommitment: bad }),
      names('argsCommitment'),
    );
    assert.throws(
      () => verifyArgsCommitment({ bytes: new Uint8Array(), salt: bad, argsCommitment: good }),
      names('salt'),
    );
    const member = { nonce: good, salt: good, taskIdCommitment: good, argsCommitment: good };
    const open = (guid: `0x${string}`, argsHash: `0x${string}`, m: typeof member) =>
      verifyValidationGroupOpening({ guid, argsHash, members: [m] });
    assert.throws(() => open(bad, good, member), names('guid'));
    assert.throws(() => open(good, bad, member), names('argsHash'));
    assert.throws(() => open(good, good, { ...member, taskIdCommitment: bad }), names('taskIdCommitment'));
    assert.throws(() => open(good, good, { ...member, argsCommitment: bad }), names('argsCommitment'));
    assert.throws(
      () => open(good, good, { ...member, taskIdCommitment: getTaskIdCommitment(good, good), nonce: bad }),
      names('nonce'),
    );
    assert.throws(
      () => assertBytes32('x', undefined),
      /x must be a 0x-prefixed 32-byte hex string, got "undefined"/,
    );
    // Anchored at both ends, and a string: an object that prints as a bytes32 is not one.
    assert.throws(() => assertBytes32('x', `zz${good}`), InvalidBytes32Error);
    assert.throws(() => assertBytes32('x', { toString: () => good }), InvalidBytes32Error);
    try {
      assertBytes32('x', bad);
      assert.fail('accepted');
    } catch (error) {
      assert.ok(error instanceof InvalidBytes32Error);
      assert.equal(error.docsPath, 'task-args.md');
      assert.match(error.details.join('\n'), /createTaskSecrets/);
    }
    // Upper-case hex digits are bytes32 too; an upper-case 0X prefix is not.
    assertBytes32('x', `0x${'AB'.repeat(32)}`);
    assert.throws(() => assertBytes32('x', `0X${'ab'.repeat(32)}`), InvalidBytes32Error);
  });

  it('verifies argument bytes against the on-chain commitment', () => {
    const bytes = canonicalizeTaskArgs({ prompt: 'x', base_model: 'org/m' });
    const salt = createSalt();
    const argsCommitment = getArgsCommitment(getArgsHash(bytes), salt);
    assert.equal(verifyArgsCommitment({ bytes, salt, argsCommitment }), true);
    assert.equal(
      verifyArgsCommitment({
        bytes,
        salt,
        argsCommitment: argsCommitment.toUpperCase().replace('0X', '0x') as `0x${string}`,
      }),
      true,
    );
    const other = canonicalizeTaskArgs({ prompt: 'y', base_model: 'org/m' });
    assert.equal(verifyArgsCommitment({ bytes: other, salt, argsCommitment }), false);
    assert.equal(verifyArgsCommitment({ bytes, salt: createSalt(), argsCommitment }), false);
  });

  it('checks a validation group opening', () => {
    const guid = createTaskSecrets().guid;
    const argsHash = getArgsHash(canonicalizeTaskArgs({ prompt: 'x' }));
    const members = [0, 1, 2].map(() => {
      const nonce = createNonce();
      const salt = createSalt();
      return {
        nonce,
        salt,
        taskIdCommitment: getTaskIdCommitment(guid, nonce),
        argsCommitment: getArgsCommitment(argsHash, salt),
      };
    });
    assert.deepEqual(verifyValidationGroupOpening({ guid, argsHash, members }), { valid: true });
    // A member given other arguments (the hole the reference leaves open) is caught.
    const otherHash = getArgsHash(canonicalizeTaskArgs({ prompt: 'y' }));
    const tampered = members.map((m, i) =>
      i === 2 ? { ...m, argsCommitment: getArgsCommitment(otherHash, m.salt) } : m,
    );
    assert.deepEqual(verifyValidationGroupOpening({ guid, argsHash, members: tampered }), {
      valid: false,
      member: 2,
      reason: 'argsCommitment',
    });
    const foreign = members.map((m, i) =>
      i === 1 ? { ...m, taskIdCommitment: getTaskIdCommitment(createNonce(), m.nonce) } : m,
    );
    assert.deepEqual(verifyValidationGroupOpening({ guid, argsHash, members: foreign }), {
      valid: false,
      member: 1,
      reason: 'taskIdCommitment',
    });
    const repeated = [members[0]!, members[0]!, members[1]!];
    assert.deepEqual(verifyValidationGroupOpening({ guid, argsHash, members: repeated }), {
      valid: false,
      member: 1,
      reason: 'duplicate',
    });
  });

  it('opens a validation group whatever the case of its hex', () => {
    const upper = (hex: `0x${string}`) => `0x${hex.slice(2).toUpperCase()}` as `0x${string}`;
    // Mixed case as EIP-55 writes addresses: every other letter upper case.
    const mixed = (hex: `0x${string}`) =>
      `0x${[...hex.slice(2)].map((c, i) => (i % 2 ? c.toUpperCase() : c)).join('')}` as `0x${string}`;
    const guid = createTaskSecrets().guid;
    const argsHash = getArgsHash(canonicalizeTaskArgs({ prompt: 'case' }));
    const members = [0, 1, 2].map(() => {
      const nonce = createNonce();
      const salt = createSalt();
      return {
        nonce,
        salt,
        taskIdCommitment: getTaskIdCommitment(guid, nonce),
        argsCommitment: getArgsCommitment(argsHash, salt),
      };
    });
    for (const spell of [upper, mixed]) {
      const spelled = members.map((m) => ({
        nonce: spell(m.nonce),
        salt: spell(m.salt),
        taskIdCommitment: spell(m.taskIdCommitment),
        argsCommitment: spell(m.argsCommitment),
      }));
      assert.deepEqual(
        verifyValidationGroupOpening({ guid: spell(guid), argsHash: spell(argsHash), members: spelled }),
        { valid: true },
        spell.name,
      );
      // The same task twice, once in each spelling, is still a duplicate.
      assert.deepEqual(
        verifyValidationGroupOpening({ guid, argsHash, members: [members[0]!, spelled[0]!, members[1]!] }),
        { valid: false, member: 1, reason: 'duplicate' },
        spell.name,
      );
    }
    // Case never turns a wrong commitment into a right one.
    const wrong = members.map((m, i) =>
      i === 0 ? { ...m, argsCommitment: upper(members[1]!.argsCommitment) } : m,
    );
    assert.deepEqual(verifyValidationGroupOpening({ guid, argsHash, members: wrong }), {
      valid: false,
      member: 0,
      reason: 'argsCommitment',
    });
  });

  it('gives typed errors, not TypeErrors, for inputs of the wrong shape', () => {
    const guid = createTaskSecrets().guid;
    const argsHash = getArgsHash(canonicalizeTaskArgs({ prompt: 'shape' }));
    const isTyped = (error: unknown) =>
      error instanceof InvalidOpeningInputError || error instanceof InvalidBytes32Error;
    for (const opening of [undefined, null, 7, { guid, argsHash }, { guid, argsHash, members: 'x' }]) {
      assert.throws(() => verifyValidationGroupOpening(opening as never), isTyped, String(opening));
    }
    assert.throws(
      () => verifyValidationGroupOpening({ guid, argsHash, members: [null as never] }),
      /members\[0\] must be an object, got null/,
    );
    assert.throws(
      () => verifyValidationGroupOpening({ guid, argsHash, members: 'x' as never }),
      /members must be an array, got a string/,
    );
    assert.throws(
      () => verifyValidationGroupOpening({ guid: 5 as never, argsHash, members: [] }),
      InvalidBytes32Error,
    );
    assert.deepEqual(verifyValidationGroupOpening({ guid, argsHash, members: [] }), { valid: true });
    assert.throws(
      () => verifyValidationGroupOpening({ guid, argsHash, members: [5 as never] }),
      /members\[0\] must be an object, got a number/,
    );
    assert.throws(
      () => verifyValidationGroupOpening(undefined as never),
      /the opening must be an object \{ guid, argsHash, members \}, got undefined/,
    );
    const salt = createSalt();
    const argsCommitment = getArgsCommitment(argsHash, salt);
    for (const bytes of [undefined, 'abc', '0x1234', [1, 2, 3], 5]) {
      assert.throws(
        () => verifyArgsCommitment({ bytes: bytes as never, salt, argsCommitment }),
        InvalidOpeningInputError,
        String(bytes),
      );
    }
    assert.equal(verifyArgsCommitment({ bytes: Buffer.from('{}'), salt, argsCommitment }), false);
    assert.throws(
      () => verifyArgsCommitment({ bytes: [1] as never, salt, argsCommitment }),
      /bytes must be a Uint8Array, got an array/,
    );
  });

  it('vectors.json is up to date and self-consistent', () => {
    const text = readFileSync(vectorsPath, 'utf8');
    assert.equal(
      text,
      renderCommitmentVectors(),
      'regenerate: npx tsx packages/protocol/src/commitment/writeVectors.ts',
    );
    const vectors = JSON.parse(text);
    for (const v of vectors.taskIdCommitments)
      assert.equal(keccak256(concat([v.guid, v.nonce])), v.taskIdCommitment);
    assert.equal(keccak256(new TextEncoder().encode(vectors.args.json)), vectors.args.argsHash);
    assert.deepEqual(verifyValidationGroupOpening(vectors.validationGroup), { valid: true });
  });
});
