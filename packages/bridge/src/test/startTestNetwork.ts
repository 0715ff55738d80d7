/**
 * A real network for the bridge's tests and benchmark: anvil with the contracts, the real relay, real node
 * daemons with real workers on tiny generated models (packages/node/src/testing), and the bridge's wallet.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { taskManagerAbi } from '@verinet/protocol/chain';
import { writeTinyGpt2 } from '@verinet/worker/llm';
import type { Hex } from 'viem';
import { createHttpRelayClient } from '../../../node/src/relay/createHttpRelayClient.js';
import { joinTestNode } from '../../../node/src/testing/app.js';
import { startTestDevnet, type TestDevnet, testWallet } from '../../../node/src/testing/devnet.js';
import { type RealRelay, startRealRelay } from '../../../node/src/testing/startRealRelay.js';
import { startTestNode, type TestNode } from '../../../node/src/testing/startTestNode.js';
import { writeTinySdModel } from '../../../worker/src/sd/tiny/index.js';
import type { BridgeModel } from '../config/bridgeConfig.js';

export type TestNetwork = {
  devnet: TestDevnet;
  relay: RealRelay;
  nodes: TestNode[];
  dir: string;
  /** The nodes' model store (the bridge's `modelsDir` for prompt checks). */
  modelsDir: string;
  deploymentFile: string;
  /** The bridge wallet's key (an anvil test account). */
  walletKey: Hex;
  models: BridgeModel[];
  stop: () => Promise<void>;
};

export const testModels: BridgeModel[] = [
  { id: 'tiny-chat', type: 'llm', taskModel: 'verinet/tiny-gpt2' },
  { id: 'tiny-sd', type: 'sd', taskModel: 'verinet/tiny-sd' },
];

/**
 * Starts the network. `samplingDenominator` (default 1000, i.e. 0.1%) keeps one-node tests from drawing a
 * validation group they could not staff; the benchmark may pass 10 (production) with three nodes.
 */
export async function startTestNetwork(
  options: { nodes?: number; samplingDenominator?: number } = {},
): Promise<TestNetwork> {
  const dir = mkdtempSync(join(tmpdir(), 'verinet-bridge-net-'));
  const modelsDir = join(dir, 'models');
  await writeTinyGpt2({ modelsDir });
  await writeTinySdModel({ modelsDir, modelId: 'verinet/tiny-sd', seed: 1 });
  const devnet = await startTestDevnet();
  const started: { relay?: RealRelay; nodes: TestNode[] } = { nodes: [] };
  try {
    const owner = testWallet(devnet, 0);
    const hash = await owner.wallet.writeContract({
      address: devnet.deployment.contracts.taskManager,
      abi: taskManagerAbi,
      functionName: 'setSamplingDenominator',
      args: [BigInt(options.samplingDenominator ?? 1000)],
    } as never);
    await devnet.client.waitForTransactionReceipt({ hash });
    const relay = await startRealRelay(devnet);
    started.relay = relay;
    for (let i = 0; i < (options.nodes ?? 1); i++) {
      const index = 2 + i;
      await joinTestNode(devnet, index, ['base:verinet/tiny-gpt2', 'base:verinet/tiny-sd']);
      const signer = testWallet(devnet, index).account;
      const client = createHttpRelayClient({
        url: relay.url,
        signer,
        chainId: devnet.deployment.chainId,
        taskManager: devnet.deployment.contracts.taskManager,
      });
      started.nodes.push(
        await startTestNode({ devnet, index, relay: client, dataDir: join(dir, `node${i}`), modelsDir }),
      );
    }
    const deploymentFile = join(dir, 'deployment.json');
    writeFileSync(deploymentFile, JSON.stringify(devnet.deployment));
    return {
      devnet,
      relay,
      nodes: started.nodes,
      dir,
      modelsDir,
      deploymentFile,
      walletKey: testWallet(devnet, 12).privateKey,
      models: testModels,
      async stop() {
        for (const node of started.nodes) await node.stop();
        await relay.stop();
        await devnet.stop();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    for (const node of started.nodes) await node.stop();
    await started.relay?.stop();
    await devnet.stop();
    throw error;
  }
}
