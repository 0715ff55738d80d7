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
import { getFastVerifyParams, getPublicKey, isSelected, proofToHash, prove } from '@verinet/protocol/vrf';
import { type Address, type Hex, keccak256, parseEventLogs, stringToHex, zeroAddress } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { getDeploymentChain } from '../chain/createChainClient.js';
import { contractsOf, joinRequest, readTask } from '../chain/taskManager.js';
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
  /** The creation block's hash: the sampling seed the app's VRF runs on. */
  blockHash: Hex;
  guid: Hex;
  nonce: Hex;
  argsHash: Hex;
  /** The requirements passed to createTask (validateTaskGroup repeats them). */
  requirements: { modelIds: Hex[]; minVram: number; requiredGpu: Hex; version: bigint };
};

/** Creates a task as the app (anvil account `appIndex`) and returns its key, argument bytes and salt. */
export async function createTestTask(
  devnet: TestDevnet,
  appIndex: number,
  taskType: TaskType,
  input: unknown,
  fee: bigint,
  options: {
    guid?: Hex;
    /** The relay's ArgsAvailable statement, when the chain has a relay signer (upload before createTask). */
    relayStatement?: (
      argsCommitment: Hex,
      bytes: Uint8Array,
      salt: Hex,
    ) => Promise<{ relayExpiry: bigint; relaySignature: Hex }>;
    /** Settle the draw right after createTask (default), or leave the task Pending for someone else. */
    settle?: boolean;
  } = {},
): Promise<CreatedTestTask> {
  const { wallet } = testWallet(devnet, appIndex);
  const { bytes, argsHash, args } = encodeTaskArgs(taskType, input);
  const salt = createSalt();
  // Members of a validation group share the original's GUID (with fresh nonces and salts).
  const guid = options.guid ?? createTaskSecrets().guid;
  const nonce = createNonce();
  const taskKey = getTaskIdCommitment(guid, nonce);
  const argsCommitment = getArgsCommitment(argsHash, salt);
  // Without a relay signer on the chain, an empty ArgsAvailable statement.
  const statement = options.relayStatement
    ? await options.relayStatement(argsCommitment, bytes, salt)
    : { relayExpiry: 0n, relaySignature: '0x' as Hex };
  const params = {
    taskType: taskTypeIds[taskType],
    modelIds: getTaskModelIds(taskType, args as never).map((m) => getModelId(m)),
    minVram: 8,
    requiredGpu: taskType === 'llm' ? keccak256(stringToHex(testGpu.name)) : (`0x${'0'.repeat(64)}` as Hex),
    version: packVersion(testVersion),
    taskSize: 1n,
    taskIdCommitment: taskKey,
    argsCommitment,
    ...statement,
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
  let settledLogs: typeof receipt.logs = [];
  if (options.settle !== false) {
    settledLogs = (await settleTestDraws(devnet, appIndex)).logs;
  }
  const started = parseEventLogs({
    abi: taskManagerAbi,
    logs: [...receipt.logs, ...settledLogs],
    eventName: 'TaskStarted',
  }).find((e) => e.args.taskKey.toLowerCase() === taskKey.toLowerCase());
  // An Available daemon settles a draw nobody settled after a random wait (createDrawSettler): under load it can
  // come before the settlement above, whose receipt then holds no TaskStarted for this task. The chain knows.
  let node = started?.args.node ?? null;
  if (!node && options.settle !== false) {
    const onChain = await readTask(devnet.client, contractsOf(devnet.deployment), taskKey);
    if (onChain.node !== zeroAddress) node = onChain.node;
  }
  return {
    taskKey,
    bytes,
    salt,
    node,
    blockNumber: receipt.blockNumber,
    blockHash: receipt.blockHash,
    guid,
    nonce,
    argsHash,
    requirements: {
      modelIds: params.modelIds,
      minVram: params.minVram,
      requiredGpu: params.requiredGpu,
      version: params.version,
    },
  };
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

/** Whether the app's VRF over the task's seed (its creation block hash) samples it for a validation group. */
export async function isSampled(
  devnet: TestDevnet,
  appIndex: number,
  task: CreatedTestTask,
): Promise<boolean> {
  const denominator = await devnet.client.readContract({
    address: devnet.deployment.contracts.taskManager,
    abi: taskManagerAbi,
    functionName: 'samplingDenominator',
  });
  const proof = prove(testWallet(devnet, appIndex).privateKey, task.blockHash);
  return isSelected(proofToHash(proof), denominator as bigint);
}

/**
 * The app validates a hidden group: the original (sampled) and its two extra members, each reported on chain.
 * Scores and seeds are read from the members' TaskScoreReady events, as an app would.
 */
export async function validateTestGroup(
  devnet: TestDevnet,
  appIndex: number,
  members: CreatedTestTask[],
): Promise<void> {
  const { privateKey, wallet } = testWallet(devnet, appIndex);
  const [original] = members;
  if (!original) throw new Error('no members');
  const reports = await Promise.all(
    members.map(async (member) => {
      const logs = await devnet.client.getContractEvents({
        address: devnet.deployment.contracts.taskManager,
        abi: taskManagerAbi,
        eventName: 'TaskScoreReady',
        args: { taskKey: member.taskKey } as never,
        fromBlock: member.blockNumber,
      });
      const args = (logs[0] as { args?: { score?: Hex; seed?: Hex } } | undefined)?.args;
      if (!args?.score || !args.seed) throw new Error(`no TaskScoreReady for ${member.taskKey}`);
      return { score: args.score, seed: args.seed };
    }),
  );
  const proof = prove(privateKey, original.blockHash);
  const publicKey = getPublicKey(privateKey);
  const { uPoint, vComponents } = getFastVerifyParams(publicKey, proof, original.blockHash);
  const request = {
    address: devnet.deployment.contracts.taskManager,
    abi: taskManagerAbi,
    functionName: 'validateTaskGroup',
    args: [
      {
        taskKeys: members.map((m) => m.taskKey),
        guid: original.guid,
        nonces: members.map((m) => m.nonce),
        argsHash: original.argsHash,
        salts: members.map((m) => m.salt),
        scores: reports.map((r) => r.score),
        seeds: reports.map((r) => r.seed),
        ...original.requirements,
        vrfProof: proof,
        publicKey,
        uPoint,
        vComponents,
      },
    ],
  } as const;
  const gas = await devnet.client.estimateContractGas({
    ...request,
    account: wallet.account,
    blockTag: 'pending',
  } as never);
  const hash = await wallet.writeContract({ ...request, gas: (gas * 3n) / 2n + 100_000n } as never);
  const receipt = await devnet.client.waitForTransactionReceipt({ hash });
  if (receipt.status !== 'success') throw new Error(`validateTaskGroup reverted (${hash})`);
}

/** The deployer (the contracts' owner) sets the sampling rate to 1 / `denominator`. */
export async function setTestSamplingDenominator(devnet: TestDevnet, denominator: bigint): Promise<void> {
  const { wallet } = testWallet(devnet, 0);
  const hash = await wallet.writeContract({
    address: devnet.deployment.contracts.taskManager,
    abi: taskManagerAbi,
    functionName: 'setSamplingDenominator',
    args: [denominator],
  } as never);
  await devnet.client.waitForTransactionReceipt({ hash });
}

/** The deployer (the contracts' owner) makes the TaskManager require statements signed by `signer`. */
export async function setTestRelaySigner(devnet: TestDevnet, signer: Address): Promise<void> {
  const { wallet } = testWallet(devnet, 0);
  const hash = await wallet.writeContract({
    address: devnet.deployment.contracts.taskManager,
    abi: taskManagerAbi,
    functionName: 'setRelaySigner',
    args: [signer],
  } as never);
  await devnet.client.waitForTransactionReceipt({ hash });
}

/**
 * Sends `settleDraws()` from the test account `appIndex` (every pending draw of earlier blocks gets its node) and
 * returns its receipt; throws when it reverted. `pollingInterval` (ms) for the receipt wait: benches pass a short one.
 */
export async function settleTestDraws(devnet: TestDevnet, appIndex: number, pollingInterval?: number) {
  const { wallet } = testWallet(devnet, appIndex);
  const hash = await wallet.writeContract({
    address: devnet.deployment.contracts.taskManager,
    abi: taskManagerAbi,
    functionName: 'settleDraws',
    args: [],
  } as never);
  const receipt = await devnet.client.waitForTransactionReceipt({ hash, pollingInterval });
  if (receipt.status !== 'success') throw new Error(`settleDraws reverted (${hash})`);
  return receipt;
}
