import assert from 'node:assert/strict';
import { createCipheriv, randomUUID, scryptSync } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { pbkdf2 } from '@noble/hashes/pbkdf2.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { keccak_256 } from '@noble/hashes/sha3.js';
import { privateKeyToAddress } from 'viem/accounts';
import { decryptKeystore, KeystoreError } from './keystore.js';
import { readKeystoreFile } from './readKeystoreFile.js';

/** Bounds of this file's hooks (node:test hooks do not inherit a describe's timeout): a hung hook fails, not CI. */
const teardownTimeout = { timeout: 60_000 };

/**
 * Keystores in the shapes other tools write, built here by a second code path (OpenSSL's scrypt, noble's
 * pbkdf2 and keccak) rather than by our encryptKeystore, so that a shared mistake cannot hide.
 */
const password = 'correct horse battery staple';
const key = '0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d'; // anvil's 2nd test key
const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

type Kdf = { kdf: 'scrypt'; n: number; r: number; p: number } | { kdf: 'pbkdf2'; c: number };

function buildKeystore(privateKey: string, kdf: Kdf) {
  const salt = Buffer.from('a5'.repeat(32), 'hex');
  const iv = Buffer.from('0f'.repeat(16), 'hex');
  const derived =
    kdf.kdf === 'scrypt'
      ? scryptSync(password, salt, 32, { N: kdf.n, r: kdf.r, p: kdf.p, maxmem: 256 * 1024 * 1024 })
      : Buffer.from(pbkdf2(sha256, password, salt, { c: kdf.c, dkLen: 32 }));
  const cipher = createCipheriv('aes-128-ctr', derived.subarray(0, 16), iv);
  const ciphertext = Buffer.concat([cipher.update(Buffer.from(privateKey.slice(2), 'hex')), cipher.final()]);
  const mac = keccak_256(Buffer.concat([derived.subarray(16, 32), ciphertext]));
  const kdfparams =
    kdf.kdf === 'scrypt'
      ? { dklen: 32, n: kdf.n, p: kdf.p, r: kdf.r, salt: hex(salt) }
      : { c: kdf.c, dklen: 32, prf: 'hmac-sha256', salt: hex(salt) };
  return {
    crypto: {
      cipher: 'aes-128-ctr',
      cipherparams: { iv: hex(iv) },
      ciphertext: hex(ciphertext),
      kdf: kdf.kdf,
      kdfparams,
      mac: hex(mac),
    },
  };
}

const address = privateKeyToAddress(key);
const bare = address.slice(2).toLowerCase();

describe('keystores as other tools write them', () => {
  it('geth (lowercase crypto, address without 0x, light scrypt n=4096 p=6)', () => {
    const { crypto } = buildKeystore(key, { kdf: 'scrypt', n: 4096, r: 8, p: 6 });
    const geth = { address: bare, crypto, id: randomUUID(), version: 3 };
    assert.equal(decryptKeystore(geth, password), key);
  });

  it('ethers v5/v6 (Crypto with a capital C, x-ethers block, scrypt r=8 p=1)', () => {
    const { crypto } = buildKeystore(key, { kdf: 'scrypt', n: 4096, r: 8, p: 1 });
    const ethers = {
      address: bare,
      id: randomUUID(),
      version: 3,
      Crypto: crypto,
      'x-ethers': {
        client: 'ethers/6.13.0',
        gethFilename: `UTC--2026-11-29T00-00-00.0Z--${bare}`,
        path: "m/44'/60'/0'/0/0",
        locale: 'en',
        mnemonicCounter: 'aa'.repeat(16),
        mnemonicCiphertext: 'bb'.repeat(16),
        version: '0.1',
      },
    };
    assert.equal(decryptKeystore(JSON.parse(JSON.stringify(ethers)), password), key);
  });

  it('cast wallet / eth-keystore (no address field, scrypt n=8192 r=8 p=1)', () => {
    const { crypto } = buildKeystore(key, { kdf: 'scrypt', n: 8192, r: 8, p: 1 });
    assert.equal(decryptKeystore({ crypto, id: randomUUID(), version: 3 }, password), key);
  });

  it('pbkdf2 (hmac-sha256) with 0x-prefixed hex fields and an upper-case MAC', () => {
    const { crypto } = buildKeystore(key, { kdf: 'pbkdf2', c: 1000 });
    const prefixed = {
      address: `0x${bare}`,
      version: 3,
      crypto: {
        ...crypto,
        cipherparams: { iv: `0x${crypto.cipherparams.iv}` },
        ciphertext: `0x${crypto.ciphertext}`,
        kdfparams: { ...crypto.kdfparams, salt: `0x${crypto.kdfparams.salt}` },
        mac: crypto.mac.toUpperCase(),
      },
    };
    assert.equal(decryptKeystore(prefixed, password), key);
  });

  it('a wrong password is still told apart from a foreign shape', () => {
    const { crypto } = buildKeystore(key, { kdf: 'scrypt', n: 4096, r: 8, p: 1 });
    assert.throws(() => decryptKeystore({ Crypto: crypto, version: 3 }, 'nope'), /Wrong keystore password/);
  });

  it('a keystore holding the key 0 is refused after decryption', () => {
    const { crypto } = buildKeystore(`0x${'00'.repeat(32)}`, { kdf: 'pbkdf2', c: 1000 });
    assert.throws(
      () => decryptKeystore({ crypto, version: 3 }, password),
      /The key inside this keystore is zero/,
    );
  });
});

describe('readKeystoreFile says why a file cannot be used', () => {
  const dir = mkdtempSync(join(tmpdir(), 'verinet-keystore-files-'));
  after(() => rmSync(dir, { recursive: true, force: true }), teardownTimeout);
  const expectError = (path: string, message: RegExp) =>
    assert.throws(
      () => readKeystoreFile(path),
      (error: unknown) => error instanceof KeystoreError && message.test(error.message),
    );

  it('reads a file with a byte-order mark and a trailing newline (Windows editors)', () => {
    const file = join(dir, 'bom.json');
    const { crypto } = buildKeystore(key, { kdf: 'pbkdf2', c: 1000 });
    writeFileSync(file, `\uFEFF${JSON.stringify({ crypto, version: 3 })}\r\n`);
    assert.equal(decryptKeystore(readKeystoreFile(file), password), key);
  });

  it('missing', () => expectError(join(dir, 'absent.json'), /No keystore at .*absent\.json/));

  it('a folder (geth keystore/ directory)', () => {
    mkdirSync(join(dir, 'keystore'));
    expectError(join(dir, 'keystore'), /is a folder, not a keystore file/);
  });

  it('not JSON', () => {
    writeFileSync(join(dir, 'key.txt'), `${key}\n`);
    expectError(join(dir, 'key.txt'), /is not JSON, so it is not a keystore/);
  });

  it('JSON but not v3', () => {
    writeFileSync(join(dir, 'v1.json'), JSON.stringify({ version: 1, Crypto: {} }));
    expectError(join(dir, 'v1.json'), /is not a v3 keystore: version: expected version 3/);
    writeFileSync(join(dir, 'array.json'), '[]');
    expectError(join(dir, 'array.json'), /is not a v3 keystore/);
  });
});
