import { zeroAddress } from 'viem';
import {
  type ChainTaskInfo,
  drawExpiredReason,
  isEnded,
  isReported,
  readAbortReason,
  readBlockHash,
  readTaskInfo,
  readTaskReport,
} from '../chain/reads.js';
import type { SdkContext } from '../client/context.js';
import type { MemberRecord, TaskRecord } from '../types.js';
import { withRetry } from '../utils/withRetry.js';

/**
 * Reads one member's chain state into its record (node chosen, seed, report) and emits what changed. Returns
 * the chain's view (with stateTime, for timeouts). The caller saves the record.
 */
export async function refreshMember(
  context: SdkContext,
  record: TaskRecord,
  member: MemberRecord,
  signal?: AbortSignal | undefined,
): Promise<ChainTaskInfo> {
  const step = { id: record.id, step: 'read-task', signal };
  const info = await withRetry(context, step, () => readTaskInfo(context, member.taskKey));
  const before = member.state;
  member.state = info.state;
  if (info.state === 'Queued' && before !== 'Queued')
    // The draw found no idle node: the task waits for one (and gets a new seed block when a node that fits it is
    // free: it goes back to Pending and is drawn again, review M2).
    context.emit({ type: 'queued', id: record.id, taskKey: member.taskKey });
  if (info.seedBlock > 0n && member.seedBlock !== info.seedBlock.toString()) {
    // Put back into the draws from the queue (or adopted after a crash): the seed block is the redraw's block.
    member.seedBlock = info.seedBlock.toString();
    member.seed = await withRetry(context, step, () => readBlockHash(context, info.seedBlock));
  }
  if (info.node !== zeroAddress && member.node !== info.node) {
    // The draw (F1: settleDraws after the creation or redraw block) chose the node.
    member.node = info.node;
    context.emit({ type: 'node', id: record.id, taskKey: member.taskKey, node: info.node });
  }
  if (
    info.state === 'EndAborted' &&
    member.outcome === undefined &&
    (before === undefined || before === 'None' || before === 'Pending' || before === 'Queued')
  ) {
    // Only a Pending task can end DrawExpired (nobody drew it within 256 blocks): its fee is forfeited to the
    // IncentivePool, not owed back. A queued task goes back to Pending when a node that fits it is free (review
    // M2), unseen if this client did not poll meanwhile. A task seen Started before ended otherwise (refunded).
    const reason = await withRetry(context, step, () =>
      readAbortReason(context, member.taskKey, BigInt(member.createdBlock ?? member.seedBlock ?? '0')),
    );
    if (reason === drawExpiredReason) {
      member.outcome = 'forfeited';
      context.emit({ type: 'forfeited', id: record.id, taskKey: member.taskKey, amount: BigInt(member.fee) });
    }
  }
  const reported = isReported(info.state) || (isEnded(info.state) && before !== info.state);
  if (reported && member.score === undefined && member.errorCode === undefined && member.seedBlock) {
    const report = await withRetry(context, step, () =>
      readTaskReport(context, member.taskKey, BigInt(member.seedBlock ?? '0')),
    );
    if (report?.kind === 'score') {
      member.score = report.score;
      member.reportSeed = report.seed;
      member.node = report.node;
      context.emit({
        type: 'scored',
        id: record.id,
        taskKey: member.taskKey,
        node: report.node,
        score: report.score,
      });
    } else if (report?.kind === 'error') {
      member.errorCode = report.code;
      member.reportSeed = report.seed;
      member.node = report.node;
      context.emit({
        type: 'error_reported',
        id: record.id,
        taskKey: member.taskKey,
        node: report.node,
        code: report.code,
      });
    }
  }
  return info;
}
