import { VerinetError } from '../errors/index.js';
import type { TaskRecord, TaskResultBase } from '../types.js';

/** The chain facts of a settled task, as results carry them. */
export function getResultBase(record: TaskRecord): TaskResultBase {
  const member = record.members.find((m) => m.taskKey === record.resultKey);
  if (!member?.score || !member.node) throw new VerinetError(`Task ${record.id} has no validated result.`);
  const all = [...record.members, ...(record.replaced ?? [])];
  const sum = (outcome: 'paid' | 'refunded') =>
    all.filter((m) => m.outcome === outcome).reduce((total, m) => total + BigInt(m.fee), 0n);
  return {
    id: record.id,
    taskType: record.taskType,
    taskKey: member.taskKey,
    node: member.node,
    score: member.score,
    validation: record.validation ?? 'single',
    // Members dropped from the group (DuplicateGroupNode) come after the ones it was judged with.
    taskKeys: [...record.previous, ...all.map((m) => m.taskKey)],
    feesPaid: sum('paid'),
    // Earlier attempts were aborted: their fees came back too.
    refunded: sum('refunded') + BigInt(record.previousRefunded ?? '0'),
  };
}
