import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sha256 } from '@noble/hashes/sha2.js';
import {
  type Hex,
  hashTypedData,
  keccak256,
  numberToHex,
  parseTransaction,
  recoverTransactionAddress,
  toBytes,
  toHex,
} from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { relayRequestTypes } from '../relay/typedData.js';
import { readPublishedVectors } from '../vrf/generateFixtures.js';
import { hashToCurveBytes } from '../vrf/hashToCurve.js';
import {
  curveOrder,
  getFastVerifyParams,
  getPublicKey,
  hashToCurve,
  parsePublicKey,
  proofToHash,
  prove,
  verify,
} from '../vrf/index.js';
import { loadPublishedVectors } from '../vrf/testVectors.js';
import {
  getNativeVrfCurve,
  loadNativeSecp256k1,
  privateKeyToNativeAccount,
  recoverAddressNative,
} from './index.js';

const keys: Hex[] = [
  '0x59c6995e998f97a71a0f15f8ae3c4fe2e0bd0c1c4e1b68f3e1a1d5d8f2f3a111',
  '0x0000000000000000000000000000000000000000000000000000000000000001',
  '0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364140',
];
const domain = {
  name: 'Verinet Relay',
  version: '1',
  chainId: 31337,
  verifyingContract: `0x${'ab'.repeat(20)}`,
} as const;

describe('nativeSecp256k1', () => {
  it('loads the prebuilt libsecp256k1 binding on this platform', () => {
    assert.ok(loadNativeSecp256k1(), 'the secp256k1 package has no binding here: every helper falls back');
  });

  it('makes the same address and signature bytes as viem for hashes, messages, typed data and transactions', async () => {
    for (const key of keys) {
      const native = privateKeyToNativeAccount(key);
      const viem = privateKeyToAccount(key);
      assert.equal(native.address, viem.address);
      assert.equal(native.publicKey, viem.publicKey);
      for (let i = 0; i < 20; i++) {
        const hash = keccak256(toHex(`${key}:${i}`));
        assert.equal(await native.sign({ hash }), await viem.sign({ hash }));
        assert.equal(
          await native.signMessage({ message: `m${i}` }),
          await viem.signMessage({ message: `m${i}` }),
        );
        const typed = {
          domain,
          types: relayRequestTypes,
          primaryType: 'RelayRequest',
          message: {
            method: 'GET',
            path: `/v1/tasks/${i}`,
            bodyHash: hash,
            timestamp: BigInt(i),
            nonce: hash,
          },
        } as const;
        assert.equal(await native.signTypedData(typed), await viem.signTypedData(typed));
      }
      const transaction = {
        chainId: 31337,
        type: 'eip1559',
        to: `0x${'cd'.repeat(20)}`,
        nonce: 7,
        gas: 210_000n,
        maxFeePerGas: 3_000_000_000n,
        maxPriorityFeePerGas: 1_000_000_000n,
        data: '0x1234',
        value: 5n,
      } as const;
      const signed = await native.signTransaction(transaction);
      assert.equal(signed, await viem.signTransaction(transaction));
      assert.equal(await recoverTransactionAddress({ serializedTransaction: signed as never }), viem.address);
      assert.equal(parseTransaction(signed).nonce, 7);
      const legacy = {
        chainId: 31337,
        type: 'legacy',
        to: transaction.to,
        nonce: 1,
        gas: 21_000n,
        gasPrice: 1n,
      } as const;
      assert.equal(await native.signTransaction(legacy), await viem.signTransaction(legacy));
    }
  });

  it('recovers the signer of typed data as viem does, and refuses a malformed signature', async () => {
    const account = privateKeyToAccount(keys[0]!);
    const typed = {
      domain,
      types: relayRequestTypes,
      primaryType: 'RelayRequest',
      message: {
        method: 'PUT',
        path: '/x',
        bodyHash: keccak256('0x01'),
        timestamp: 1n,
        nonce: keccak256('0x02'),
      },
    } as const;
    const signature = await account.signTypedData(typed);
    assert.equal(await recoverAddressNative(hashTypedData(typed), signature), account.address);
    // v as 0/1 (yParity) instead of 27/28.
    const yParity = `${signature.slice(0, 130)}${signature.endsWith('1c') ? '01' : '00'}` as Hex;
    assert.equal(await recoverAddressNative(hashTypedData(typed), yParity), account.address);
    // Another hash recovers another address, never the signer.
    assert.notEqual(await recoverAddressNative(keccak256('0x03'), signature), account.address);
    await assert.rejects(recoverAddressNative(hashTypedData(typed), `0x${'00'.repeat(65)}`));
    await assert.rejects(recoverAddressNative(hashTypedData(typed), '0x1234'));
  });

  it('proves the VRF byte for byte as noble does, for every published vector and nonce convention', () => {
    const curve = getNativeVrfCurve();
    assert.ok(curve);
    const vectors = loadPublishedVectors();
    assert.ok(vectors.length >= 20);
    for (const v of vectors) {
      const proof = prove(v.secretKeyHex, v.alpha, { nonce: v.nonce, curve });
      assert.equal(proof, v.proof, `${v.source} key ${v.secretKey}`);
      assert.equal(verify(v.publicKey, proof, v.alpha), v.beta);
      assert.equal(proofToHash(proof), v.beta);
      assert.equal(proofToHash(proof, { curve }), v.beta);
    }
    // Malformed proofs are refused alike with the curve's point check as with noble's decompression: Gamma off the
    // curve (x = 5: 5³ + 7 = 132 is no square mod p), x not below p, a wrong prefix, s = n, c = 0, a short proof.
    const good = toBytes(prove(keys[0]!, '0x01', { curve }));
    const variants: [string, (b: Uint8Array) => void][] = [
      ['off the curve', (b) => b.set([...new Uint8Array(31), 5], 1)],
      ['x not below p', (b) => b.fill(0xff, 1, 33)],
      ['prefix', (b) => b.set([0x04], 0)],
      ['s = n', (b) => b.set(toBytes(numberToHex(curveOrder, { size: 32 })), 49)],
      ['c = 0', (b) => b.fill(0, 33, 49)],
    ];
    for (const [what, change] of variants) {
      const bad = good.slice();
      change(bad);
      assert.throws(() => proofToHash(bad), { name: 'VrfMalformedProofError' }, what);
      assert.throws(() => proofToHash(bad, { curve }), { name: 'VrfMalformedProofError' }, what);
    }
    assert.throws(() => proofToHash(good.subarray(1), { curve }), { name: 'VrfInvalidProofLengthError' });
    // Without isPoint (a curve of the multiplications alone): hash-to-curve in noble, the same bytes.
    const multiplications = { multiplyBase: curve.multiplyBase, multiply: curve.multiply };
    for (let i = 0; i < 20; i++) {
      const alpha = keccak256(toHex(i));
      const proof = prove(keys[0]!, alpha);
      assert.equal(prove(keys[0]!, alpha, { curve }), proof);
      assert.equal(prove(keys[0]!, alpha, { curve: multiplications }), proof);
    }
  });

  it('hashes to the curve as noble does, with its candidates checked by libsecp256k1', () => {
    const curve = getNativeVrfCurve();
    assert.ok(curve?.isPoint);
    let later = 0;
    for (const key of keys) {
      const publicKey = parsePublicKey(getPublicKey(key));
      for (let i = 0; i < 40; i++) {
        const alpha = toBytes(keccak256(toHex(`alpha ${i}`)));
        const expected = hashToCurve(publicKey, alpha).toBytes(true);
        assert.deepEqual(hashToCurveBytes(publicKey.toBytes(true), alpha, curve.isPoint), expected);
        const first = sha256(Uint8Array.of(0xfe, 0x01, ...publicKey.toBytes(true), ...alpha, 0));
        if (toHex(first) !== toHex(expected.subarray(1))) later++;
      }
    }
    // About half of the first candidates are off the curve: the later counters were exercised too.
    assert.ok(later > 10, `${later} of 120 needed a later counter`);
    assert.equal(
      curve.isPoint(Uint8Array.of(0x02, ...new Uint8Array(32))),
      false,
      'x = 0 is not on secp256k1',
    );
  });

  it('gives the same fast-verify helper points as noble, for the published helpers and fresh proofs', () => {
    const curve = getNativeVrfCurve();
    assert.ok(curve);
    for (const f of readPublishedVectors().fastVerify) {
      assert.deepEqual(
        getFastVerifyParams(f.publicKey, f.proof, f.alpha, { curve }),
        getFastVerifyParams(f.publicKey, f.proof, f.alpha),
      );
      assert.deepEqual(
        getFastVerifyParams(f.publicKey, f.proof, f.alpha, { curve }).uPoint,
        f.uPoint.map(BigInt),
      );
    }
    for (const key of keys) {
      const publicKey = getPublicKey(key);
      for (let i = 0; i < 5; i++) {
        const alpha = keccak256(toHex(`seed ${i}`));
        const proof = prove(key, alpha, { curve });
        assert.deepEqual(
          getFastVerifyParams(publicKey, proof, alpha, { curve }),
          getFastVerifyParams(publicKey, proof, alpha),
        );
      }
    }
  });
});
