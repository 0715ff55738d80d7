/**
 * Test helpers playing the application and the node operator on a test devnet (the SDK is another package's
 * work; this is the few calls the node's tests need, with the same commitments as the protocol package).
 */
import {
  encodeTaskArgs,
  getModelId,
  getTaskModelIds,
  packVersion,
  type TaskType,
} from '@verinet/protocol/args';
import { taskManagerAbi } from '@verinet/protocol/chain';
import {
  createNonce,
  createSalt,
  createTaskSecrets,
  getArgsCommitment,
  getTaskIdCommitment,
} from '@verinet/protocol/commitment';
import { getPublicKey } from '@verinet/protocol/vrf';
import { type Address, type Hex, keccak256, parseEventLogs, stringToHex, zeroAddress } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { getDeploymentChain } from '../chain/createChainClient.js';
import { contractsOf, joinRequest } from '../chain/taskManager.js';
import { openStore } from '../store/index.js';
import { createTxSender } from '../tx/index.js';
import { type TestDevnet, testMinStake, testWallet } from './devnet.js';

export const testGpu = { name: 'Verinet Test GPU', vram: 16 } as const;
export const testVersion = '1.0.0';

const taskTypeIds: Record<TaskType, number> = { sd: 0, llm: 1, sd_ft: 2 };

/** Registers anvil account `index` as a node holding `models` (hub ids of the test models). */
export async function joinTestNode(devnet: TestDevnet, index: number, models: string[]): Promise<Address> {
  const { privateKey } = testWallet(devnet, index);
  const account = privateKeyToAccount(privateKey);
  const sender = createTxSender({
    client: devnet.client,
    account,
    chain: getDeploymentChain(devnet.deployment, devnet.anvil.rpcUrl),
    store: openStore({ path: ':memory:' }),
  });
  await sender.sendAndWait({
    purpose: 'join',
    request: joinRequest(contractsOf(devnet.deployment), {
      gpuName: testGpu.name,
      vram: testGpu.vram,
      version: packVersion(testVersion),
      publicKey: getPublicKey(privateKey),
      beneficiary: zeroAddress,
      modelIds: models.map((m) => getModelId(m)),
      stake: testMinStake,
    }),
  });
  return account.address;
}

export type CreatedTestTask = {
  taskKey: Hex;
  bytes: Uint8Array;
  salt: Hex;
  node: Address | null;
  blockNumber: bigint;
};

/** Creates a task as the app (anvil account `appIndex`) and returns its key, argument bytes and salt. */
export async function createTestTask(
  devnet: TestDevnet,
  appIndex: number,
  taskType: TaskType,
  input: unknown,
  fee: bigint,
): Promise<CreatedTestTask> {
  const { wallet } = testWallet(devnet, appIndex);
  const { bytes, argsHash, args } = encodeTaskArgs(taskType, input);
  const salt = createSalt();
  const { guid } = createTaskSecrets();
  const taskKey = getTaskIdCommitment(guid, createNonce());
  const params = {
    taskType: taskTypeIds[taskType],
    modelIds: getTaskModelIds(taskType, args as never).map((m) => getModelId(m)),
    minVram: 8,
    requiredGpu: taskType === 'llm' ? keccak256(stringToHex(testGpu.name)) : (`0x${'0'.repeat(64)}` as Hex),
    version: packVersion(testVersion),
    taskSize: 1n,
    taskIdCommitment: taskKey,
    argsCommitment: getArgsCommitment(argsHash, salt),
    // No relay signer is set on the test deployments: an empty ArgsAvailable statement.
    relayExpiry: 0n,
    relaySignature: '0x' as Hex,
  };
  const request = {
    address: devnet.deployment.contracts.taskManager,
    abi: taskManagerAbi,
    functionName: 'createTask',
    args: [params],
    value: fee,
  } as const;
  const gas = await devnet.client.estimateContractGas({
    ...request,
    account: wallet.account,
    blockTag: 'pending',
  } as never);
  const hash = await wallet.writeContract({ ...request, gas: (gas * 3n) / 2n + 100_000n } as never);
  const receipt = await devnet.client.waitForTransactionReceipt({ hash });
  if (receipt.status !== 'success') throw new Error(`createTask reverted (${hash})`);
  // createTask only records the task; a later transaction draws its node from the creation block's hash
  // (finding 1), here an explicit settlement in the next block.
  const settleHash = await wallet.writeContract({
    address: devnet.deployment.contracts.taskManager,
    abi: taskManagerAbi,
    functionName: 'settleDraws',
    args: [],
  } as never);
  const settled = await devnet.client.waitForTransactionReceipt({ hash: settleHash });
  if (settled.status !== 'success') throw new Error(`settleDraws reverted (${settleHash})`);
  const started = parseEventLogs({
    abi: taskManagerAbi,
    logs: [...receipt.logs, ...settled.logs],
    eventName: 'TaskStarted',
  }).find((e) => e.args.taskKey.toLowerCase() === taskKey.toLowerCase());
  return { taskKey, bytes, salt, node: started?.args.node ?? null, blockNumber: receipt.blockNumber };
}

/** The app validates a reported task alone (unsampled). */
export async function validateTestTask(devnet: TestDevnet, appIndex: number, taskKey: Hex): Promise<void> {
  const { wallet } = testWallet(devnet, appIndex);
  const request = {
    address: devnet.deployment.contracts.taskManager,
    abi: taskManagerAbi,
    functionName: 'validateSingleTask',
    args: [taskKey],
  } as const;
  const gas = await devnet.client.estimateContractGas({
    ...request,
    account: wallet.account,
    blockTag: 'pending',
  } as never);
  const hash = await wallet.writeContract({ ...request, gas: (gas * 3n) / 2n + 100_000n } as never);
  const receipt = await devnet.client.waitForTransactionReceipt({ hash });
  if (receipt.status !== 'success') throw new Error(`validateSingleTask reverted (${hash})`);
}
