import { parseTaskManagerLogs } from '@verinet/protocol/chain/parseTaskManagerLogs';
import { type Hex, type TransactionReceipt, TransactionReceiptNotFoundError, zeroAddress } from 'viem';
import { getTaskTypeId, readBlockHash, readTaskInfo } from '../chain/reads.js';
import { toSdkError } from '../chain/toSdkError.js';
import type { SdkContext } from '../client/context.js';
import { ContractRevertedError, VerinetError } from '../errors/index.js';
import type { MemberRecord, TaskRecord } from '../types.js';
import { loadRecord, saveRecord } from '../utils/loadRecord.js';
import { withRetry } from '../utils/withRetry.js';
import { ensureVrfKey } from './ensureVrfKey.js';
import { renewSalt, uploadMemberArgs } from './uploadArgs.js';

/**
 * Sends `createTask` for every current member not on chain yet, with its fee and the relay's statement. The
 * record is saved with `sending` before each transaction; the task key can never be used twice on chain, so a
 * crash between sending and saving is resolved by reading the chain (a repeated createTask reverts TaskExists
 * and pays nothing).
 *
 * @example
 * await client.uploadArgs(record.id);
 * await client.createTask(record.id);
 */
export async function createTask(
  context: SdkContext,
  id: string,
  options: { signal?: AbortSignal | undefined } = {},
): Promise<TaskRecord> {
  const record = await loadRecord(context, id);
  await ensureVrfKey(context, { id, signal: options.signal });
  for (const member of record.members) {
    if (member.state !== undefined && member.state !== 'None') continue;
    // Created by an earlier run and read None since (a state read one block behind, saved before a crash): its own
    // receipt says it landed, and a createTask sent again would revert TaskExists and adopt a state that reads None.
    if (
      member.createTx !== undefined &&
      (await adoptCreationReceipt(context, record, member, options.signal))
    )
      continue;
    if (member.sending) {
      // A previous run sent (or was about to send) this createTask: the chain says whether it landed.
      const info = await withRetry(context, { id, step: 'read-task', signal: options.signal }, () =>
        readTaskInfo(context, member.taskKey),
      );
      if (info.state !== 'None') {
        await adoptChainState(context, record, member);
        continue;
      }
    }
    if (!member.statement) await uploadMemberArgs(context, record, member, options.signal);
    const current = member;
    current.sending = true;
    await saveRecord(context, record);
    let receipt: TransactionReceipt | undefined;
    for (let attempt = 0; !receipt; attempt++) {
      try {
        receipt = await withRetry(context, { id, step: 'createTask', signal: options.signal }, () =>
          context.access.write({
            functionName: 'createTask',
            args: [
              {
                taskType: getTaskTypeId(record.taskType),
                modelIds: record.request.modelIds,
                minVram: record.request.minVram,
                requiredGpu: record.request.requiredGpu,
                version: BigInt(record.request.version),
                taskSize: 1n,
                taskIdCommitment: current.taskKey,
                argsCommitment: current.argsCommitment,
                relayExpiry: BigInt(current.statement?.expiry ?? '0'),
                relaySignature: current.statement?.signature ?? '0x',
              },
            ],
            value: BigInt(current.fee),
          }),
        );
      } catch (error) {
        if (error instanceof ContractRevertedError && error.errorName === 'TaskExists') break;
        if (
          error instanceof ContractRevertedError &&
          error.errorName === 'RelayStatementExpired' &&
          attempt === 0
        ) {
          // The statement aged out while waiting (a long resume): ask the relay again, once.
          renewSalt(record, current);
          await uploadMemberArgs(context, record, current, options.signal);
          continue;
        }
        throw error;
      }
    }
    if (!receipt) {
      await adoptChainState(context, record, current);
      continue;
    }
    current.createTx = receipt.transactionHash;
    applyCreationReceipt(current, receipt);
    current.sending = false;
    await saveRecord(context, record);
    context.emit({
      type: 'created',
      id,
      taskKey: current.taskKey,
      txHash: receipt.transactionHash,
      fee: BigInt(current.fee),
      role: current.role,
    });
    emitPlacement(context, id, current);
  }
  if (record.phase === 'creating' || record.phase === 'prepared') {
    record.phase = 'running';
    await saveRecord(context, record);
  }
  return record;
}

/** Started at creation: the seed block is the creation block, its hash the seed (known from the receipt). */
function applyCreationReceipt(member: MemberRecord, receipt: TransactionReceipt): void {
  const logs = parseTaskManagerLogs(receipt.logs);
  const started = logs.find(
    (log) => log.eventName === 'TaskStarted' && (log.args as { taskKey: Hex }).taskKey === member.taskKey,
  );
  member.createdBlock = receipt.blockNumber.toString();
  const queued = logs.some(
    (log) => log.eventName === 'TaskQueued' && (log.args as { taskKey: Hex }).taskKey === member.taskKey,
  );
  // F1: the node is drawn from blockhash(creation block) by a later transaction; that hash is the seed.
  member.seedBlock = receipt.blockNumber.toString();
  member.seed = receipt.blockHash;
  if (started) {
    member.state = 'Started';
    member.node = (started.args as { node: Hex }).node;
  } else {
    member.state = queued ? 'Queued' : 'Pending';
  }
}

/**
 * A member whose createTask receipt this app saved: when that transaction is still in the chain, its state is taken
 * from the receipt again (the wait reads the chain's current state next). False when the chain has no such receipt
 * (it went back): the member is created again, under the same key (a repeated createTask reverts TaskExists).
 */
async function adoptCreationReceipt(
  context: SdkContext,
  record: TaskRecord,
  member: MemberRecord,
  signal: AbortSignal | undefined,
): Promise<boolean> {
  const hash = member.createTx;
  if (hash === undefined) return false;
  const receipt = await withRetry(context, { id: record.id, step: 'read-receipt', signal }, async () => {
    try {
      return await context.access.publicClient.getTransactionReceipt({ hash });
    } catch (error) {
      if (error instanceof TransactionReceiptNotFoundError) return undefined;
      throw toSdkError(error, 'getTransactionReceipt');
    }
  });
  if (receipt?.status !== 'success') return false;
  applyCreationReceipt(member, receipt);
  member.sending = false;
  await saveRecord(context, record);
  context.emit({
    type: 'created',
    id: record.id,
    taskKey: member.taskKey,
    txHash: hash,
    fee: BigInt(member.fee),
    role: member.role,
  });
  emitPlacement(context, record.id, member);
  return true;
}

/** A createTask that landed in an earlier run: take its state from the chain. */
async function adoptChainState(context: SdkContext, record: TaskRecord, member: MemberRecord): Promise<void> {
  const info = await withRetry(context, { id: record.id, step: 'read-task' }, () =>
    readTaskInfo(context, member.taskKey),
  );
  if (info.creator.toLowerCase() !== context.access.address.toLowerCase()) {
    throw new VerinetError(`Task ${member.taskKey} exists on chain but was created by ${info.creator}.`, {
      details: ['Task keys are random: this means the store was shared between accounts.'],
    });
  }
  member.state = info.state;
  member.sending = false;
  if (info.seedBlock > 0n) {
    if (info.node !== zeroAddress) member.node = info.node;
    member.seedBlock = info.seedBlock.toString();
    member.createdBlock ??= info.seedBlock.toString();
    member.seed = await withRetry(context, { id: record.id, step: 'read-block' }, () =>
      readBlockHash(context, info.seedBlock),
    );
  }
  await saveRecord(context, record);
  context.emit({
    type: 'created',
    id: record.id,
    taskKey: member.taskKey,
    txHash: member.createTx ?? null,
    fee: BigInt(member.fee),
    role: member.role,
  });
  emitPlacement(context, record.id, member);
}

function emitPlacement(context: SdkContext, id: string, member: MemberRecord): void {
  if (member.node && member.state === 'Started') {
    context.emit({ type: 'node', id, taskKey: member.taskKey, node: member.node });
  } else if (member.state === 'Queued') {
    context.emit({ type: 'queued', id, taskKey: member.taskKey });
  }
}
