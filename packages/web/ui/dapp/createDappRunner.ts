import type { UiConfig } from '../lib/bridge.js';
import type { Runner } from '../lib/runner.js';

/** DApp mode: the browser wallet (EIP-1193, window.ethereum) signs and pays; the SDK runs the protocol. */
export async function createDappRunner(config: UiConfig | null): Promise<Runner> {
  void config;
  throw new Error('DApp mode is not available in this build yet');
}
