import { getModelId, packVersion } from '@verinet/protocol/args';
import { getPublicKey } from '@verinet/protocol/vrf';
import { formatEth } from '@verinet/web/format';
import { type Address, getAddress, parseEther, zeroAddress } from 'viem';
import {
  type ChainNodeInfo,
  joinRequest,
  type NodeHistory,
  pauseRequest,
  quitRequest,
  readNodeHistory,
  readNodeInfo,
  readOwed,
  readPriceFloor,
  resumeRequest,
  setPriceFloorRequest,
  withdrawEarningsRequest,
  withdrawStakeRequest,
} from '../chain/taskManager.js';
import { MembershipError } from '../errors/index.js';
import { listOpenTasks, listPendingTxs } from '../store/index.js';
import type { NodeRuntime } from './createNodeRuntime.js';
import { detectGpu } from './detectGpu.js';

export type JoinNodeOptions = {
  /** Stake in ether (default: the registry's minStake). */
  stake?: string | undefined;
  /** Hub ids of the models the node holds (e.g. `verinet/tiny-gpt2`), as registered on chain. */
  models: string[];
  /** Task argument version the node runs (from the worker handshake). */
  version: string;
};

const unique = (purpose: string) => `${purpose}:${Date.now()}`;

/**
 * Stakes and registers the node: GPU from nvidia-smi when present, else the config's gpuName / vramGib.
 *
 * @example
 * await joinNode(runtime, { models: ['verinet/tiny-gpt2'], version: '1.0.0' });
 */
export async function joinNode(runtime: NodeRuntime, options: JoinNodeOptions): Promise<string> {
  const { config, client, contracts, account } = runtime;
  const info = await readNodeInfo(client, contracts, account.address);
  if (info.status !== 'Quit') {
    throw new MembershipError(`This node is already registered (status ${info.status}).`);
  }
  const detected = await detectGpu();
  const gpuName = config.gpuName ?? detected?.name;
  const vram = config.vramGib ?? detected?.vramGib;
  if (!gpuName || !vram) {
    throw new MembershipError('No GPU detected (nvidia-smi is absent or failed) and none configured.', {
      details: [
        'Set gpuName and vramGib in the node config (or VERINET_NODE_GPU_NAME / VERINET_NODE_VRAM_GIB).',
      ],
    });
  }
  let stake: bigint;
  try {
    stake = options.stake ? parseEther(options.stake) : info.minStake;
  } catch {
    throw new MembershipError(
      `Invalid stake "${options.stake}": expected an amount in ether, e.g. 10 or 0.5.`,
    );
  }
  if (stake < info.minStake) {
    throw new MembershipError(
      `The stake ${formatEth(stake)} is below the minimum of ${formatEth(info.minStake)}.`,
    );
  }
  if (options.models.length > 8)
    throw new MembershipError(`At most 8 models can be registered (got ${options.models.length}).`);
  const balance = await client.getBalance({ address: account.address });
  if (balance < stake) {
    throw new MembershipError(
      `The node's address ${account.address} holds ${formatEth(balance)}, less than the stake ${formatEth(stake)}.`,
    );
  }
  const beneficiary = config.beneficiary ? getAddress(config.beneficiary) : zeroAddress;
  await runtime.sender.sendAndWait({
    purpose: unique('join'),
    request: joinRequest(contracts, {
      gpuName,
      vram,
      version: packVersion(options.version),
      publicKey: getPublicKey(runtime.privateKey),
      beneficiary,
      modelIds: options.models.map((m) => getModelId(`base:${m}`)),
      stake,
    }),
  });
  return `Joined with ${formatEth(stake)} staked: ${gpuName} (${vram} GiB${detected ? ', detected' : ', configured'}), version ${options.version}, models ${options.models.join(', ') || 'none'}${beneficiary !== zeroAddress ? `, earnings to ${beneficiary}` : ''}.`;
}

async function simpleCall(
  runtime: NodeRuntime,
  name: string,
  allowed: ChainNodeInfo['status'][],
  request: ReturnType<typeof pauseRequest>,
  done: (after: ChainNodeInfo) => string,
): Promise<string> {
  const info = await readNodeInfo(runtime.client, runtime.contracts, runtime.account.address);
  if (!allowed.includes(info.status)) {
    throw new MembershipError(
      `Cannot ${name} a node whose status is ${info.status} (possible from: ${allowed.join(', ')}).`,
    );
  }
  await runtime.sender.sendAndWait({ purpose: unique(name), request });
  return done(await readNodeInfo(runtime.client, runtime.contracts, runtime.account.address));
}

export const pauseNode = (runtime: NodeRuntime) =>
  simpleCall(runtime, 'pause', ['Available', 'Busy'], pauseRequest(runtime.contracts), (after) =>
    after.status === 'PendingPause'
      ? 'Pausing: the node finishes its current task first.'
      : 'Paused: no new tasks.',
  );

export const resumeNode = (runtime: NodeRuntime) =>
  simpleCall(
    runtime,
    'resume',
    ['Paused', 'PendingPause'],
    resumeRequest(runtime.contracts),
    () => 'Resumed: the node takes tasks again.',
  );

export const quitNode = (runtime: NodeRuntime) =>
  simpleCall(
    runtime,
    'quit',
    ['Available', 'Paused', 'Busy', 'PendingPause'],
    quitRequest(runtime.contracts),
    (after) =>
      after.status === 'PendingQuit'
        ? 'Quitting: the node leaves when its current task ends; then `verinet node withdraw` returns the stake.'
        : `Quit: ${formatEth(after.pendingWithdrawal)} of stake can be withdrawn with \`verinet node withdraw\`.`,
  );

/** Pulls everything owed: returned stake (registry) and earnings (TaskManager, paid to the caller). */
export async function withdrawAll(runtime: NodeRuntime): Promise<string> {
  const { client, contracts, account } = runtime;
  const lines: string[] = [];
  const info = await readNodeInfo(client, contracts, account.address);
  if (info.pendingWithdrawal > 0n) {
    await runtime.sender.sendAndWait({
      purpose: unique('withdrawStake'),
      request: withdrawStakeRequest(contracts),
    });
    lines.push(`Withdrew ${formatEth(info.pendingWithdrawal)} of returned stake.`);
  }
  const owed = await readOwed(client, contracts, account.address);
  if (owed > 0n) {
    await runtime.sender.sendAndWait({
      purpose: unique('withdrawEarnings'),
      request: withdrawEarningsRequest(contracts),
    });
    lines.push(`Withdrew ${formatEth(owed)} of earnings.`);
  }
  if (lines.length === 0) {
    const beneficiary = info.beneficiary;
    lines.push(
      `Nothing to withdraw for ${account.address}.` +
        (beneficiary !== zeroAddress && beneficiary.toLowerCase() !== account.address.toLowerCase()
          ? ` Earnings go to the beneficiary ${beneficiary}, which withdraws them itself.`
          : ''),
    );
  }
  return lines.join('\n');
}

export type NodeStatusReport = {
  address: Address;
  info: ChainNodeInfo;
  /** Earnings owed to the beneficiary (the chain is the one source of truth). */
  earningsOwed: bigint;
  beneficiary: Address;
  history: NodeHistory;
  openTasks: number;
  text: string;
};

/** What the chain says about the node, in plain words, with slashing and kick-outs and why. */
export async function getNodeStatus(runtime: NodeRuntime): Promise<NodeStatusReport> {
  const { client, contracts, account } = runtime;
  const [info, history] = await Promise.all([
    readNodeInfo(client, contracts, account.address),
    readNodeHistory(client, contracts, account.address, runtime.deployment.startBlock),
  ]);
  const beneficiary = info.beneficiary === zeroAddress ? account.address : info.beneficiary;
  const earningsOwed = await readOwed(client, contracts, beneficiary);
  const openTasks = listOpenTasks(runtime.store).length;
  const lines = [
    `Node ${account.address}: ${info.status === 'Quit' ? 'not registered' : info.status}`,
    `  stake           ${formatEth(info.stake)} (minimum ${formatEth(info.minStake)})`,
    `  earnings owed   ${formatEth(earningsOwed)} to ${beneficiary}`,
    `  stake returned  ${formatEth(info.pendingWithdrawal)} (withdraw with \`verinet node withdraw\`)`,
    `  QoS score       ${info.qosScore} / 10000, ${info.consecutiveTimeouts} timeout(s) in a row`,
    `  current task    ${/^0x0+$/.test(info.currentTask) ? 'none' : info.currentTask}; ${openTasks} task(s) open locally`,
    `  open reports    ${info.unsettledReports} reported task(s) not settled yet (the stake stays held until each is)`,
  ];
  if (info.status === 'PendingQuit') {
    lines.push(
      `  QUITTING: the stake is returned once ${/^0x0+$/.test(info.currentTask) ? 'the' : 'the current task ends and the'} ${info.unsettledReports} open report(s) are settled (validated, or finalized after the validation window); then \`verinet node withdraw\`.`,
    );
  } else if (info.status === 'PendingPause') {
    lines.push('  PAUSING: no new task once the current one is reported.');
  }
  const lastSlash = history.slashed.at(-1);
  if (lastSlash) {
    const why = history.invalidated.at(-1);
    lines.push(
      `  SLASHED at block ${lastSlash.blockNumber}: ${formatEth(lastSlash.amount)} went to the incentive pool` +
        (why
          ? ` because task ${why.taskKey} was invalidated (its result disagreed with two other nodes).`
          : '.'),
    );
  }
  const lastKick = history.kickedOut.at(-1);
  if (lastKick) {
    lines.push(
      `  KICKED OUT at block ${lastKick.blockNumber} after ${lastKick.consecutiveTimeouts} timeouts in a row (stake not slashed; withdraw it, fix the cause, join again).`,
    );
  }
  return {
    address: account.address,
    info,
    earningsOwed,
    beneficiary,
    history,
    openTasks,
    text: lines.join('\n'),
  };
}

/**
 * Sets the node's price floor on chain (F6: a node is never drawn for a task whose fee is below it) when it
 * differs from the configured one; a floor transaction still live from before a restart is waited for, not
 * doubled. Returns a plain line, or undefined when nothing had to change.
 */
export async function applyPriceFloor(runtime: NodeRuntime, floorWei: bigint): Promise<string | undefined> {
  const { client, contracts, account, sender, store } = runtime;
  const live = listPendingTxs(store, account.address).find((tx) => tx.purpose.startsWith('setPriceFloor:'));
  if (live) await sender.wait(live);
  const info = await readNodeInfo(client, contracts, account.address);
  if (info.status === 'Quit') return undefined;
  // The registry keeps whole gwei (rounded up): compare with what it would store, or every start sends again.
  const gwei = 1_000_000_000n;
  const stored = ((floorWei + gwei - 1n) / gwei) * gwei;
  const onChain = await readPriceFloor(client, contracts, account.address);
  if (onChain === floorWei || onChain === stored) return undefined;
  await sender.sendAndWait({
    purpose: unique('setPriceFloor'),
    request: setPriceFloorRequest(contracts, floorWei),
  });
  return `Price floor set to ${formatEth(floorWei)} per task.`;
}
