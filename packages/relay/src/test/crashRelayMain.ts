// A relay process for the crash test: configured by VERINET_RELAY_* variables, killed with SIGKILL by the test.
import { startRelay } from '../cli/startRelay.js';

const relay = await startRelay({ handleSignals: true });
process.stdout.write(`LISTENING ${relay.url}\n`);
