/**
 * Test helper: one node daemon on a test devnet with the real relay (SQLite), running the real worker on a tiny
 * generated GPT-2: the set-up the daemon's chain-rewind tests share (rewoundTask, reportRestore, redrawCommitted).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeTinyGpt2 } from '@verinet/worker/llm';
import { privateKeyToAccount } from 'viem/accounts';
import { createHttpRelayClient } from '../relay/createHttpRelayClient.js';
import { joinTestNode, setTestRelaySigner } from './app.js';
import { startTestDevnet, type TestDevnet, testWallet } from './devnet.js';
import { type RealRelay, startRealRelay } from './startRealRelay.js';
import { startTestNode, type TestNode } from './startTestNode.js';

export type RelayedTestNode = {
  /** The temporary folder of the models and the node's data. */
  root: string;
  devnet: TestDevnet;
  relay: RealRelay;
  node: TestNode;
  /** Stops the node, the relay and the devnet, and deletes the folder of the models and the node's data. */
  stop: () => Promise<void>;
};

/**
 * Starts the devnet and the relay, joins anvil account `nodeIndex` as a node holding `verinet/tiny-gpt2` and starts
 * its daemon. `relaySigner`: make the relay the chain's relay signer first (createTask then needs its statement).
 *
 * @example
 * const { devnet, relay, node, stop } = await startRelayedTestNode({ prefix: 'verinet-daemon-x-', nodeIndex: 3 });
 */
export async function startRelayedTestNode(parameters: {
  /** Prefix of the temporary folder (models, node data). */
  prefix: string;
  nodeIndex: number;
  relaySigner?: boolean | undefined;
  /** The daemon's wait before it settles a draw itself (startTestNode's default when omitted). */
  settleDelayMs?: number | undefined;
}): Promise<RelayedTestNode> {
  const root = mkdtempSync(join(tmpdir(), parameters.prefix));
  const modelsDir = join(root, 'models');
  let devnet: TestDevnet | undefined;
  let relay: RealRelay | undefined;
  try {
    await writeTinyGpt2({ modelsDir });
    devnet = await startTestDevnet();
    relay = await startRealRelay(devnet);
    if (parameters.relaySigner) await setTestRelaySigner(devnet, relay.signer);
    await joinTestNode(devnet, parameters.nodeIndex, ['base:verinet/tiny-gpt2']);
    const client = createHttpRelayClient({
      url: relay.url,
      signer: privateKeyToAccount(testWallet(devnet, parameters.nodeIndex).privateKey),
      chainId: devnet.deployment.chainId,
      taskManager: devnet.deployment.contracts.taskManager,
    });
    const node = await startTestNode({
      devnet,
      index: parameters.nodeIndex,
      relay: client,
      dataDir: join(root, 'node'),
      modelsDir,
      ...(parameters.settleDelayMs === undefined ? {} : { settleDelayMs: parameters.settleDelayMs }),
    });
    const started = { devnet, relay };
    return {
      root,
      ...started,
      node,
      async stop() {
        // Each stopped whatever the one before did (a node that fails to stop must not leave relay and anvil running).
        const failures: unknown[] = [];
        await node.stop().catch((error: unknown) => failures.push(error));
        await started.relay.stop().catch((error: unknown) => failures.push(error));
        await started.devnet.stop().catch((error: unknown) => failures.push(error));
        rmSync(root, { recursive: true, force: true });
        if (failures.length > 0) throw failures[0];
      },
    };
  } catch (error) {
    await relay?.stop().catch(() => {});
    await devnet?.stop().catch(() => {});
    rmSync(root, { recursive: true, force: true });
    throw error;
  }
}
