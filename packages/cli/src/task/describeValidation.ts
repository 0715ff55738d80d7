import type { MemberRecord, TaskRecord } from '@verinet/sdk';

export type ValidationWording = {
  /** After `sampled` in `verinet task status`. */
  sampled: string;
  /** What `verinet task run` says the result went through ("validated alone", "validated by a group of 3"). */
  outcome: string;
};

const reportedScore = (member: MemberRecord) => member.score !== undefined || member.errorCode !== undefined;

/**
 * What really checked a task's result, from the SDK's record: being sampled is not the same as a group having
 * compared the results. A sampled task is validated alone when its group cannot be judged (each member ran on a
 * node already in the group past the SDK's replacements, or fewer than two of the three reported), and then
 * nobody compared anything, so the wording must not claim a group did.
 *
 * @example
 * describeValidation(record).sampled; // "yes, but the group check was given up: …"
 */
export function describeValidation(
  record: Pick<TaskRecord, 'sampled' | 'validation' | 'members' | 'replaced' | 'phase'>,
): ValidationWording {
  if (record.sampled === undefined)
    return {
      sampled: 'not known yet',
      outcome: record.validation === 'group' ? 'validated by a group of 3' : 'validated',
    };
  if (!record.sampled) return { sampled: 'no (validated alone)', outcome: 'validated alone (not sampled)' };
  if (record.validation === 'group') {
    return record.phase === 'failed'
      ? { sampled: 'yes (judged by a group of 3: no result released)', outcome: 'judged by a group of 3' }
      : { sampled: 'yes (validated by a group of 3)', outcome: 'validated by a group of 3' };
  }
  if (record.validation === undefined) {
    const waiting = record.phase === 'failed' ? 'no group judged it' : 'the group of 3 is not judged yet';
    return { sampled: `yes (${waiting})`, outcome: 'not validated' };
  }
  const reason = givenUpReason(record);
  return {
    sampled: `yes, but the group check was given up (${reason}): each result was validated alone`,
    outcome: `validated alone: sampled, but the group check was given up (${reason})`,
  };
}

function givenUpReason(record: Pick<TaskRecord, 'members' | 'replaced'>): string {
  const reported = record.members.filter(reportedScore);
  const nodes = new Set(reported.flatMap((member) => (member.node ? [member.node.toLowerCase()] : [])));
  const replaced = record.replaced?.length ?? 0;
  if (reported.length >= 2 && nodes.size < reported.length) {
    const count = nodes.size === 1 ? 'one node' : `${nodes.size} nodes`;
    return `its tasks kept running on ${count} already in the group${replaced > 0 ? `, ${replaced} replaced` : ''}: too few free nodes to compare`;
  }
  if (reported.length < 2) return `only ${reported.length} of its 3 tasks reported; the others timed out`;
  return 'the original task did not report';
}
