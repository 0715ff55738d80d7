/** Task adapters (LoRA, textual inversion) applied to a base model while it loads. */
export { type PreparedSdAdapters, prepareSdAdapters, type SdAdapterRequest } from './prepareSdAdapters.js';
