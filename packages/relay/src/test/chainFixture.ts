/**
 * Every chain write the relay's tests and bench make (register nodes, create tasks, report, validate, abort),
 * in one module, so a change of the contracts' interface touches one place.
 */
import { type Anvil, startAnvil } from '@verinet/cli/src/anvil/startAnvil.js';
import { buildContracts } from '@verinet/cli/src/deploy/artifacts.js';
import { deployContracts } from '@verinet/cli/src/deploy/deployContracts.js';
import { getDevnetPrivateKey } from '@verinet/cli/src/deploy/devnetAccounts.js';
import {
  type Actor,
  createDevnetActors,
  type DevnetActors,
} from '@verinet/cli/src/scenarios/devnetActors.js';
import { joinNodes, scenarioGpu } from '@verinet/cli/src/scenarios/taskScenarios.js';
import {
  encodeTaskArgs,
  getModelId,
  getTaskModelIds,
  packVersion,
  parseTaskArgsBytes,
} from '@verinet/protocol/args';
import { type Deployment, nodeRegistryAbi, taskManagerAbi } from '@verinet/protocol/chain';
import {
  createNonce,
  createSalt,
  getArgsCommitment,
  getTaskIdCommitment,
} from '@verinet/protocol/commitment';
import {
  type Abi,
  type Address,
  type Hex,
  keccak256,
  type Log,
  parseEther,
  parseEventLogs,
  stringToHex,
  zeroAddress,
} from 'viem';
import { type CreateChainReaderParameters, createChainReader } from '../chain/createChainReader.js';

export type ChainFixture = {
  anvil: Anvil;
  deployment: Deployment;
  actors: DevnetActors;
  /** An account that is neither node nor creator. */
  stranger: Actor;
  stop: () => Promise<void>;
};

export type FixtureTask = {
  taskKey: Hex;
  /** Zero address when queued. */
  node: Address;
  nodeActor: Actor | undefined;
  creator: Actor;
  taskType: 'sd' | 'llm';
  salt: Hex;
  argsCommitment: Hex;
  bytes: Uint8Array;
  guid: Hex;
  nonce: Hex;
  argsHash: Hex;
  /** The hash of the block that created the task: its sampling seed. */
  seedBlockHash: Hex;
};

/** A chain reader on the fixture's chain (RPC, chain id, TaskManager, start block); the case adds the rest. */
export function createFixtureChainReader(
  fixture: ChainFixture,
  options: Omit<CreateChainReaderParameters, 'rpcUrl' | 'chainId' | 'taskManager' | 'startBlock'> = {},
) {
  return createChainReader({
    rpcUrl: fixture.anvil.rpcUrl,
    chainId: fixture.deployment.chainId,
    taskManager: fixture.deployment.contracts.taskManager,
    startBlock: BigInt(fixture.deployment.startBlock),
    ...options,
  });
}

export const sdArgs = (overrides: Record<string, unknown> = {}) => ({
  version: '1.0.0',
  base_model: 'runwayml/stable-diffusion-v1-5',
  prompt: 'a lighthouse at dawn',
  task_config: { num_images: 1, steps: 2, seed: 42, image_width: 64, image_height: 64, ...overrides },
});

export const llmArgs = () => ({
  version: '1.0.0',
  model: 'verinet/tiny-gpt2',
  messages: [{ role: 'user', content: 'hello' }],
});

/** Starts anvil, deploys the contracts and registers `nodes` nodes on the scenario GPU. */
export async function startChainFixture({ nodes = 32 }: { nodes?: number } = {}): Promise<ChainFixture> {
  buildContracts();
  const anvil = await startAnvil({ accounts: nodes + 4 });
  try {
    const stake = parseEther('1');
    const deployment = await deployContracts({
      rpcUrl: anvil.rpcUrl,
      privateKey: getDevnetPrivateKey(0),
      minStake: stake,
    });
    const actors = createDevnetActors(anvil.rpcUrl, deployment, nodes);
    await joinNodes(actors, stake);
    const stranger = createDevnetActors(anvil.rpcUrl, deployment, nodes + 1).app;
    const fixture = { anvil, deployment, actors, stranger, stop: () => anvil.stop() };
    // The relay refuses tasks whose models no node declares: one node declares the tiny LLM too.
    await declareModels(fixture, 0, ['base:runwayml/stable-diffusion-v1-5', 'base:verinet/tiny-gpt2']);
    return fixture;
  } catch (error) {
    await anvil.stop();
    throw error;
  }
}

async function send(
  fixture: ChainFixture,
  from: Actor,
  request: { functionName: string; args: readonly unknown[]; value?: bigint },
) {
  const { actors } = fixture;
  const full = { address: actors.taskManager.address, abi: taskManagerAbi as Abi, ...request };
  const estimate = await actors.publicClient.estimateContractGas({
    ...full,
    account: from.account,
    blockTag: 'pending',
  } as Parameters<typeof actors.publicClient.estimateContractGas>[0]);
  const hash = await from.wallet.writeContract({
    ...full,
    gas: (estimate * 3n) / 2n + 100_000n,
  } as Parameters<typeof from.wallet.writeContract>[0]);
  const receipt = await actors.publicClient.waitForTransactionReceipt({ hash });
  if (receipt.status !== 'success') throw new Error(`${request.functionName} reverted (${hash})`);
  return receipt;
}

export type CreateFixtureTaskParameters = {
  taskType?: 'sd' | 'llm';
  args?: unknown;
  /** Ask more VRAM than any node has: the task stays Queued. */
  queued?: boolean;
  /** Salt and bytes decided by the caller (pre-creation uploads). */
  prepared?: { salt: Hex; bytes: Uint8Array };
  /** The relay's ArgsAvailable statement (required by the contract while a relay signer is set). */
  statement?: { expiry: number; signature: Hex };
  /** The task's GUID (validation-group members share one); random when left out. */
  guid?: Hex;
  /** Runs before each redraw of a task whose draw queued it (a test's way to act between the two). */
  beforeRedraw?: () => Promise<void>;
};

/** Prepares canonical arguments and a salt (what an app does before uploading and creating). */
export function prepareArgs(taskType: 'sd' | 'llm', args?: unknown) {
  const { bytes, argsHash } = encodeTaskArgs(taskType, args ?? (taskType === 'sd' ? sdArgs() : llmArgs()));
  const salt = createSalt();
  return { bytes, salt, argsHash, argsCommitment: getArgsCommitment(argsHash, salt).toLowerCase() as Hex };
}

export async function createFixtureTask(
  fixture: ChainFixture,
  parameters: CreateFixtureTaskParameters = {},
): Promise<FixtureTask> {
  const taskType = parameters.taskType ?? 'sd';
  const { bytes, salt } = parameters.prepared ?? prepareArgs(taskType, parameters.args);
  const { argsHash } = encodeTaskArgs(taskType, JSON.parse(new TextDecoder().decode(bytes)));
  const argsCommitment = getArgsCommitment(argsHash, salt).toLowerCase() as Hex;
  const nonce = createNonce();
  const guid = parameters.guid ?? createNonce();
  const taskKey = getTaskIdCommitment(guid, nonce).toLowerCase() as Hex;
  const modelIds =
    taskType === 'sd'
      ? [getModelId('base:runwayml/stable-diffusion-v1-5')]
      : getTaskModelIds('llm', parseTaskArgsBytes('llm', bytes)).map((id) => getModelId(id));
  const request = {
    taskType: taskType === 'sd' ? 0 : 1,
    requiredGpu:
      taskType === 'llm' ? keccak256(stringToHex(scenarioGpu.name)) : (`0x${'0'.repeat(64)}` as Hex),
    minVram: parameters.queued ? 4000 : 8,
    version: packVersion('1.0.0'),
    fee: parseEther('0.01'),
  };
  const receipt = await send(fixture, fixture.actors.app, {
    functionName: 'createTask',
    args: [
      {
        taskType: request.taskType,
        modelIds,
        minVram: request.minVram,
        requiredGpu: request.requiredGpu,
        version: request.version,
        taskSize: 1n,
        taskIdCommitment: taskKey,
        argsCommitment,
        relayExpiry: BigInt(parameters.statement?.expiry ?? 0),
        relaySignature: parameters.statement?.signature ?? '0x',
      },
    ],
    value: request.fee,
  });
  // createTask only records the task; a later transaction draws its node from the creation block's hash
  // (finding 1), here an explicit settlement in the next block.
  let settled = await send(fixture, fixture.actors.deployer, { functionName: 'settleDraws', args: [] });
  let node = startedNode(taskKey, [...receipt.logs, ...settled.logs]);
  let seedBlockHash = receipt.blockHash;
  // A draw whose tries all met busy nodes queues the task (M2). The suites leave many tasks running, so that
  // happens now and then; callers expect a started task unless they asked for a queued one. As a node daemon
  // would, a free node sends its own dispatch (DispatchNotByNode otherwise), which puts the first fitting queued
  // task back into the draws with a new seed block; the next settlement draws it again, from every free node.
  for (let redraws = 0; node === zeroAddress && !parameters.queued; redraws++) {
    if (redraws === maxRedraws)
      throw new Error(`fixture task ${taskKey} still queued after ${maxRedraws} redraws`);
    await parameters.beforeRedraw?.();
    const dispatcher = await findFreeNode(fixture, { ...request, modelIds });
    const dispatched = await send(fixture, dispatcher, {
      functionName: 'dispatchQueuedDeep',
      args: [dispatcher.account.address, 64n],
    });
    // The sampling seed of a redrawn task is its redraw block's hash (what the contract and the app's VRF use).
    const redrawn = parseEventLogs({ abi: taskManagerAbi, logs: dispatched.logs, eventName: 'TaskRedraw' });
    if (redrawn.some((e) => e.args.taskKey.toLowerCase() === taskKey)) seedBlockHash = dispatched.blockHash;
    settled = await send(fixture, fixture.actors.deployer, { functionName: 'settleDraws', args: [] });
    node = startedNode(taskKey, [...dispatched.logs, ...settled.logs]);
  }
  const nodeActor = fixture.actors.nodes.find((n) => n.account.address.toLowerCase() === node);
  return {
    taskKey,
    node,
    nodeActor,
    creator: fixture.actors.app,
    taskType,
    salt,
    argsCommitment,
    bytes,
    guid,
    nonce,
    argsHash,
    seedBlockHash,
  };
}

/** Redraws createFixtureTask asks for before it gives up on a task that keeps queueing. */
const maxRedraws = 12;

function startedNode(taskKey: Hex, logs: Log[]): Address {
  const started = parseEventLogs({ abi: taskManagerAbi, logs, eventName: 'TaskStarted' }).find(
    (e) => e.args.taskKey.toLowerCase() === taskKey,
  );
  return (started?.args.node ?? zeroAddress).toLowerCase() as Address;
}

/** A registered node that is free and would take `request` (the chain's own check). */
async function findFreeNode(
  fixture: ChainFixture,
  request: {
    taskType: number;
    requiredGpu: Hex;
    minVram: number;
    version: bigint;
    modelIds: Hex[];
    fee: bigint;
  },
): Promise<Actor> {
  for (const node of fixture.actors.nodes) {
    const fits = await fixture.actors.publicClient.readContract({
      address: fixture.deployment.contracts.nodeRegistry,
      abi: nodeRegistryAbi,
      functionName: 'fits',
      args: [node.account.address, request],
    });
    if (fits) return node;
  }
  throw new Error('no free node fits the fixture task: every node is busy');
}

/** `relaySignature`: the relay's ResultAvailable statement, needed only while a relay signer is set. */
export async function submitScore(
  fixture: ChainFixture,
  task: FixtureTask,
  score: Hex,
  relaySignature: Hex = '0x',
): Promise<void> {
  await mineBlock(fixture);
  await send(fixture, task.nodeActor!, {
    functionName: 'submitScore',
    args: [task.taskKey, score, relaySignature],
  });
}

export async function reportError(fixture: ChainFixture, task: FixtureTask): Promise<void> {
  await mineBlock(fixture);
  await send(fixture, task.nodeActor!, { functionName: 'reportTaskError', args: [task.taskKey, 1] });
}

/** EndSuccess after a score, EndAborted(ErrorAccepted) after an error report. */
export async function validateSingle(fixture: ChainFixture, task: FixtureTask): Promise<void> {
  await send(fixture, task.creator, { functionName: 'validateSingleTask', args: [task.taskKey] });
}

/** The creator cancels a queued task: EndAborted(Cancelled). */
export async function cancelQueued(fixture: ChainFixture, task: FixtureTask): Promise<void> {
  await send(fixture, task.creator, { functionName: 'abortTask', args: [task.taskKey] });
}

async function mineBlock(fixture: ChainFixture): Promise<void> {
  // A report in the task's own seed block is refused (SeedUnavailable).
  await fixture.actors.publicClient.request({ method: 'evm_mine' as never, params: [] as never });
}

/** A node leaves the draws (`pause`) or comes back to them (`resume`). */
export async function setNodePaused(fixture: ChainFixture, node: Actor, paused: boolean): Promise<void> {
  const hash = await node.wallet.writeContract({
    address: fixture.deployment.contracts.nodeRegistry,
    abi: nodeRegistryAbi,
    functionName: paused ? 'pause' : 'resume',
    chain: null,
    account: node.account,
  } as Parameters<typeof node.wallet.writeContract>[0]);
  const receipt = await fixture.actors.publicClient.waitForTransactionReceipt({ hash });
  if (receipt.status !== 'success') throw new Error(`${paused ? 'pause' : 'resume'} reverted (${hash})`);
}

/** The owner sets (or, with the zero address, clears) the TaskManager's relay signer. */
export async function setRelaySigner(fixture: ChainFixture, signer: Address): Promise<void> {
  await send(fixture, fixture.actors.deployer, { functionName: 'setRelaySigner', args: [signer] });
}

/** The owner sets the sampling rate to 1 / `denominator`. */
export async function setSamplingDenominator(fixture: ChainFixture, denominator: bigint): Promise<void> {
  await send(fixture, fixture.actors.deployer, {
    functionName: 'setSamplingDenominator',
    args: [denominator],
  });
}

/** Node `index` declares the tiny LLM next to the scenario's SD model (so LLM tasks pass the model check). */
export async function declareModels(fixture: ChainFixture, index: number, modelIds: string[]): Promise<void> {
  const node = fixture.actors.nodes[index]!;
  const hash = await node.wallet.writeContract({
    address: fixture.deployment.contracts.nodeRegistry,
    abi: nodeRegistryAbi,
    functionName: 'updateModels',
    args: [modelIds.map((id) => getModelId(id))],
    chain: null,
    account: node.account,
  } as Parameters<typeof node.wallet.writeContract>[0]);
  const receipt = await fixture.actors.publicClient.waitForTransactionReceipt({ hash });
  if (receipt.status !== 'success') throw new Error(`updateModels reverted (${hash})`);
}

/**
 * The app's validation group over `members` (same GUID and args hash, each reported): proves with the app's VRF
 * key over the original's seed; reverts unless the original was sampled.
 */
export async function validateGroup(
  fixture: ChainFixture,
  members: FixtureTask[],
  scores: Hex[],
): Promise<void> {
  const { getFastVerifyParams, getPublicKey, prove } = await import('@verinet/protocol/vrf');
  const original = members[0]!;
  const privateKey = fixture.actors.app.privateKey;
  const proof = prove(privateKey, original.seedBlockHash);
  const publicKey = getPublicKey(privateKey);
  const { uPoint, vComponents } = getFastVerifyParams(publicKey, proof, original.seedBlockHash);
  const seeds: Hex[] = [];
  for (const member of members) {
    const logs = await fixture.actors.publicClient.getContractEvents({
      address: fixture.deployment.contracts.taskManager,
      abi: taskManagerAbi,
      eventName: 'TaskScoreReady',
      args: { taskKey: member.taskKey },
      fromBlock: 0n,
    });
    seeds.push((logs[0] as unknown as { args: { seed: Hex } }).args.seed);
  }
  await send(fixture, fixture.actors.app, {
    functionName: 'validateTaskGroup',
    args: [
      {
        taskKeys: members.map((m) => m.taskKey),
        guid: original.guid,
        nonces: members.map((m) => m.nonce),
        argsHash: original.argsHash,
        salts: members.map((m) => m.salt),
        scores,
        seeds,
        modelIds: [getModelId('base:runwayml/stable-diffusion-v1-5')],
        minVram: 8,
        requiredGpu: `0x${'0'.repeat(64)}` as Hex,
        version: packVersion('1.0.0'),
        vrfProof: proof,
        publicKey,
        uPoint,
        vComponents,
      },
    ],
  });
}

/** Whether the app's VRF output over the task's seed samples it at 1 / `denominator`. */
export async function isSampled(
  fixture: ChainFixture,
  task: FixtureTask,
  denominator: bigint,
): Promise<boolean> {
  const { isSelected, proofToHash, prove } = await import('@verinet/protocol/vrf');
  return isSelected(proofToHash(prove(fixture.actors.app.privateKey, task.seedBlockHash)), denominator);
}

/** A random unused task key. */
export function unknownTaskKey(): Hex {
  return getTaskIdCommitment(createNonce(), createNonce()).toLowerCase() as Hex;
}
