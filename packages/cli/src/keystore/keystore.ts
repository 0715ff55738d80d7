import { createCipheriv, createDecipheriv, pbkdf2Sync, randomBytes, randomUUID } from 'node:crypto';
import { scrypt } from '@noble/hashes/scrypt.js';
import { BaseError } from '@verinet/protocol';
import { bytesToHex, concat, type Hex, hexToBytes, keccak256 } from 'viem';
import { privateKeyToAddress } from 'viem/accounts';
import { z } from 'zod';
import { parsePrivateKey } from './parsePrivateKey.js';

/**
 * Web3 Secret Storage v3 keystore files (the format geth, Foundry's `cast wallet` and MetaMask exports use), so
 * that no service ever keeps a plaintext key on disk.
 */
const hexString = z.string().regex(/^(0x)?([0-9a-fA-F]{2})*$/, 'expected a hex string of whole bytes');

export const keystoreSchema = z.object({
  version: z.literal(3, 'expected version 3 (Web3 Secret Storage v3)'),
  id: z.string().optional(),
  address: z.string().optional(),
  crypto: z.object({
    cipher: z.literal('aes-128-ctr'),
    cipherparams: z.object({ iv: hexString }),
    ciphertext: hexString,
    kdf: z.enum(['scrypt', 'pbkdf2']),
    kdfparams: z.union([
      z.object({
        dklen: z.number().int().min(32).max(64),
        n: z.number().int().positive(),
        r: z.number().int().positive(),
        p: z.number().int().positive(),
        salt: hexString,
      }),
      z.object({
        dklen: z.number().int().min(32).max(64),
        c: z.number().int().positive(),
        prf: z.literal('hmac-sha256'),
        salt: hexString,
      }),
    ]),
    mac: hexString,
  }),
});

export type Keystore = z.infer<typeof keystoreSchema>;

/**
 * Checks that `input` is a v3 keystore and returns it in one shape, whatever tool wrote it: ethers spells the
 * field `Crypto`, some tools prefix hex with 0x (handled where it is read) or add fields of their own
 * (`x-ethers`, ignored).
 *
 * @example
 * const keystore = normalizeKeystore(JSON.parse(text));
 */
export function normalizeKeystore(input: unknown): Keystore {
  let candidate = input;
  if (typeof input === 'object' && input !== null && !Array.isArray(input)) {
    const record = input as Record<string, unknown>;
    if (record.crypto === undefined && record.Crypto !== undefined) {
      candidate = { ...record, crypto: record.Crypto };
    }
  }
  const parsed = keystoreSchema.safeParse(candidate);
  if (!parsed.success) {
    throw new KeystoreError('Not a Web3 Secret Storage v3 keystore.', {
      // zod's "Invalid input: expected object, received undefined" for an absent field reads as "missing".
      details: parsed.error.issues.map(
        (issue) =>
          `${issue.path.join('.') || '(root)'}: ${/received undefined$/.test(issue.message) ? 'missing' : issue.message}`,
      ),
    });
  }
  const { crypto } = parsed.data;
  const lengths: [string, string, number][] = [
    ['crypto.cipherparams.iv', crypto.cipherparams.iv, 16],
    ['crypto.ciphertext', crypto.ciphertext, 32],
    ['crypto.mac', crypto.mac, 32],
  ];
  for (const [field, hex, bytes] of lengths) {
    if (strip(hex).length !== bytes * 2) {
      throw new KeystoreError('Not a Web3 Secret Storage v3 keystore.', {
        details: [`${field}: expected ${bytes} bytes, got ${strip(hex).length / 2}`],
      });
    }
  }
  return parsed.data;
}

export class KeystoreError extends BaseError {
  override name = 'KeystoreError' as const;
}

const strip = (hex: string) => (hex.startsWith('0x') ? hex.slice(2) : hex);
const toBytes = (hex: string) => hexToBytes(`0x${strip(hex)}` as Hex);

// A hostile keystore file must not make us allocate gigabytes: 1 GiB of scrypt memory at most.
const maxScryptMemory = 2 ** 30;

function deriveKey(keystore: Keystore, password: string): Buffer {
  const params = keystore.crypto.kdfparams;
  const salt = toBytes(params.salt);
  if ('n' in params) {
    if (128 * params.n * params.r > maxScryptMemory || params.p > 64) {
      throw new KeystoreError('Keystore scrypt parameters are too large to be safe.', {
        details: [`n=${params.n} r=${params.r} p=${params.p}`],
      });
    }
    // noble's scrypt, not OpenSSL's: OpenSSL refuses N >= 2^(16·r), which the spec's own vector (r=1) uses.
    return Buffer.from(
      scrypt(password.normalize('NFKC'), salt, {
        N: params.n,
        r: params.r,
        p: params.p,
        dkLen: params.dklen,
      }),
    );
  }
  return pbkdf2Sync(password.normalize('NFKC'), salt, params.c, params.dklen, 'sha256');
}

/**
 * Decrypts a v3 keystore and returns its private key.
 *
 * @example
 * const privateKey = decryptKeystore(JSON.parse(readFileSync('node.json', 'utf8')), process.env.PASSWORD!);
 */
export function decryptKeystore(input: unknown, password: string): Hex {
  const keystore = normalizeKeystore(input);
  const derived = deriveKey(keystore, password);
  const ciphertext = toBytes(keystore.crypto.ciphertext);
  const mac = keccak256(concat([derived.subarray(16, 32), ciphertext]));
  if (strip(mac).toLowerCase() !== strip(keystore.crypto.mac).toLowerCase()) {
    throw new KeystoreError('Wrong keystore password (MAC mismatch).', {
      details: ['Check the password, or the VERINET_KEYSTORE_PASSWORD environment variable.'],
    });
  }
  const decipher = createDecipheriv(
    'aes-128-ctr',
    derived.subarray(0, 16),
    toBytes(keystore.crypto.cipherparams.iv),
  );
  const privateKey = parsePrivateKey(
    bytesToHex(Buffer.concat([decipher.update(ciphertext), decipher.final()])),
    'The key inside this keystore',
  );
  if (keystore.address) {
    const address = privateKeyToAddress(privateKey).toLowerCase();
    if (strip(keystore.address).toLowerCase() !== strip(address)) {
      throw new KeystoreError('The keystore address does not match its decrypted key.', {
        details: [`File says ${keystore.address}, key is ${address}.`],
      });
    }
  }
  return privateKey;
}

export type EncryptKeystoreParameters = {
  /** scrypt cost; 2^18 is the geth default, tests use less. */
  scryptN?: number | undefined;
};

/**
 * Encrypts a private key into a v3 keystore (scrypt, aes-128-ctr).
 *
 * @example
 * writeFileSync('node.json', JSON.stringify(encryptKeystore(privateKey, password)));
 */
export function encryptKeystore(
  privateKey: Hex,
  password: string,
  parameters: EncryptKeystoreParameters = {},
): Keystore {
  const n = parameters.scryptN ?? 2 ** 18;
  const salt = randomBytes(32);
  const iv = randomBytes(16);
  const kdfparams = { dklen: 32, n, r: 8, p: 1, salt: salt.toString('hex') };
  const derived = Buffer.from(scrypt(password.normalize('NFKC'), salt, { N: n, r: 8, p: 1, dkLen: 32 }));
  const cipher = createCipheriv('aes-128-ctr', derived.subarray(0, 16), iv);
  const ciphertext = Buffer.concat([cipher.update(hexToBytes(privateKey)), cipher.final()]);
  const mac = keccak256(concat([derived.subarray(16, 32), ciphertext]));
  return {
    version: 3,
    id: randomUUID(),
    address: strip(privateKeyToAddress(privateKey)).toLowerCase(),
    crypto: {
      cipher: 'aes-128-ctr',
      cipherparams: { iv: iv.toString('hex') },
      ciphertext: ciphertext.toString('hex'),
      kdf: 'scrypt',
      kdfparams,
      mac: strip(mac),
    },
  };
}
