import type { TaskRecord } from '@verinet/sdk';

/**
 * The phase a person reads: the SDK's `running` covers a task still waiting in the chain's queue for a free node,
 * which is not running anywhere yet, so a task whose original is Queued reads `queued`. (The SDK's record keeps no
 * queue start time, so the queue timeout's end is not shown.)
 *
 * @example
 * describePhase(record); // "queued"
 */
export function describePhase(record: Pick<TaskRecord, 'phase' | 'members'>): string {
  if ((record.phase === 'running' || record.phase === 'creating') && record.members[0]?.state === 'Queued')
    return 'queued';
  return record.phase;
}
