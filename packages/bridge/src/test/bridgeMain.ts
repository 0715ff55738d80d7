/**
 * A bridge in its own process, for tests that kill it (SIGKILL: no shutdown code runs). Options come as JSON
 * in VERINET_BRIDGE_TEST_OPTIONS; prints `READY <url>` once listening.
 */
import { type StartBridgeOptions, startBridge } from '../cli/startBridge.js';

const options = JSON.parse(process.env.VERINET_BRIDGE_TEST_OPTIONS ?? '{}') as StartBridgeOptions;
const bridge = await startBridge({ ...options, env: {}, handleSignals: true });
process.stdout.write(`READY ${bridge.url}\n`);
await bridge.closed;
