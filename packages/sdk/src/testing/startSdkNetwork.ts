/**
 * Test helper: the whole network an SDK test talks to, all real: anvil with the contracts (the node tests'
 * devnet), the real relay (Fastify, SQLite) made the chain's relay signer, and node daemons running the real
 * worker on tiny generated models. Nothing here is used by the SDK itself.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nodeRegistryAbi, taskManagerAbi } from '@verinet/protocol/chain';
import { writeTinyGpt2 } from '@verinet/worker/llm';
import { writeTinySdModel } from '@verinet/worker/sd/tiny';
import type { Abi, Address, Hex } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { createHttpRelayClient } from '../../../node/src/relay/createHttpRelayClient.js';
import { joinTestNode } from '../../../node/src/testing/app.js';
import { startTestDevnet, type TestDevnet, testWallet } from '../../../node/src/testing/devnet.js';
import { type RealRelay, startRealRelay } from '../../../node/src/testing/startRealRelay.js';
import { startTestNode, type TestNode } from '../../../node/src/testing/startTestNode.js';
import { getChainFromDeployment } from '../chain/getChainFromDeployment.js';
import type { VerinetChain } from '../types.js';

/** Gas of the network owner's and nodes' own sends (see `send`). */
const ownerSendGas = 8_000_000n;
export const testModels = { llm: 'verinet/tiny-gpt2', sd: 'verinet/tiny-sd' } as const;

export type SdkNetwork = {
  devnet: TestDevnet;
  relay: RealRelay;
  chain: VerinetChain;
  root: string;
  modelsDir: string;
  /** Running node daemons by anvil account index. */
  nodes: Map<number, TestNode>;
  /** Registers account `index` as a node (holding both test models), without starting it. */
  joinNode(index: number): Promise<Address>;
  /** Starts the daemon (real worker) of a joined node. */
  startNode(index: number): Promise<TestNode>;
  /** An owner or node transaction on the TaskManager / NodeRegistry, mined. */
  send(
    from: number,
    contract: 'taskManager' | 'nodeRegistry',
    functionName: string,
    args: unknown[],
  ): Promise<void>;
  /** Moves chain time forward and mines a block. */
  warp(seconds: number): Promise<void>;
  privateKey(index: number): Hex;
  stop(): Promise<void>;
};

export async function startSdkNetwork(): Promise<SdkNetwork> {
  const root = mkdtempSync(join(tmpdir(), 'verinet-sdk-'));
  const modelsDir = join(root, 'models');
  await writeTinyGpt2({ modelsDir });
  await writeTinySdModel({ modelsDir, modelId: testModels.sd });
  const devnet = await startTestDevnet();
  const nodes = new Map<number, TestNode>();
  let relay: RealRelay | undefined;
  const send: SdkNetwork['send'] = async (from, contract, functionName, args) => {
    const { wallet } = testWallet(devnet, from);
    const abi = (contract === 'taskManager' ? taskManagerAbi : nodeRegistryAbi) as Abi;
    const hash = await wallet.writeContract({
      address: devnet.deployment.contracts[contract],
      abi,
      functionName,
      args,
      // pause/resume/dispatch settle the pending draws first (F1): a gas estimate made before other draws
      // arrived ran out in the loaded fresh-clone rehearsal ("pause reverted"). Room for them, as the SDK leaves.
      gas: ownerSendGas,
    } as never);
    const receipt = await devnet.client.waitForTransactionReceipt({ hash });
    // The gas used says an out-of-gas revert (all 8M) from a refusal (a status the call does not allow).
    if (receipt.status !== 'success')
      throw new Error(`${functionName} reverted (gas used ${receipt.gasUsed} of ${ownerSendGas})`);
  };
  try {
    relay = await startRealRelay(devnet);
    // As on a real network: every createTask must carry the relay's ArgsAvailable statement.
    const info = (await (await fetch(`${relay.url}/v1/info`)).json()) as { relaySigner: Address };
    await send(0, 'taskManager', 'setRelaySigner', [info.relaySigner]);
  } catch (error) {
    await relay?.stop();
    await devnet.stop();
    throw error;
  }
  const network: SdkNetwork = {
    devnet,
    relay,
    chain: getChainFromDeployment(devnet.deployment, devnet.anvil.rpcUrl),
    root,
    modelsDir,
    nodes,
    joinNode: (index) => joinTestNode(devnet, index, [`base:${testModels.llm}`, `base:${testModels.sd}`]),
    async startNode(index) {
      const account = privateKeyToAccount(testWallet(devnet, index).privateKey);
      const client = createHttpRelayClient({
        url: network.relay.url,
        signer: account,
        chainId: devnet.deployment.chainId,
        taskManager: devnet.deployment.contracts.taskManager,
      });
      const node = await startTestNode({
        devnet,
        index,
        relay: client,
        dataDir: join(root, `node${index}`),
        modelsDir,
      });
      nodes.set(index, node);
      return node;
    },
    send,
    async warp(seconds) {
      await devnet.rpc('evm_increaseTime', [seconds]);
      await devnet.rpc('evm_mine');
    },
    privateKey: (index) => testWallet(devnet, index).privateKey,
    async stop() {
      for (const node of nodes.values()) await node.stop().catch(() => {});
      await network.relay.stop().catch(() => {});
      await devnet.stop();
      rmSync(root, { recursive: true, force: true });
    },
  };
  return network;
}
