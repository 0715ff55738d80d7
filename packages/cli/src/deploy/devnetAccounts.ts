import type { Hex } from 'viem';
import { bytesToHex } from 'viem';
import { mnemonicToAccount } from 'viem/accounts';

/**
 * anvil's well-known test mnemonic. Its keys are public: they exist only for the local devnet and tests, never
 * for a real chain (use `verinet deploy --keystore` there).
 */
export const devnetMnemonic = 'test test test test test test test test test test test junk';

/** The private key of anvil's test account `index`. */
export function getDevnetPrivateKey(index: number): Hex {
  const key = mnemonicToAccount(devnetMnemonic, { addressIndex: index }).getHdKey().privateKey;
  if (!key) throw new Error('unreachable: HD key without private key');
  return bytesToHex(key);
}

export const devnetAccounts = {
  deployer: { index: 0, privateKey: getDevnetPrivateKey(0) },
} as const;
