import { parseTaskManagerLogs } from '@verinet/protocol/chain/parseTaskManagerLogs';
import { getFastVerifyParams, prove } from '@verinet/protocol/vrf';
import { type Hex, type TransactionReceipt, zeroAddress, zeroHash } from 'viem';
import { isEnded, isReported } from '../chain/reads.js';
import type { SdkContext } from '../client/context.js';
import { ContractRevertedError, VerinetError } from '../errors/index.js';
import type { MemberRecord, TaskRecord } from '../types.js';
import { loadRecord, saveRecord } from '../utils/loadRecord.js';
import { withRetry } from '../utils/withRetry.js';
import { abortTask } from './abortTask.js';
import { ensureVrfKey } from './ensureVrfKey.js';
import { createMemberRecord } from './prepareTask.js';
import { refreshMember } from './refreshMember.js';

const paidStates = new Set(['EndSuccess', 'EndGroupSuccess']);

/**
 * Ends the current attempt on chain once its members reported or timed out. Timed-out members are aborted first.
 * A sampled original that reported, with at least one other report, is judged in its validation group
 * (`validateTaskGroup`, opening the GUID, nonces, salts, scores, seeds and the VRF proof); otherwise every
 * reported member is validated alone (`validateSingleTask`: a score pays its node, an error report refunds).
 * Sets `resultKey` to the member whose result was paid for (or confirmed by the group). Idempotent: states are
 * re-read from the chain before anything is sent.
 *
 * @example
 * const record = await client.validateTask(id); // record.resultKey: the task to download
 */
export async function validateTask(
  context: SdkContext,
  id: string,
  options: {
    signal?: AbortSignal | undefined;
    /**
     * The members' states were read from the chain just before (runTask, after waitForReport): not read again
     * before sending. A state changed since (someone validated or aborted) makes the send's estimate revert,
     * handled below as for a crash after sending.
     */
    statesRead?: boolean | undefined;
  } = {},
): Promise<TaskRecord> {
  let record = await loadRecord(context, id);
  for (const member of record.members) {
    if (!isEnded(member.state) && !options.statesRead)
      await refreshMember(context, record, member, options.signal);
  }
  await saveRecord(context, record);
  if (record.members.some((m) => !isEnded(m.state) && !isReported(m.state))) {
    record = await abortTask(context, id, options);
  }
  const original = record.members[0];
  if (!original) throw new VerinetError(`Task ${id} has no members.`);
  const reported = record.members.filter((m) => isReported(m.state));
  const group = record.sampled === true && record.members.length === 3;
  record.phase = 'validating';
  await saveRecord(context, record);
  let opened = false;
  // Members whose end the receipt of this call's own validation showed: not read again below.
  const ended = new Set<MemberRecord>();
  if (group && (isReported(original.state) || record.validation === 'group') && countReports(record) >= 2) {
    // Not reported any more but opened before: judged already (a crash after sending).
    opened = !isReported(original.state);
    if (!opened) {
      const duplicates = findDuplicateNodes(record);
      if (duplicates.length > 0 && canReplace(context, record, duplicates.length))
        return replaceMembers(context, record, duplicates);
      if (duplicates.length === 0) {
        const sent = await sendGroupValidation(context, record, options.signal);
        if ('opened' in sent) {
          opened = true;
          for (const member of applyEndReceipt(record.members, sent.receipt)) ended.add(member);
        } else if (canReplace(context, record, 1)) return replaceMembers(context, record, [sent.duplicate]);
      }
      // Past maxGroupReplacements: the members are validated alone below (unchecked, nobody judged).
    }
  }
  if (opened) {
    record.validation = 'group';
  } else {
    for (const member of reported) {
      const receipt = await sendSingleValidation(context, record, member, options.signal);
      for (const done of applyEndReceipt([member], receipt)) ended.add(done);
    }
    if (reported.length > 0 || record.validation === 'single') record.validation = 'single';
  }
  // Dropped members ran on a node already in the group: they are paid (or refunded, for an error) alone.
  for (const member of record.replaced ?? []) {
    if (isEnded(member.state)) continue;
    await refreshMember(context, record, member, options.signal);
    if (isReported(member.state)) await sendSingleValidation(context, record, member, options.signal);
    await refreshMember(context, record, member, options.signal);
  }
  for (const member of record.members)
    if (!ended.has(member)) await refreshMember(context, record, member, options.signal);
  settleOutcome(context, record);
  if (record.validation) {
    context.emit({
      type: 'validated',
      id,
      taskKeys: record.members.map((m) => m.taskKey),
      mode: record.validation,
    });
  }
  record.phase = record.resultKey ? 'downloading' : record.phase;
  await saveRecord(context, record);
  return record;
}

/**
 * Group members that reported on a node an earlier reported member of the group ran on. F6 frees a node at its
 * report, so on a small network one node is often drawn for two members of a group; its two reports would
 * always agree, so the contract refuses such a group (`DuplicateGroupNode`) and the app replaces the member.
 */
function findDuplicateNodes(record: TaskRecord): number[] {
  const seen = new Set<string>();
  const duplicates: number[] = [];
  record.members.forEach((member, index) => {
    if (!isReported(member.state) || !member.node) return;
    const node = member.node.toLowerCase();
    if (seen.has(node)) duplicates.push(index);
    else seen.add(node);
  });
  return duplicates;
}

function canReplace(context: SdkContext, record: TaskRecord, count: number): boolean {
  return (record.replaced?.length ?? 0) + count <= context.maxGroupReplacements;
}

/**
 * Drops the members at `indexes` from the group and puts a fresh member (same GUID, new nonce and salt, the
 * original's fee) in each place. Saved before anything is sent; the run then creates the new members, waits for
 * their reports and validates again. The dropped members stay reported until then and are validated alone.
 */
async function replaceMembers(
  context: SdkContext,
  record: TaskRecord,
  indexes: number[],
): Promise<TaskRecord> {
  const fee = record.members[0]?.fee ?? '0';
  const replaced: { dropped: MemberRecord; fresh: MemberRecord }[] = [];
  for (const index of indexes) {
    const dropped = record.members[index];
    if (!dropped) continue;
    const fresh = createMemberRecord(record, 'member', fee);
    record.members[index] = fresh;
    record.replaced = [...(record.replaced ?? []), dropped];
    replaced.push({ dropped, fresh });
  }
  record.phase = 'running';
  await saveRecord(context, record);
  for (const { dropped, fresh } of replaced) {
    context.emit({
      type: 'replaced',
      id: record.id,
      taskKey: dropped.taskKey,
      node: dropped.node ?? zeroAddress,
      replacement: fresh.taskKey,
    });
  }
  return record;
}

/** Members that reported (a score or an error), whatever they became since. */
function countReports(record: TaskRecord): number {
  return record.members.filter((m) => m.score !== undefined || m.errorCode !== undefined).length;
}

async function sendSingleValidation(
  context: SdkContext,
  record: TaskRecord,
  member: MemberRecord,
  signal: AbortSignal | undefined,
): Promise<TransactionReceipt | undefined> {
  try {
    return await withRetry(context, { id: record.id, step: 'validateSingleTask', signal }, () =>
      context.access.write({ functionName: 'validateSingleTask', args: [member.taskKey] }),
    );
  } catch (error) {
    // Already validated (a crash after sending) or finalized by someone after the window.
    if (!(error instanceof ContractRevertedError && error.errorName === 'InvalidState')) throw error;
    return undefined;
  }
}

/** The end events of a task's states, as the contract emits them in the transaction that ends it. */
const endStates: Record<string, MemberRecord['state']> = {
  TaskEndSuccess: 'EndSuccess',
  TaskEndGroupSuccess: 'EndGroupSuccess',
  TaskEndGroupRefund: 'EndGroupRefund',
  TaskEndInvalidated: 'EndInvalidated',
  TaskEndAborted: 'EndAborted',
};

/**
 * Sets the end state of each of `members` that the receipt of this app's own validation (mined, successful)
 * shows ending, as createTask takes a task's start from its own receipt: the chain's answer to that transaction,
 * no read needed. Returns the members it set; the others are read from the chain.
 */
function applyEndReceipt(members: MemberRecord[], receipt: TransactionReceipt | undefined): MemberRecord[] {
  if (receipt?.status !== 'success') return [];
  const set: MemberRecord[] = [];
  for (const log of parseTaskManagerLogs(receipt.logs)) {
    const state = endStates[log.eventName];
    if (!state) continue;
    const key = (log.args as { taskKey: Hex }).taskKey.toLowerCase();
    const member = members.find((m) => m.taskKey.toLowerCase() === key);
    if (!member || set.includes(member)) continue;
    member.state = state;
    set.push(member);
  }
  return set;
}

/**
 * Opens the group. Returns the index the contract names when it refuses the group because two reported
 * members ran on one node (`DuplicateGroupNode`; checked locally first, so this is a fallback).
 */
async function sendGroupValidation(
  context: SdkContext,
  record: TaskRecord,
  signal: AbortSignal | undefined,
): Promise<{ opened: true; receipt: TransactionReceipt | undefined } | { duplicate: number }> {
  const [original] = record.members;
  const key = await ensureVrfKey(context, { id: record.id, signal });
  // The contract checks the proof over the seed the original's node folded into its commitment.
  const seed = original?.reportSeed ?? original?.seed;
  if (!seed) throw new VerinetError(`Task ${record.id}: the original has no seed; it cannot open a group.`);
  // Always over the seed opened (ECVRF proofs are deterministic): a proof kept from sampling may be over a
  // seed the original no longer has (queued, then dispatched in a later block). On the app's curve, as at
  // sampling: in noble's JavaScript the proof and the helper points took ≈ 30 ms of every sampled task.
  const curve = context.vrfCurve;
  const proof = prove(key.secretKey, seed, { curve });
  const { uPoint, vComponents } = getFastVerifyParams(key.publicKey, proof, seed, { curve });
  const opening = {
    taskKeys: record.members.map((m) => m.taskKey),
    guid: record.guid,
    nonces: record.members.map((m) => m.nonce),
    argsHash: record.argsHash,
    salts: record.members.map((m) => m.salt),
    scores: record.members.map((m) => (m.score ?? '0x') as Hex),
    seeds: record.members.map((m) =>
      m.score !== undefined || m.errorCode !== undefined ? (m.reportSeed ?? zeroHash) : zeroHash,
    ),
    modelIds: record.request.modelIds,
    minVram: record.request.minVram,
    requiredGpu: record.request.requiredGpu,
    version: BigInt(record.request.version),
    vrfProof: proof,
    publicKey: key.publicKey,
    uPoint,
    vComponents,
  };
  try {
    const receipt = await withRetry(context, { id: record.id, step: 'validateTaskGroup', signal }, () =>
      context.access.write({ functionName: 'validateTaskGroup', args: [opening] }),
    );
    return { opened: true, receipt };
  } catch (error) {
    if (error instanceof ContractRevertedError && error.errorName === 'DuplicateGroupNode') {
      const index = Number(error.args[0] ?? 2);
      return { duplicate: index >= 1 && index <= 2 ? index : 2 };
    }
    if (!(error instanceof ContractRevertedError && error.errorName === 'GroupMemberState')) throw error;
    // Judged already (a crash after sending): the states below tell the outcome.
  }
  return { opened: true, receipt: undefined };
}

/** Who was paid, who refunded, and which member's result the app receives. */
function settleOutcome(context: SdkContext, record: TaskRecord): void {
  for (const member of [...record.members, ...(record.replaced ?? [])]) {
    if (!isEnded(member.state) || member.outcome) continue;
    member.outcome = paidStates.has(member.state ?? '') ? 'paid' : 'refunded';
    if (member.outcome === 'paid' && member.node) {
      context.emit({
        type: 'paid',
        id: record.id,
        taskKey: member.taskKey,
        node: member.node,
        amount: BigInt(member.fee),
      });
    } else {
      context.emit({ type: 'refunded', id: record.id, taskKey: member.taskKey, amount: BigInt(member.fee) });
    }
  }
  const winner =
    record.members.find((m) => paidStates.has(m.state ?? '') && m.score) ??
    record.members.find((m) => m.state === 'EndGroupRefund' && m.score);
  record.resultKey = winner?.taskKey;
}
