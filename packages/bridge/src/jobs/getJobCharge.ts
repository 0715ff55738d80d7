import type { TaskRecord } from '@verinet/sdk';

const paidStates = new Set(['EndSuccess', 'EndGroupSuccess']);

/**
 * What the bridge's wallet has spent on one job, net of the fees it is owed back, from the SDK's persisted
 * record (pure): every on-chain task the wallet created (or may have created: a createTask in flight when the
 * process stopped) costs its fee, unless the task ended refunded (aborted, error confirmed, a group's refunded
 * member; a `forfeited` fee, DrawExpired, never comes back). Group members the SDK replaced count too. Fees
 * still locked in tasks that have not ended count as spent: they go to a node unless refunded later. Earlier
 * attempts (resubmits after a timeout) count their fees less what came back from them. No record (the job
 * never reached the SDK) is nothing spent.
 *
 * @example
 * const charge = getJobCharge(await client.getTask(job.id));
 */
export function getJobCharge(record: TaskRecord | undefined): bigint {
  if (!record) return 0n;
  let spent = 0n;
  // Members dropped from a validation group (their node was already in it) were paid alone: they count too.
  for (const member of [...record.members, ...(record.replaced ?? [])]) {
    const sent = member.sending === true || (member.state !== undefined && member.state !== 'None');
    if (!sent) continue;
    const outcome =
      member.outcome ??
      (member.state === undefined || !member.state.startsWith('End')
        ? undefined
        : paidStates.has(member.state)
          ? 'paid'
          : 'refunded');
    if (outcome !== 'refunded') spent += BigInt(member.fee);
  }
  const fee = BigInt(record.members[0]?.fee ?? '0');
  const previous = BigInt(record.previous.length) * fee - BigInt(record.previousRefunded ?? '0');
  return spent + (previous > 0n ? previous : 0n);
}
