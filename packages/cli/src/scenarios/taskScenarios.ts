import { encodeTaskArgs, getModelId, packVersion } from '@verinet/protocol/args';
import { taskManagerAbi } from '@verinet/protocol/chain';
import {
  createNonce,
  createSalt,
  createTaskSecrets,
  getArgsCommitment,
  getTaskIdCommitment,
} from '@verinet/protocol/commitment';
import { getFastVerifyParams, getPublicKey, isSelected, proofToHash, prove } from '@verinet/protocol/vrf';
import {
  type Abi,
  type Address,
  type Hex,
  keccak256,
  parseEventLogs,
  stringToHex,
  type TransactionReceipt,
  zeroAddress,
} from 'viem';
import type { Actor, DevnetActors } from './devnetActors.js';

/** One transaction of a scenario, for counting transactions and gas. */
export type TxRecord = { label: string; gasUsed: bigint; receipt: TransactionReceipt };

export class ScenarioError extends Error {
  override name = 'ScenarioError';
}

async function send(
  actors: DevnetActors,
  from: Actor,
  label: string,
  request: { address: Address; abi: Abi; functionName: string; args: readonly unknown[]; value?: bigint },
): Promise<TxRecord> {
  // One estimate does both jobs: a revert surfaces with its decoded custom error, and the gas comes back.
  // Against the pending block: a report in the task's own seed block is refused (SeedUnavailable), and
  // `latest` is that block. Node selection draws at random, so its gas differs between the estimate's block
  // and the real one: leave headroom for the bounded worst case, as an SDK must (docs/deployment.md).
  // Unused gas is not charged.
  const estimate = await actors.publicClient.estimateContractGas({
    ...request,
    account: from.account,
    blockTag: 'pending',
  } as Parameters<typeof actors.publicClient.estimateContractGas>[0]);
  const hash = await from.wallet.writeContract({
    ...request,
    gas: (estimate * 3n) / 2n + 100_000n,
  } as Parameters<typeof from.wallet.writeContract>[0]);
  const receipt = await actors.publicClient.waitForTransactionReceipt({ hash });
  if (receipt.status !== 'success') {
    const sent = await actors.publicClient.getTransaction({ hash });
    throw new ScenarioError(`${label} reverted (${hash}; gas used ${receipt.gasUsed} of ${sent.gas})`);
  }
  return { label, gasUsed: receipt.gasUsed, receipt };
}

export const scenarioGpu = { name: 'NVIDIA GeForce RTX 4090', vram: 24 } as const;
export const scenarioVersion = '1.0.0';
export const scenarioArgs = {
  version: '1.0.0',
  base_model: 'runwayml/stable-diffusion-v1-5',
  prompt: 'a lighthouse at dawn, oil painting',
  task_config: { num_images: 1, steps: 20, seed: 42 },
};

/** Registers every node actor with `stake`, all on the scenario GPU. */
export async function joinNodes(actors: DevnetActors, stake: bigint): Promise<TxRecord[]> {
  const modelIds = [getModelId(`base:${scenarioArgs.base_model}`)];
  const records: TxRecord[] = [];
  for (const node of actors.nodes) {
    records.push(
      await send(actors, node, 'join', {
        address: actors.nodeRegistry.address,
        abi: actors.nodeRegistry.abi,
        functionName: 'join',
        args: [
          scenarioGpu.name,
          scenarioGpu.vram,
          packVersion(scenarioVersion),
          getPublicKey(node.privateKey),
          '0x0000000000000000000000000000000000000000',
          modelIds,
        ],
        value: stake,
      }),
    );
  }
  return records;
}

/**
 * Makes the scenario's relay key the TaskManager's relay signer (owner call): from then on every createTask
 * carries the relay's ArgsAvailable statement, as on a real network.
 */
export async function useRelaySigner(actors: DevnetActors): Promise<TxRecord> {
  return send(actors, actors.deployer, 'setRelaySigner', {
    address: actors.taskManager.address,
    abi: taskManagerAbi,
    functionName: 'setRelaySigner',
    args: [actors.relay.account.address],
  });
}

/** How long a relay statement stays valid (the app sends createTask right after the upload). */
const relayStatementSeconds = 600n;

/**
 * The relay's EIP-712 statement that `creator` uploaded the arguments of `argsCommitment`
 * (/work/coord/relay-statements.md); empty when the TaskManager has no relay signer.
 */
async function signArgsAvailable(
  actors: DevnetActors,
  creator: Address,
  argsCommitment: Hex,
): Promise<{ relayExpiry: bigint; relaySignature: Hex }> {
  const signer = (await actors.taskManager.read.relaySigner()) as Address;
  if (signer === zeroAddress) return { relayExpiry: 0n, relaySignature: '0x' };
  if (signer.toLowerCase() !== actors.relay.account.address.toLowerCase()) {
    throw new ScenarioError(`the relay signer on chain is ${signer}, not the scenario's relay key`);
  }
  const block = await actors.publicClient.getBlock({ blockTag: 'latest' });
  const relayExpiry = block.timestamp + relayStatementSeconds;
  const relaySignature = await actors.relay.wallet.signTypedData({
    domain: {
      name: 'Verinet Relay',
      version: '1',
      chainId: await actors.publicClient.getChainId(),
      verifyingContract: actors.taskManager.address,
    },
    types: {
      ArgsAvailable: [
        { name: 'creator', type: 'address' },
        { name: 'argsCommitment', type: 'bytes32' },
        { name: 'expiry', type: 'uint64' },
      ],
    },
    primaryType: 'ArgsAvailable',
    message: { creator, argsCommitment, expiry: relayExpiry },
  });
  return { relayExpiry, relaySignature };
}

type PendingTask = { taskKey: Hex; nonce: Hex; salt: Hex; record: TxRecord };
type CreatedTask = PendingTask & { node: Address };
type StartedTask = CreatedTask;

const requirements = () => ({
  taskType: 0,
  modelIds: [getModelId(`base:${scenarioArgs.base_model}`)],
  minVram: 8,
  requiredGpu: `0x${'0'.repeat(64)}` as Hex,
  version: packVersion(scenarioArgs.version),
});

async function createTask(
  actors: DevnetActors,
  guid: Hex,
  argsHash: Hex,
  fee: bigint,
  label: string,
): Promise<PendingTask> {
  const nonce = createNonce();
  const salt = createSalt();
  const taskKey = getTaskIdCommitment(guid, nonce);
  const argsCommitment = getArgsCommitment(argsHash, salt);
  const statement = await signArgsAvailable(actors, actors.app.account.address, argsCommitment);
  const record = await send(actors, actors.app, label, {
    address: actors.taskManager.address,
    abi: taskManagerAbi,
    functionName: 'createTask',
    args: [
      {
        ...requirements(),
        taskSize: 1n,
        taskIdCommitment: taskKey,
        argsCommitment,
        ...statement,
      },
    ],
    value: fee,
  });
  return { taskKey, nonce, salt, record };
}

/**
 * Draws the nodes of the tasks created in earlier blocks (finding 1: createTask only records the task; a later
 * transaction draws its node from the creation block's hash). On a busy network the next block's first
 * createTask, validation or registry change does it; the scenarios send it as its own transaction.
 */
async function settleDraws(actors: DevnetActors, label: string): Promise<TxRecord> {
  return send(actors, actors.deployer, label, {
    address: actors.taskManager.address,
    abi: taskManagerAbi,
    functionName: 'settleDraws',
    args: [],
  });
}

/**
 * The node drawn for `task`, from the TaskStarted events of `records` (the explicit settlement, or any later
 * transaction that settled first: a second createTask draws the tasks of earlier blocks). A queued task is an
 * error in the scenarios.
 */
function drawnNode(records: TxRecord[], task: PendingTask, label: string): StartedTask {
  const started = records.flatMap((r) =>
    parseEventLogs({ abi: taskManagerAbi, logs: r.receipt.logs, eventName: 'TaskStarted' }),
  );
  const node = started.find((e) => e.args.taskKey === task.taskKey)?.args.node;
  if (!node) throw new ScenarioError(`${label}: the task was queued, no node was free`);
  return { ...task, node };
}

function actorOf(actors: DevnetActors, address: Address): Actor {
  const actor = actors.nodes.find((n) => n.account.address.toLowerCase() === address.toLowerCase());
  if (!actor) throw new ScenarioError(`no node actor for ${address}`);
  return actor;
}

/**
 * The relay's EIP-712 statement that it holds the result files of `taskKey` and recomputed a score hashing
 * to `keccak256(score)` (/work/coord/relay-statements.md); empty when the TaskManager has no relay signer.
 */
async function signResultAvailable(actors: DevnetActors, taskKey: Hex, score: Hex): Promise<Hex> {
  const signer = (await actors.taskManager.read.relaySigner()) as Address;
  if (signer === zeroAddress) return '0x';
  return actors.relay.wallet.signTypedData({
    domain: {
      name: 'Verinet Relay',
      version: '1',
      chainId: await actors.publicClient.getChainId(),
      verifyingContract: actors.taskManager.address,
    },
    types: {
      ResultAvailable: [
        { name: 'taskKey', type: 'bytes32' },
        { name: 'resultHash', type: 'bytes32' },
      ],
    },
    primaryType: 'ResultAvailable',
    message: { taskKey, resultHash: keccak256(score) },
  });
}

async function submitScore(actors: DevnetActors, task: CreatedTask, score: Hex): Promise<TxRecord> {
  const relaySignature = await signResultAvailable(actors, task.taskKey, score);
  return send(actors, actorOf(actors, task.node), 'submitScore', {
    address: actors.taskManager.address,
    abi: taskManagerAbi,
    functionName: 'submitScore',
    args: [task.taskKey, score, relaySignature],
  });
}

export type UnsampledTaskResult = { taskKey: Hex; node: Address; txs: TxRecord[] };

/** The unsampled happy path: createTask, settleDraws (the draw, finding 1), submitScore, validateSingleTask. */
export async function runUnsampledTask(
  actors: DevnetActors,
  fee: bigint,
  score: Hex,
): Promise<UnsampledTaskResult> {
  const { argsHash } = encodeTaskArgs('sd', scenarioArgs);
  const { guid } = createTaskSecrets();
  const pending = await createTask(actors, guid, argsHash, fee, 'createTask');
  const settled = await settleDraws(actors, 'settleDraws');
  const task = drawnNode([settled], pending, 'createTask');
  const scored = await submitScore(actors, task, score);
  const validated = await send(actors, actors.app, 'validateSingleTask', {
    address: actors.taskManager.address,
    abi: taskManagerAbi,
    functionName: 'validateSingleTask',
    args: [task.taskKey],
  });
  return { taskKey: task.taskKey, node: task.node, txs: [task.record, settled, scored, validated] };
}

export type ValidationGroupResult = {
  /** Original first, then the two extra members. */
  tasks: { taskKey: Hex; node: Address }[];
  /** Transactions of the sampled round only. */
  txs: TxRecord[];
  /** Unsampled rounds played before the app's VRF selected a task. */
  unsampledRounds: number;
};

/**
 * Creates tasks until the app's VRF output over a task's sampling seed selects it (each unsampled one is
 * validated as a single task), then creates the two extra members with the same GUID, lets the nodes submit
 * `scoreFor(memberIndex)`, and validates the group with the VRF proof.
 */
export async function runValidationGroup(
  actors: DevnetActors,
  fee: bigint,
  scoreFor: (memberIndex: number) => Hex,
  maxRounds = 40,
): Promise<ValidationGroupResult> {
  const { argsHash } = encodeTaskArgs('sd', scenarioArgs);
  const denominator = (await actors.taskManager.read.samplingDenominator()) as bigint;
  const publicKey = getPublicKey(actors.app.privateKey);
  for (let round = 0; round < maxRounds; round++) {
    const { guid } = createTaskSecrets();
    const pendingOriginal = await createTask(actors, guid, argsHash, fee, 'createTask(original)');
    const settledOriginal = await settleDraws(actors, 'settleDraws(original)');
    const original = drawnNode([settledOriginal], pendingOriginal, 'createTask(original)');
    // The sampling seed is the hash of the block that included createTask: unknown when the app signed it.
    const seed = original.record.receipt.blockHash;
    const proof = prove(actors.app.privateKey, seed);
    if (!isSelected(proofToHash(proof), denominator)) {
      await submitScore(actors, original, scoreFor(0));
      await send(actors, actors.app, 'validateSingleTask', {
        address: actors.taskManager.address,
        abi: taskManagerAbi,
        functionName: 'validateSingleTask',
        args: [original.taskKey],
      });
      continue;
    }
    const pendingMembers = [
      await createTask(actors, guid, argsHash, fee, 'createTask(member)'),
      await createTask(actors, guid, argsHash, fee, 'createTask(member)'),
    ];
    const settledMembers = await settleDraws(actors, 'settleDraws(members)');
    const members = [
      original,
      ...pendingMembers.map((m) =>
        drawnNode([settledMembers, ...pendingMembers.map((p) => p.record)], m, 'createTask(member)'),
      ),
    ];
    const scores = members.map((_, i) => scoreFor(i));
    const scoreTxs: TxRecord[] = [];
    for (const [i, member] of members.entries()) scoreTxs.push(await submitScore(actors, member, scores[i]!));
    // Each member's seed as the contract folded it into its commitment at the report (event data).
    const seeds = scoreTxs.map((tx) => {
      const [event] = parseEventLogs({
        abi: taskManagerAbi,
        logs: tx.receipt.logs,
        eventName: 'TaskScoreReady',
      });
      if (!event) throw new ScenarioError('submitScore emitted no TaskScoreReady');
      return event.args.seed;
    });
    const { uPoint, vComponents } = getFastVerifyParams(publicKey, proof, seed);
    const req = requirements();
    const validate = await send(actors, actors.app, 'validateTaskGroup', {
      address: actors.taskManager.address,
      abi: taskManagerAbi,
      functionName: 'validateTaskGroup',
      args: [
        {
          taskKeys: members.map((m) => m.taskKey),
          guid,
          nonces: members.map((m) => m.nonce),
          argsHash,
          salts: members.map((m) => m.salt),
          scores,
          seeds,
          modelIds: req.modelIds,
          minVram: req.minVram,
          requiredGpu: req.requiredGpu,
          version: req.version,
          vrfProof: proof,
          publicKey,
          uPoint,
          vComponents,
        },
      ],
    });
    return {
      tasks: members.map((m) => ({ taskKey: m.taskKey, node: m.node })),
      txs: [
        original.record,
        settledOriginal,
        ...pendingMembers.map((m) => m.record),
        settledMembers,
        ...scoreTxs,
        validate,
      ],
      unsampledRounds: round,
    };
  }
  throw new ScenarioError(`the app was not sampled in ${maxRounds} rounds (denominator ${denominator})`);
}

/** A deterministic 8-byte image score (one 64-bit pHash block) for scenario `label`. */
export function imageScore(label: string): Hex {
  return keccak256(stringToHex(label)).slice(0, 18) as Hex;
}

export type TaskStreamResult = {
  /** Per task, in creation order: its createTask, submitScore and validateSingleTask (no settleDraws). */
  tasks: { taskKey: Hex; node: Address; txs: TxRecord[] }[];
};

/**
 * A steady stream of unsampled tasks without a single settleDraws transaction: each task's draw is settled
 * by a transaction the network sends anyway (finding 1: createTask settles up to two earlier draws, every
 * other call all of them). Order: createTask(i + 1), then submitScore(i) and validateSingleTask(i), so task
 * i's draw is settled by createTask(i + 1) or an earlier report, and the next task's by submitScore(i).
 * Each transaction's gas is counted for the task it belongs to, with whatever draw work it carried.
 */
export async function runTaskStream(
  actors: DevnetActors,
  fee: bigint,
  score: Hex,
  count: number,
): Promise<TaskStreamResult> {
  const { argsHash } = encodeTaskArgs('sd', scenarioArgs);
  const seen: TxRecord[] = [];
  const tasks: TaskStreamResult['tasks'] = [];
  let previous: PendingTask | undefined;
  for (let i = 0; i <= count; i++) {
    const next =
      i < count ? await createTask(actors, createTaskSecrets().guid, argsHash, fee, 'createTask') : undefined;
    if (next) seen.push(next.record);
    if (previous) {
      const task = drawnNode(seen, previous, 'createTask');
      const scored = await submitScore(actors, task, score);
      seen.push(scored);
      const validated = await send(actors, actors.app, 'validateSingleTask', {
        address: actors.taskManager.address,
        abi: taskManagerAbi,
        functionName: 'validateSingleTask',
        args: [task.taskKey],
      });
      tasks.push({ taskKey: task.taskKey, node: task.node, txs: [task.record, scored, validated] });
    }
    previous = next;
  }
  return { tasks };
}
