import { createRequire } from 'node:module';
import type * as Secp256k1 from 'secp256k1';

export type NativeSecp256k1 = typeof Secp256k1;

let loaded: NativeSecp256k1 | null | undefined;

/**
 * libsecp256k1 through the `secp256k1` package's prebuilt binding (linux-x64, darwin-arm64, win32-x64), or
 * undefined where it has none. Its pure-JavaScript fallback (elliptic) is never used: it is slower than noble and
 * not constant-time.
 *
 * @example
 * const secp256k1 = loadNativeSecp256k1();
 * if (secp256k1) signature = secp256k1.ecdsaSign(digest, privateKey);
 */
export function loadNativeSecp256k1(): NativeSecp256k1 | undefined {
  if (loaded === undefined) {
    try {
      loaded = createRequire(import.meta.url)('secp256k1/bindings') as NativeSecp256k1;
    } catch {
      loaded = null;
    }
  }
  return loaded ?? undefined;
}
