import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { generatePrivateKey } from 'viem/accounts';
import { decryptKeystore, encryptKeystore, KeystoreError } from './keystore.js';

// The two test vectors of the Web3 Secret Storage Definition (Ethereum wiki, "Test Vectors"), password
// "testpassword", key 7a28…fe9d.
const expectedKey = '0x7a28b5ba57c53603b0b07b56bba752f7784bf506fa95edc395f5cf6c7514fe9d';
const pbkdf2Vector = {
  crypto: {
    cipher: 'aes-128-ctr',
    cipherparams: { iv: '6087dab2f9fdbbfaddc31a909735c1e6' },
    ciphertext: '5318b4d5bcd28de64ee5559e671353e16f075ecae9f99c7a79a38af5f869aa46',
    kdf: 'pbkdf2',
    kdfparams: {
      c: 262144,
      dklen: 32,
      prf: 'hmac-sha256',
      salt: 'ae3cd4e7013836a3df6bd7241b12db061dbe2c6785853cce422d148a624ce0bd',
    },
    mac: '517ead924a9d0dc3124507e3393d175ce3ff7c1e96529c6c555ce9e51205e9b2',
  },
  id: '3198bc9c-6672-5ab3-d995-4942343ae5b6',
  version: 3,
};
const scryptVector = {
  crypto: {
    cipher: 'aes-128-ctr',
    cipherparams: { iv: '83dbcc02d8ccb40e466191a123791e0e' },
    ciphertext: 'd172bf743a674da9cdad04534d56926ef8358534d458fffccd4e6ad2fbde479c',
    kdf: 'scrypt',
    kdfparams: {
      dklen: 32,
      n: 262144,
      r: 1,
      p: 8,
      salt: 'ab0c7876052600dd703518d6fc3fe8984592145b591fc8fb5c6d43190334ba19',
    },
    mac: '2103ac29920d71da29f15d75b4a16dbe95cfd7ff8faea1056c33131d846e3097',
  },
  id: '3198bc9c-6672-5ab3-d995-4942343ae5b6',
  version: 3,
};

describe('keystore', () => {
  it('decrypts the published pbkdf2 vector', () => {
    assert.equal(decryptKeystore(pbkdf2Vector, 'testpassword'), expectedKey);
  });

  it('decrypts the published scrypt vector', () => {
    assert.equal(decryptKeystore(scryptVector, 'testpassword'), expectedKey);
  });

  it('rejects a wrong password with a typed error', () => {
    assert.throws(
      () => decryptKeystore(pbkdf2Vector, 'wrong'),
      (error: unknown) => {
        assert.ok(error instanceof KeystoreError);
        assert.match(error.message, /Wrong keystore password/);
        return true;
      },
    );
  });

  it('rejects files that are not keystores, naming the field', () => {
    assert.throws(
      () => decryptKeystore({ version: 3, crypto: { cipher: 'aes-256-gcm' } }, 'x'),
      (error: unknown) => error instanceof KeystoreError && /crypto\.cipher/.test(error.message),
    );
  });

  it('round-trips a fresh key', () => {
    const key = generatePrivateKey();
    const keystore = encryptKeystore(key, 'correct horse', { scryptN: 1024 });
    assert.equal(decryptKeystore(JSON.parse(JSON.stringify(keystore)), 'correct horse'), key);
  });

  it('detects a tampered address', () => {
    const keystore = encryptKeystore(generatePrivateKey(), 'pw', { scryptN: 1024 });
    keystore.address = '0000000000000000000000000000000000000001';
    assert.throws(() => decryptKeystore(keystore, 'pw'), /does not match/);
  });
});
