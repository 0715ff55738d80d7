import { pbkdf2Sync } from 'node:crypto';
import type { Hex } from 'viem';
import { bytesToHex } from 'viem';
import { HDKey } from 'viem/accounts';

/**
 * anvil's well-known test mnemonic. Its keys are public: they exist only for the local devnet and tests, never
 * for a real chain (use `verinet deploy --keystore` there).
 */
export const devnetMnemonic = 'test test test test test test test test test test test junk';

let master: HDKey | undefined;

/**
 * The BIP-39 seed's master key, computed once: the seed is PBKDF2-HMAC-SHA512 over 2,048 rounds, which viem's
 * `mnemonicToAccount` recomputes in JavaScript for every account (half a second each on a busy machine; the
 * bench, the devnet and `verinet task run` ask for several). Node's native PBKDF2 gives the same bytes.
 */
function getMaster(): HDKey {
  master ??= HDKey.fromMasterSeed(
    pbkdf2Sync(devnetMnemonic.normalize('NFKD'), 'mnemonic', 2048, 64, 'sha512'),
  );
  return master;
}

/** The private key of anvil's test account `index` (BIP-44 path m/44'/60'/0'/0/index, as anvil derives it). */
export function getDevnetPrivateKey(index: number): Hex {
  const key = getMaster().derive(`m/44'/60'/0'/0/${index}`).privateKey;
  if (!key) throw new Error('unreachable: HD key without private key');
  return bytesToHex(key);
}

export const devnetAccounts = {
  deployer: {
    index: 0,
    /** Derived on first use: importing this module costs nothing. */
    get privateKey(): Hex {
      return getDevnetPrivateKey(0);
    },
  },
} as const;
