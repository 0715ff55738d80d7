import type { VrfCurve } from '../vrf/prove.js';
import { loadNativeSecp256k1 } from './loadNativeSecp256k1.js';

const scalarBytes = (scalar: bigint) => {
  const out = new Uint8Array(32);
  let rest = scalar;
  for (let i = 31; i >= 0; i--) {
    out[i] = Number(rest & 0xffn);
    rest >>= 8n;
  }
  return out;
};

/**
 * The VRF prover's multiplications (`prove(key, alpha, { curve: getNativeVrfCurve() })`) in libsecp256k1, whose
 * `ec_pubkey_create` and `ec_pubkey_tweak_mul` are constant-time in the scalar: the same proof as noble's in a
 * small fraction of its CPU (an app proves for every task it samples). Undefined where the `secp256k1` package
 * has no prebuilt binding (then `prove` uses noble).
 *
 * @example
 * const proof = prove(vrfSecretKey, seed, { curve: getNativeVrfCurve() });
 */
export function getNativeVrfCurve(): VrfCurve | undefined {
  const secp256k1 = loadNativeSecp256k1();
  if (!secp256k1) return undefined;
  return {
    multiplyBase: (scalar) => secp256k1.publicKeyCreate(scalarBytes(scalar), true),
    multiply: (point, scalar) => secp256k1.publicKeyTweakMul(point, scalarBytes(scalar), true),
    isPoint: (compressed) => secp256k1.publicKeyVerify(compressed),
  };
}
