/**
 * secp256k1 through libsecp256k1 (native, prebuilt in the `secp256k1` package) for Node.js services: signing,
 * recovery and the VRF's point multiplications at a fraction of pure JavaScript's CPU, with viem's and noble's
 * answers (and as fallback where no binding is prebuilt). Never import it from code that runs in a browser.
 */
export { loadNativeSecp256k1, type NativeSecp256k1 } from './loadNativeSecp256k1.js';
export { getNativeVrfCurve } from './nativeVrfCurve.js';
export { privateKeyToNativeAccount } from './privateKeyToNativeAccount.js';
export { recoverAddressNative } from './recoverAddressNative.js';
