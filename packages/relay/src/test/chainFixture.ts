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
import { type Deployment, taskManagerAbi } from '@verinet/protocol/chain';
import {
  createNonce,
  createSalt,
  getArgsCommitment,
  getTaskIdCommitment,
} from '@verinet/protocol/commitment';
import { type Abi, type Address, type Hex, keccak256, parseEther, parseEventLogs, stringToHex } from 'viem';

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
};

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
    return { anvil, deployment, actors, stranger, stop: () => anvil.stop() };
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
  const taskKey = getTaskIdCommitment(createNonce(), createNonce()).toLowerCase() as Hex;
  const modelIds =
    taskType === 'sd'
      ? [getModelId('base:runwayml/stable-diffusion-v1-5')]
      : getTaskModelIds('llm', parseTaskArgsBytes('llm', bytes)).map((id) => getModelId(id));
  const receipt = await send(fixture, fixture.actors.app, {
    functionName: 'createTask',
    args: [
      {
        taskType: taskType === 'sd' ? 0 : 1,
        modelIds,
        minVram: parameters.queued ? 4000 : 8,
        requiredGpu:
          taskType === 'llm' ? keccak256(stringToHex(scenarioGpu.name)) : (`0x${'0'.repeat(64)}` as Hex),
        version: packVersion('1.0.0'),
        taskSize: 1n,
        taskIdCommitment: taskKey,
        argsCommitment,
        relayExpiry: BigInt(parameters.statement?.expiry ?? 0),
        relaySignature: parameters.statement?.signature ?? '0x',
      },
    ],
    value: parseEther('0.01'),
  });
  const started = parseEventLogs({ abi: taskManagerAbi, logs: receipt.logs, eventName: 'TaskStarted' });
  const node = (
    started[0]?.args.node ?? '0x0000000000000000000000000000000000000000'
  ).toLowerCase() as Address;
  const nodeActor = fixture.actors.nodes.find((n) => n.account.address.toLowerCase() === node);
  return { taskKey, node, nodeActor, creator: fixture.actors.app, taskType, salt, argsCommitment, bytes };
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

/** The owner sets (or, with the zero address, clears) the TaskManager's relay signer. */
export async function setRelaySigner(fixture: ChainFixture, signer: Address): Promise<void> {
  await send(fixture, fixture.actors.deployer, { functionName: 'setRelaySigner', args: [signer] });
}

/** A random unused task key. */
export function unknownTaskKey(): Hex {
  return getTaskIdCommitment(createNonce(), createNonce()).toLowerCase() as Hex;
}
